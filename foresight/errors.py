"""Errors raised at the edges of foresight.

Every error a user can trigger with bad input is a :class:`ParameterError` (or a
subclass): it names the parameter, the offending value and the valid range, so
the CLI can print one line and exit 2 without a traceback.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable


class ForesightError(Exception):
    """Base class of every error foresight raises on purpose."""

    def one_line(self) -> str:
        """The message on a single line, for the command line."""
        return " ".join(str(self).split())


class ParameterError(ForesightError, ValueError):
    """A parameter is outside its valid range.

    Parameters
    ----------
    name : str
        The parameter, as the user spelt it (``"pareto_weight"``, ``"beta.a"``).
    value : object
        The value received.
    valid : str
        The valid range in words or interval notation (``"(0, 1)"``).
    hint : str, optional
        A fix, e.g. ``"did you mean 'lambda'?"``.

    Examples
    --------
    >>> err = ParameterError("pareto_weight", 1.5, "(0, 1)")
    >>> str(err)
    'pareto_weight = 1.5 is outside its valid range (0, 1)'
    """

    def __init__(self, name: str, value: object, valid: str, hint: str | None = None):
        self.name, self.value, self.valid, self.hint = name, value, valid, hint
        message = f"{name} = {value!r} is outside its valid range {valid}"
        if hint:
            message += f"; {hint}"
        super().__init__(message)


class SpecError(ForesightError, ValueError):
    """A textual specification (a distribution, an answer) cannot be parsed.

    The message points at the position of the problem.
    """

    def __init__(self, text: str, position: int, reason: str):
        self.text, self.position, self.reason = text, position, reason
        pointer = " " * position + "^"
        super().__init__(f"{reason} at position {position}:\n  {text}\n  {pointer}")

    def one_line(self) -> str:
        return f"{self.reason} at position {self.position} of {self.text!r}"


class ConvergenceError(ForesightError, RuntimeError):
    """An iterative solver stopped without meeting its tolerance.

    Carries the residual reached and the iteration count, so nothing silently
    returns an unconverged answer.
    """

    def __init__(self, what: str, residual: float, iterations: int, tolerance: float):
        self.what, self.residual = what, residual
        self.iterations, self.tolerance = iterations, tolerance
        super().__init__(
            f"{what} did not converge: residual {residual:.3e} > tolerance "
            f"{tolerance:.1e} after {iterations} iterations"
        )


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return ``"did you mean 'x'?"`` for the closest of `choices`, or None.

    Examples
    --------
    >>> did_you_mean("lamda", ["lambda", "gamma"])
    "did you mean 'lambda'?"
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def require_open_interval(name: str, value: float, low: float, high: float) -> float:
    """Return `value` as a float if ``low < value < high``; raise otherwise.

    Examples
    --------
    >>> require_open_interval("discount", 0.9, 0.0, 1.0)
    0.9
    """
    v = _finite(name, value, f"({low:g}, {high:g})")
    if not low < v < high:
        raise ParameterError(name, value, f"({low:g}, {high:g})")
    return v


def require_positive(name: str, value: float) -> float:
    """Return `value` as a float if it is finite and > 0; raise otherwise.

    Examples
    --------
    >>> require_positive("beta.a", 2)
    2.0
    """
    v = _finite(name, value, "(0, inf)")
    if not v > 0:
        raise ParameterError(name, value, "(0, inf)")
    return v


def require_positive_int(name: str, value: int) -> int:
    """Return `value` if it is an integer >= 1; raise otherwise.

    Examples
    --------
    >>> require_positive_int("paths", 10)
    10
    """
    if isinstance(value, bool) or not float(value).is_integer() or int(value) < 1:
        raise ParameterError(name, value, "integers >= 1")
    return int(value)


def require_probability_vector(name: str, values, atol: float = 1e-12) -> tuple[float, ...]:
    """Return `values` as a tuple if entries are >= 0 and sum to 1.

    Examples
    --------
    >>> require_probability_vector("prior", [0.3, 0.7])
    (0.3, 0.7)
    """
    out = tuple(float(v) for v in values)
    if not out:
        raise ParameterError(name, values, "a non-empty vector of probabilities")
    for k, v in enumerate(out):
        if not math.isfinite(v) or v < 0:
            raise ParameterError(f"{name}[{k}]", v, "[0, 1] (a probability)")
    total = math.fsum(out)
    if abs(total - 1.0) > atol:
        raise ParameterError(
            f"sum({name})", total, f"1 (within {atol:g})", hint="probabilities must sum to one"
        )
    return out


def _finite(name: str, value, valid: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, valid) from None
    if not math.isfinite(v):
        raise ParameterError(name, value, valid)
    return v

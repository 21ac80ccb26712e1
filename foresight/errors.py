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


class AccuracyError(ForesightError, ArithmeticError):
    """A numerical result whose error estimate is not smaller than the result itself.

    Such a number is not an answer: it is raised as an error instead of being
    printed with exit status 0.

    Examples
    --------
    >>> str(AccuracyError("KL(p || q)", 0.0, 1e275, "raise --dps"))
    'KL(p || q) = 0 has an error estimate 1e+275 >= its size; not an answer: raise --dps'
    """

    def __init__(self, what: str, value: float, error: float, hint: str = ""):
        self.what, self.value, self.error = what, value, error
        message = (f"{what} = {value:.6g} has an error estimate {error:.3g} >= its size; "
                   "not an answer")
        super().__init__(message + (f": {hint}" if hint else ""))


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


def require_int(name: str, value, minimum: int, maximum: int | None = None) -> int:
    """Return `value` as an int if it is a whole number in ``[minimum, maximum]``.

    Rejects booleans, NaN, infinities and fractions (``2.5`` is not silently
    truncated to 2), so a bad size never reaches ``range()`` or an index.

    Examples
    --------
    >>> require_int("--agents", 3, 2)
    3
    >>> require_int("--periods", float("nan"), 1)
    Traceback (most recent call last):
    ...
    foresight.errors.ParameterError: --periods = nan is outside its valid range integers >= 1
    """
    valid = (f"integers >= {minimum}" if maximum is None
             else f"integers in [{minimum}, {maximum}]")
    if isinstance(value, bool):
        raise ParameterError(name, value, valid)
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, valid) from None
    if not math.isfinite(as_float) or not as_float.is_integer():
        raise ParameterError(name, value, valid)
    out = int(value)
    if out < minimum or (maximum is not None and out > maximum):
        raise ParameterError(name, value, valid)
    return out


def renamed(error: ParameterError, names: dict[str, str]) -> ParameterError:
    """`error` with its parameter renamed through `names` (API name -> CLI flag).

    The API names its parameters (``n_paths``); a command line user typed a
    flag (``--paths``).  One validation layer serves both: the API raises with
    its own names and each command translates them.  Names not in `names`
    (and sub-names such as ``beta.a``) are kept.

    Examples
    --------
    >>> str(renamed(ParameterError("n_paths", -5, "integers >= 1"), {"n_paths": "--paths"}))
    '--paths = -5 is outside its valid range integers >= 1'
    """
    if error.name not in names:
        return error
    out = ParameterError(names[error.name], error.value, error.valid, error.hint)
    out.__cause__ = error.__cause__
    return out


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

"""The record every verification check returns, and helpers to build it.

A check compares two quantities computed by different routes: a derived
expression or theorem (``expected``) and a number from another numerical route
(``observed``), with a stated tolerance and the reason for that tolerance.

Examples
--------
>>> r = compare_close("demo", "1 + 1 = 2", expected=2.0, observed=2.0 + 1e-13,
...                   atol=1e-12, basis="float64 round-off")
>>> r.passed
True
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one verification check.

    Attributes
    ----------
    name : str
        Stable identifier, e.g. ``"blume_easley.shares_vs_allocation_rule"``.
    statement : str
        What theory says, in words or as an expression.
    expected : float or str
        The theory side.
    observed : float or str
        The independent numerical side.
    tolerance : float
        Largest accepted discrepancy (in the units of `error`).
    basis : str
        How the tolerance was set (round-off bound, CLT band, quadrature error).
    passed : bool
        The verdict.
    error : float
        The discrepancy measured (absolute unless `basis` says otherwise).
    details : dict
        Extra numbers worth reporting (sample sizes, seeds, per-case values).
    """

    name: str
    statement: str
    expected: object
    observed: object
    tolerance: float
    basis: str
    passed: bool
    error: float = math.nan
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-safe dictionary (numpy scalars converted)."""
        return json.loads(json.dumps(asdict(self), default=_json_default))

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"[{verdict}] {self.name}: {self.statement}\n"
            f"    expected {_fmt(self.expected)}, observed {_fmt(self.observed)}, "
            f"error {_fmt(self.error)} vs tolerance {_fmt(self.tolerance)} ({self.basis})"
        )


def format_failure(result: CheckResult) -> str:
    """The multi-line record of a failed check: what pytest and ``str(CheckFailed)`` show.

    Parameters
    ----------
    result : CheckResult

    Returns
    -------
    str
        Name, theory, expected, observed, error against tolerance (with its
        basis), then one line per entry of ``details`` (the worst point:
        path, date, yours vs derived).

    Examples
    --------
    >>> r = compare_close("demo.check", "1 + 1 = 2", 2.0, 3.0, atol=1e-12,
    ...                   basis="float64 round-off", details={"paths": 4})
    >>> print(format_failure(r))
    foresight check FAILED: demo.check
      theory:    1 + 1 = 2
      expected:  2
      observed:  3
      error:     1 > tolerance 1e-12 (float64 round-off)
      paths: 4
    """
    def fmt(x):
        return f"{x:.10g}" if isinstance(x, float) else str(x)

    verdict = "FAILED" if not result.passed else "passed"
    relation = ">" if not result.passed else "<="
    lines = [
        f"foresight check {verdict}: {result.name}",
        f"  theory:    {result.statement}",
        f"  expected:  {fmt(result.expected)}",
        f"  observed:  {fmt(result.observed)}",
        f"  error:     {fmt(result.error)} {relation} tolerance {fmt(result.tolerance)} "
        f"({result.basis})",
    ]
    for key, value in (result.details or {}).items():
        lines.append(f"  {key}: {value}")
    return "\n".join(lines)


class CheckFailed(AssertionError):
    """Raised by :func:`assert_passed`; carries the :class:`CheckResult`.

    ``str(exc)`` is the same record the pytest plugin prints
    (:func:`format_failure`), so a failure read outside pytest (a notebook, a
    script, a log) shows the worst point too.

    Parameters
    ----------
    result : CheckResult
        The failed check (``exc.result``).

    Examples
    --------
    >>> r = compare_close("demo", "x = 0", [0.0, 0.0], [0.0, 0.5], atol=1e-12, basis="exact")
    >>> print(str(CheckFailed(r)).splitlines()[3])
      observed:  0.5
    """

    def __init__(self, result: CheckResult):
        self.result = result
        super().__init__(format_failure(result))


def assert_passed(result: CheckResult) -> CheckResult:
    """Raise :class:`CheckFailed` (an AssertionError) unless `result` passed."""
    if not result.passed:
        raise CheckFailed(result)
    return result


def compare_close(
    name: str,
    statement: str,
    expected,
    observed,
    *,
    atol: float = 0.0,
    rtol: float = 0.0,
    basis: str,
    details: dict | None = None,
) -> CheckResult:
    """Element-wise ``|observed - expected| <= atol + rtol |expected|``.

    Arrays are reduced to their worst entry; a NaN anywhere fails.  The
    reported expected, observed and tolerance are the values at the worst
    entry (the first non-finite one when there is one), and
    ``details["worst_entry"]`` says where it is in an array of which shape.

    Examples
    --------
    >>> r = compare_close("demo", "y = x", [[1.0, 2.0]], [[1.0, 2.5]], atol=1e-9, basis="exact")
    >>> r.expected, r.observed, r.details["worst_entry"]
    (2.0, 2.5, 'index (0, 1) of shape (1, 2)')
    """
    e = np.asarray(expected, dtype=float)
    o = np.asarray(observed, dtype=float)
    if e.shape != o.shape and e.size != 1:
        return CheckResult(
            name, statement, f"shape {e.shape}", f"shape {o.shape}", 0.0, basis, False,
            details=details or {},
        )
    diff = np.abs(o - e)
    allowed = atol + rtol * np.abs(e)
    excess = np.broadcast_to(diff - allowed, np.broadcast(diff, allowed).shape)
    finite = bool(np.all(np.isfinite(o))) and bool(np.all(np.isfinite(e)))
    if excess.size and finite:
        worst = int(np.nanargmax(excess))
    elif excess.size:  # point at the first NaN / inf: that is what needs fixing
        bad = ~(np.isfinite(np.broadcast_to(o, excess.shape))
                & np.isfinite(np.broadcast_to(e, excess.shape)))
        worst = int(np.argmax(bad))
    else:
        worst = 0
    err = float(np.ravel(np.broadcast_to(diff, excess.shape))[worst]) if diff.size else 0.0
    tol = float(np.ravel(np.broadcast_to(allowed, excess.shape))[worst]) if diff.size else atol
    passed = finite and bool(np.all(excess <= 0))
    details = dict(details or {})
    if excess.size > 1:
        index = tuple(int(i) for i in np.unravel_index(worst, excess.shape))
        details["worst_entry"] = f"index {index if len(index) > 1 else index[0]} of shape " \
                                 f"{tuple(excess.shape)}"
    return CheckResult(
        name,
        statement,
        _value_at(e, worst, excess.shape),
        _value_at(o, worst, excess.shape),
        tol,
        basis,
        passed,
        error=err if finite else math.nan,
        details=details,
    )


def compare_equal(name, statement, expected, observed, *, basis, details=None) -> CheckResult:
    """Exact agreement of two discrete outcomes (a survivor, a sign, a label)."""
    return CheckResult(
        name, statement, expected, observed, 0.0, basis, expected == observed,
        error=0.0 if expected == observed else 1.0, details=details or {},
    )


def _value_at(a: np.ndarray, flat_index: int, shape: tuple) -> float:
    """The entry of `a` (broadcast to `shape`) at `flat_index`: a value, never a summary."""
    if a.size == 1:
        return float(a.reshape(()))
    if a.size == 0:
        return math.nan
    return float(np.ravel(np.broadcast_to(a, shape))[flat_index])


def _fmt(x) -> str:
    if isinstance(x, float | np.floating):
        return f"{x:.6g}"
    return str(x)


def _json_default(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)


def power_checks(name: str, rerun, detectable: float, stated_se, empirical_se,
                 *, replicates: int, basis_empirical: str) -> list[CheckResult]:
    """The two companions every statistical check carries (issue 10: checks with power).

    Parameters
    ----------
    name : str
        The statistical check's name; companions are ``name + ".power"`` and
        ``name + ".standard_error_scale"``.
    rerun : callable
        ``rerun(shift) -> CheckResult``: the same check with its observed side
        moved by ``shift`` (in the units of its error).
    detectable : float
        The smallest error the check is stated to detect: its tolerance plus
        two standard errors (rejected with probability >= 97.7 %).
    stated_se, empirical_se : float or array
        The standard error the band is built from, and one estimated by a
        different route (spread of independent replicates or of the paths).
    replicates : int
        Number of independent draws behind `empirical_se`.
    basis_empirical : str
        How `empirical_se` was obtained.

    Returns
    -------
    list of CheckResult
        ``.power``: the check FAILS when the observed side is perturbed by
        `detectable` (passes when it rejects); ``.standard_error_scale``: the
        stated standard error is within a factor 3 of the empirical one, so a
        band 10x too wide (a mis-scaled error, a vacuous check) fails.

    Examples
    --------
    >>> def rerun(shift):
    ...     return compare_close("demo", "mean = 0", 0.0, 0.01 + shift, atol=0.05, basis="CLT")
    >>> [r.passed for r in power_checks("demo", rerun, 0.07, 0.01, 0.011, replicates=100,
    ...                                 basis_empirical="paths")]
    [True, True]
    >>> [r.passed for r in power_checks("demo", rerun, 0.07, 0.1, 0.011, replicates=100,
    ...                                 basis_empirical="paths")]
    [True, False]
    """
    perturbed = rerun(detectable)
    power = CheckResult(
        name + ".power", f"{name} rejects an error of its stated detectable size {detectable:.3g}",
        "FAIL on the perturbed input", "FAIL" if not perturbed.passed else "PASS",
        float(detectable), "companion: observed side moved by tolerance + 2 standard errors",
        not perturbed.passed, error=float(perturbed.error),
        details={"detectable_error": float(detectable)})
    stated = np.atleast_1d(np.asarray(stated_se, dtype=float))
    empirical = np.atleast_1d(np.asarray(empirical_se, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(stated / empirical)
    scale = compare_close(
        name + ".standard_error_scale",
        "stated standard error = the spread of independent replicates (within a factor 3)",
        np.zeros_like(log_ratio), log_ratio, atol=math.log(3.0),
        basis=f"log ratio; an SD estimated from {replicates} draws errs by a factor 3 with "
        f"probability < 1e-5 ({basis_empirical})",
        details={"stated_se": stated.tolist(), "empirical_se": empirical.tolist()})
    return [power, scale]

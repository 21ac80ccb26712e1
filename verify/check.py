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


class CheckFailed(AssertionError):
    """Raised by :func:`assert_passed`; carries the :class:`CheckResult`."""

    def __init__(self, result: CheckResult):
        self.result = result
        super().__init__(str(result))


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
    reported tolerance is the one at the worst entry.
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
    worst = int(np.nanargmax(excess)) if excess.size and finite else 0
    err = float(np.ravel(np.broadcast_to(diff, excess.shape))[worst]) if diff.size else 0.0
    tol = float(np.ravel(np.broadcast_to(allowed, excess.shape))[worst]) if diff.size else atol
    passed = finite and bool(np.all(excess <= 0))
    return CheckResult(
        name,
        statement,
        _scalar_or_summary(e),
        _scalar_or_summary(o),
        tol,
        basis,
        passed,
        error=err if finite else math.nan,
        details=details or {},
    )


def compare_equal(name, statement, expected, observed, *, basis, details=None) -> CheckResult:
    """Exact agreement of two discrete outcomes (a survivor, a sign, a label)."""
    return CheckResult(
        name, statement, expected, observed, 0.0, basis, expected == observed,
        error=0.0 if expected == observed else 1.0, details=details or {},
    )


def _scalar_or_summary(a: np.ndarray):
    if a.size == 1:
        return float(a.reshape(()))
    return f"array{a.shape}"


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

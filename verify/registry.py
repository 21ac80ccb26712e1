"""Registry of the checks ``foresight verify`` runs.

Each model family registers zero-argument *cases*: functions that build default
inputs, run a check function on them and return one or more
:class:`~foresight.verify.check.CheckResult`.  The check functions themselves
take explicit inputs, so users call them on their own solvers.

Examples
--------
>>> from foresight.verify.registry import registered
>>> isinstance(registered(), dict)
True
"""

from __future__ import annotations

import importlib
import math
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from foresight.verify.check import CheckResult

# Modules whose import registers cases; imported lazily by run_all().
CASE_MODULES = (
    "foresight.verify.blume_easley",
    "foresight.verify.kl",
    "foresight.verify.exercises",
    "foresight.verify.bfe",
    "foresight.verify.krusell_smith",
    "foresight.verify.bfe_krusell_smith",
    "foresight.verify.streams",
)


@dataclass(frozen=True)
class Case:
    name: str
    group: str
    run: Callable[[], CheckResult | Iterable[CheckResult]]
    description: str


_CASES: dict[str, Case] = {}
# Case modules whose import raised: module -> exception (reported as FAILED records).
_IMPORT_ERRORS: dict[str, BaseException] = {}


def case(group: str, name: str | None = None):
    """Decorator registering a zero-argument verification case."""

    def register(func):
        key = f"{group}.{name or func.__name__}"
        _CASES[key] = Case(key, group, func, (func.__doc__ or "").strip().split("\n")[0])
        return func

    return register


def registered() -> dict[str, Case]:
    """All cases, importing the modules that define them."""
    for module in CASE_MODULES:
        try:
            importlib.import_module(module)
            _IMPORT_ERRORS.pop(module, None)
        except ModuleNotFoundError as exc:  # a family not built yet
            if exc.name != module:
                _IMPORT_ERRORS[module] = exc
        except Exception as exc:  # noqa: BLE001 - a broken family is a failed check
            _IMPORT_ERRORS[module] = exc
    return dict(_CASES)


def crash_record(name: str, description: str, exc: BaseException) -> CheckResult:
    """The FAILED record of a case that raised: the case, the exception and where.

    Parameters
    ----------
    name : str
        The case's registered name.
    description : str
        The case's one-line description.
    exc : BaseException
        What it raised.

    Returns
    -------
    CheckResult
        ``passed=False``; ``observed`` names the exception type and message,
        ``details["where"]`` the innermost frame (file:line in function) and
        ``details["traceback"]`` the last frames.

    Examples
    --------
    >>> try:
    ...     1 / 0
    ... except ZeroDivisionError as exc:
    ...     r = crash_record("demo.case", "a demo", exc)
    >>> r.passed, r.observed
    (False, 'raised ZeroDivisionError: division by zero')
    """
    frames = traceback.extract_tb(exc.__traceback__)
    where = (f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}"
             if frames else "unknown")
    message = " ".join(f"{type(exc).__name__}: {exc}".split())
    if len(message) > 300:
        message = message[:299] + "…"
    return CheckResult(
        name, description or "registered verification case", "the case runs to completion",
        f"raised {message}", 0.0, f"a case that raises has failed (at {where})", False,
        error=math.inf,
        details={"exception": type(exc).__name__, "where": where,
                 "traceback": "".join(traceback.format_list(frames[-4:])).rstrip()},
    )


def run_cases(select: str | None = None, progress=None, runner=None) -> list[CheckResult]:
    """Run every registered case whose name contains `select`.

    A case that raises does not stop the run: it becomes a FAILED record
    (:func:`crash_record`) naming the case, the exception and where it was
    raised, and the next case runs.  ``KeyboardInterrupt`` still stops the run.
    `runner(case)`, when given, replaces ``case.run()`` (the report's result
    cache); what it raises is recorded the same way.
    """
    results: list[CheckResult] = []
    cases = [c for k, c in sorted(registered().items()) if not select or select in k]
    for module, exc in sorted(_IMPORT_ERRORS.items()):
        name = f"{module.rsplit('.', 1)[-1]}.import"
        if not select or select in name or select in module:
            results.append(crash_record(name, f"import of {module}", exc))
    for c in cases:
        if progress is not None:
            progress(c.name)
        try:
            out = c.run() if runner is None else runner(c)
            results.extend([out] if isinstance(out, CheckResult) else list(out))
        except Exception as exc:  # noqa: BLE001 - verify reports, it does not crash
            results.append(crash_record(c.name, c.description, exc))
    return results

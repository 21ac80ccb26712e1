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
)


@dataclass(frozen=True)
class Case:
    name: str
    group: str
    run: Callable[[], CheckResult | Iterable[CheckResult]]
    description: str


_CASES: dict[str, Case] = {}


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
        except ModuleNotFoundError as exc:  # a family not built yet
            if exc.name != module:
                raise
    return dict(_CASES)


def run_cases(select: str | None = None, progress=None) -> list[CheckResult]:
    """Run every registered case whose name contains `select`."""
    results: list[CheckResult] = []
    cases = [c for k, c in sorted(registered().items()) if not select or select in k]
    for c in cases:
        if progress is not None:
            progress(c.name)
        out = c.run()
        results.extend([out] if isinstance(out, CheckResult) else list(out))
    return results

"""N-Bounded Foresight Equilibrium (Islah & Light 2025): generic engine and models.

Attributes are imported lazily (the engine and the models compile numba kernels).

Examples
--------
>>> from foresight.numerics.bfe import BFESolver, CapacityModel
>>> BFESolver(CapacityModel(), 0).horizon
0
"""

import importlib

_EXPORTS = {
    "BFESolver": "engine",
    "FrozenValueTable": "engine",
    "PathResult": "engine",
    "TreeEquilibrium": "engine",
    "forecast_errors": "engine",
    "perfect_foresight_path": "engine",
    "simulate_aggregate_path": "engine",
    "simulate_path": "engine",
    "stationary_equilibrium": "engine",
    "CapacityModel": "models",
    "LadderModel": "models",
    "QualityLadderModel": "models",
    "KrusellSmithBFE": "krusell_smith",
    "BFEModel": "contract",
    "check_model": "contract",
    "make_model": "contract",
    "register_model": "contract",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

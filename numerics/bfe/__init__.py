"""N-Bounded Foresight Equilibrium (Islah & Light 2025): generic engine and ladder models.

Examples
--------
>>> from foresight.numerics.bfe import BFESolver, CapacityModel
>>> BFESolver(CapacityModel(), 0).horizon
0
"""

from foresight.numerics.bfe.engine import (
    BFESolver,
    FrozenValueTable,
    PathResult,
    TreeEquilibrium,
    forecast_errors,
    perfect_foresight_path,
    simulate_aggregate_path,
    simulate_path,
    stationary_equilibrium,
)
from foresight.numerics.bfe.models import CapacityModel, LadderModel, QualityLadderModel

__all__ = [
    "BFESolver",
    "CapacityModel",
    "FrozenValueTable",
    "LadderModel",
    "PathResult",
    "QualityLadderModel",
    "TreeEquilibrium",
    "forecast_errors",
    "perfect_foresight_path",
    "simulate_aggregate_path",
    "simulate_path",
    "stationary_equilibrium",
]

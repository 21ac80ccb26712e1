"""Krusell–Smith calibration, validated, and the numerical grids of its solvers.

:class:`KrusellSmithParameters` holds the economy (HARK's ``init_KS_agents`` /
``init_KS_economy``, i.e. Krusell and Smith 1998); everything derived from it
(the 4x4 employment chain, factor prices, the representative-agent steady
state) is computed by the generated kernels of
:mod:`foresight.numerics.generated.krusell_smith`.  :class:`KrusellSmithGrids`
holds the grids: the end-of-period asset grid of the EGM solver, the grid of
aggregate capital on which the household solves under a law of motion, and
the fine asset grid of the histogram.

Examples
--------
>>> p = KrusellSmithParameters()
>>> p.transition_matrix.round(6)[0]
array([0.525  , 0.35   , 0.03125, 0.09375])
>>> round(p.mean_unemployment, 10), round(p.steady_state_capital, 4)
(0.07, 11.5564)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from foresight.errors import (
    ParameterError,
    require_open_interval,
    require_positive,
    require_positive_int,
)
from foresight.numerics.generated import krusell_smith as gen

__all__ = [
    "KrusellSmithParameters",
    "KrusellSmithGrids",
    "multi_exponential_grid",
    "require_increasing_grid",
    "STATE_LABELS",
]

#: Order of the (aggregate, employment) states, as in HARK and Krusell-Smith.
STATE_LABELS = ("BU", "BE", "GU", "GE")


@dataclass(frozen=True)
class KrusellSmithParameters:
    """The Krusell–Smith (1998) economy as HARK calibrates it.

    Parameters
    ----------
    beta : float
        Discount factor, in (0, 1).
    gamma : float
        Relative risk aversion (1 = log utility), > 0.
    alpha : float
        Capital share, in (0, 1).
    delta : float
        Depreciation rate, in (0, 1).
    z_bad, z_good : float
        Total factor productivity in the bad and good aggregate states, > 0.
    urate_bad, urate_good : float
        Unemployment rates, in (0, 1).
    labour_endowment : float
        Labour supplied by an employed agent (``l``), > 0; the unemployed have
        no income (HARK's convention).
    dur_bad, dur_good : float
        Mean durations of the aggregate states (periods), > 1.
    spell_bad, spell_good : float
        Mean unemployment spells while the aggregate state stays (periods), > 1.
    rel_bg, rel_gb : float
        ``pi_00|BG / pi_00|GG`` and ``pi_00|GB / pi_00|BB`` (Krusell-Smith's
        0.75 and 1.25), > 0.
    borrowing_limit : float
        ``b`` in ``a' >= -b``.  With no income when unemployed the natural
        limit is 0, so 0 is the only valid value.

    Examples
    --------
    >>> KrusellSmithParameters(urate_bad=1.2)
    Traceback (most recent call last):
    ...
    foresight.errors.ParameterError: urate_bad = 1.2 is outside its valid range (0, 1)
    """

    beta: float = 0.99
    gamma: float = 1.0
    alpha: float = 0.36
    delta: float = 0.025
    z_bad: float = 0.99
    z_good: float = 1.01
    urate_bad: float = 0.10
    urate_good: float = 0.04
    labour_endowment: float = 0.3271
    dur_bad: float = 8.0
    dur_good: float = 8.0
    spell_bad: float = 2.5
    spell_good: float = 1.5
    rel_bg: float = 0.75
    rel_gb: float = 1.25
    borrowing_limit: float = 0.0

    def __post_init__(self):
        for name in ("beta", "alpha", "delta", "urate_bad", "urate_good"):
            object.__setattr__(self, name, require_open_interval(name, getattr(self, name),
                                                                 0.0, 1.0))
        for name in ("gamma", "z_bad", "z_good", "labour_endowment", "rel_bg", "rel_gb"):
            object.__setattr__(self, name, require_positive(name, getattr(self, name)))
        for name in ("dur_bad", "dur_good", "spell_bad", "spell_good"):
            value = getattr(self, name)
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise ParameterError(name, value, "(1, inf) periods") from None
            if not math.isfinite(v) or v <= 1.0:
                raise ParameterError(name, value, "(1, inf) periods",
                                     "a mean duration of 1 would leave the state every period")
            object.__setattr__(self, name, v)
        b = float(self.borrowing_limit)
        if b != 0.0:
            raise ParameterError("borrowing_limit", self.borrowing_limit, "[0, 0]",
                                 "with no income when unemployed the natural borrowing limit "
                                 "is 0 (a debt could never be repaid)")
        _ = self.transition_matrix  # solving the chain validates its conditions

    # ------------------------------------------------------------ the chain
    @property
    def chain_arguments(self) -> tuple[float, ...]:
        return (self.dur_bad, self.dur_good, self.spell_bad, self.spell_good,
                self.urate_bad, self.urate_good, self.rel_bg, self.rel_gb)

    @cached_property
    def transition_matrix(self) -> np.ndarray:
        """4x4 chain over (BU, BE, GU, GE), solved from the conditions (derivation)."""
        P = np.array(gen.employment_transition_matrix(*self.chain_arguments)).reshape(4, 4)
        for i in range(4):
            for j in range(4):
                if not (0.0 <= P[i, j] <= 1.0):
                    raise ParameterError(
                        f"employment chain P[{STATE_LABELS[i]}->{STATE_LABELS[j]}]",
                        float(P[i, j]), "[0, 1]",
                        "the durations, spells, relative probabilities and unemployment "
                        "rates cannot all hold; change dur_*, spell_*, rel_* or urate_*")
        return P

    @cached_property
    def aggregate_chain(self) -> np.ndarray:
        """2x2 chain of z (rows: bad, good)."""
        P = self.transition_matrix
        return np.array([[P[0, 0] + P[0, 1], P[0, 2] + P[0, 3]],
                         [P[2, 0] + P[2, 1], P[2, 2] + P[2, 3]]])

    @cached_property
    def conditional_employment(self) -> np.ndarray:
        """``Pi[z, z', e, e']`` = probability of ``e'`` given ``e, z, z'``."""
        P = self.transition_matrix.reshape(2, 2, 2, 2)  # [z, e, z', e']
        return P.transpose(0, 2, 1, 3) / self.aggregate_chain[:, :, None, None]

    @cached_property
    def stationary_employment_chain(self) -> np.ndarray:
        """2x2 employment chain of the economy without aggregate shocks (derivation)."""
        return np.array(gen.stationary_employment_chain(*self.chain_arguments)).reshape(2, 2)

    @cached_property
    def stationary_distribution(self) -> np.ndarray:
        """Stationary law of (BU, BE, GU, GE) (derivation)."""
        return np.array(gen.stationary_distribution(*self.chain_arguments))

    @property
    def aggregate_stationary(self) -> np.ndarray:
        """Stationary probabilities of (bad, good)."""
        return self.stationary_distribution.reshape(2, 2).sum(axis=1)

    # ------------------------------------------------------------ aggregates
    @property
    def productivity(self) -> np.ndarray:
        return np.array([self.z_bad, self.z_good])

    @property
    def unemployment(self) -> np.ndarray:
        return np.array([self.urate_bad, self.urate_good])

    @property
    def labour(self) -> np.ndarray:
        """Aggregate labour ``L_z = (1 - u_z) l`` per aggregate state."""
        return (1.0 - self.unemployment) * self.labour_endowment

    @property
    def mean_unemployment(self) -> float:
        return float(self.stationary_distribution[0] + self.stationary_distribution[2])

    @property
    def mean_productivity(self) -> float:
        return float(self.aggregate_stationary @ self.productivity)

    @property
    def mean_labour(self) -> float:
        return (1.0 - self.mean_unemployment) * self.labour_endowment

    @property
    def steady_state_capital(self) -> float:
        """Representative-agent K (``beta R = 1``) at mean z and mean employment."""
        return gen.representative_agent_capital(self.mean_productivity, self.mean_labour,
                                                self.alpha, self.beta, self.delta)

    @property
    def hark_initial_capital(self) -> float:
        """HARK's ``KSS``: the steady-state K/L ratio times ``l`` (no unemployment)."""
        return gen.representative_agent_capital(1.0, self.labour_endowment, self.alpha,
                                                self.beta, self.delta)

    def prices(self, z_index: int, capital: float) -> tuple[float, float]:
        """``(R, w)`` in aggregate state `z_index` at aggregate capital `capital`."""
        z, L = self.productivity[z_index], self.labour[z_index]
        return (gen.interest_factor(z, capital, L, self.alpha, self.delta),
                gen.wage_rate(z, capital, L, self.alpha))


def multi_exponential_grid(lower: float, upper: float, count: int, nest: int = 2,
                           scale: float = 1.0) -> np.ndarray:
    """Grid on which ``x -> log(1 + x / scale)``, applied `nest` times, is uniform.

    ``scale = 1`` is HARK's ``make_grid_exp_mult`` family (its ``aNestFac``;
    ``nest = 0`` is uniform): dense near 0, where policies bend, sparse for the
    rich.  A smaller `scale` puts more points near 0 and fewer in the middle.
    Needs ``0 <= lower < upper``.

    Examples
    --------
    >>> g = multi_exponential_grid(0.0, 50.0, 5, nest=2)
    >>> float(g[0]), float(g[-1]), bool(np.all(np.diff(np.diff(g)) > 0))
    (0.0, 50.0, True)
    """
    count = require_positive_int("count", count)
    if count < 2:
        raise ParameterError("count", count, "integers >= 2")
    if not (math.isfinite(lower) and lower >= 0.0):
        raise ParameterError("lower", lower, "[0, inf)")
    if not (math.isfinite(upper) and upper > lower):
        raise ParameterError("upper", upper, f"({lower:g}, inf), above lower = {lower:g}")
    if isinstance(nest, bool) or not float(nest).is_integer() or int(nest) < 0:
        raise ParameterError("nest", nest, "integers >= 0")
    scale = require_positive("scale", scale)
    ends = np.array([lower, upper]) / scale
    for _ in range(int(nest)):
        ends = np.log1p(ends)
    x = np.linspace(ends[0], ends[1], count)
    for _ in range(int(nest)):
        x = np.expm1(x)
    x *= scale
    x[0], x[-1] = lower, upper
    return x


def require_increasing_grid(name: str, grid) -> np.ndarray:
    """Return `grid` as a float array if it is finite and strictly increasing.

    Examples
    --------
    >>> require_increasing_grid("asset_grid", [0.0, 0.0, 1.0])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    foresight.errors.ParameterError: asset_grid[1] = 0.0 is outside its valid range (0, inf)...
    """
    g = np.ascontiguousarray(grid, dtype=float)
    if g.ndim != 1 or g.size < 2:
        raise ParameterError(name, f"shape {g.shape}", "a 1-d grid of at least 2 points")
    if not np.all(np.isfinite(g)):
        k = int(np.flatnonzero(~np.isfinite(g))[0])
        raise ParameterError(f"{name}[{k}]", float(g[k]), "finite numbers")
    steps = np.diff(g)
    if np.any(steps <= 0):
        k = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise ParameterError(f"{name}[{k}]", float(g[k]),
                             f"({g[k - 1]:g}, inf): a strictly increasing grid "
                             f"(previous point {g[k - 1]:g})")
    return g


@dataclass(frozen=True)
class KrusellSmithGrids:
    """Grids of the Krusell–Smith solvers.

    Parameters
    ----------
    assets : array
        End-of-period assets of the EGM solver, strictly increasing, first
        point above the borrowing limit 0 (the limit itself is never optimal:
        ``u'(0) = inf``; the policy is closed with the point ``(m, c) = (0, 0)``).
    capital : array
        Aggregate capital at which the household solves under a law of motion
        (policies are linear in K between these points).
    fine : array
        Beginning-of-period assets of the histogram (Young's method), from 0.

    Examples
    --------
    >>> g = KrusellSmithGrids.default()
    >>> g.assets.size, g.capital.size, g.fine.size, float(g.fine[0])
    (100, 13, 1000, 0.0)
    """

    assets: np.ndarray = field(repr=False)
    capital: np.ndarray = field(repr=False)
    fine: np.ndarray = field(repr=False)

    def __post_init__(self):
        a = require_increasing_grid("asset_grid", self.assets)
        if a[0] <= 0.0:
            raise ParameterError("asset_grid[0]", float(a[0]), "(0, inf)",
                                 "the borrowing limit 0 itself is never optimal (u'(0) = inf); "
                                 "start the grid just above it, e.g. 1e-3")
        k = require_increasing_grid("capital_grid", self.capital)
        if k[0] <= 0.0:
            raise ParameterError("capital_grid[0]", float(k[0]), "(0, inf)")
        f = require_increasing_grid("fine_grid", self.fine)
        if f[0] != 0.0:
            raise ParameterError("fine_grid[0]", float(f[0]), "[0, 0]",
                                 "the histogram grid starts at the borrowing limit 0")
        object.__setattr__(self, "assets", a)
        object.__setattr__(self, "capital", k)
        object.__setattr__(self, "fine", f)

    @classmethod
    def default(cls, *, asset_points: int = 100, asset_max: float = 250.0,
                asset_min: float = 1e-3, capital_points: int = 13,
                capital_range: tuple[float, float] = (9.0, 15.0), fine_points: int = 1000,
                fine_max: float = 250.0, nest: int = 2,
                asset_scale: float = 1.0) -> KrusellSmithGrids:
        """Default grids: multi-exponential asset grids, uniform capital grid.

        The capital range covers the simulated K of the calibrated economy
        (about 10.5 to 13) with room for the first iterations of the law of
        motion; beyond it policies are extrapolated linearly in K and the
        solvers report how often that happened.
        """
        assets = multi_exponential_grid(asset_min, asset_max,
                                        require_positive_int("asset_points", asset_points),
                                        nest, asset_scale)
        lo, hi = capital_range
        capital = np.linspace(require_positive("capital_range[0]", lo),
                              require_positive("capital_range[1]", hi),
                              require_positive_int("capital_points", capital_points))
        fine = multi_exponential_grid(0.0, fine_max, require_positive_int("fine_points",
                                                                          fine_points), nest)
        return cls(assets, capital, fine)

"""Stationary equilibrium of the Krusell–Smith economy without aggregate shocks (Aiyagari).

z at its stationary mean, employment on the chain without aggregate shocks
(unemployment at its mean rate), prices from the firm's first-order
conditions.  The equilibrium capital ``K*`` clears the asset market: the
households' mean assets in the stationary distribution equal the capital the
firm uses.  Two routes find it:

* :func:`stationary_equilibrium` (route A): Brent's method on
  ``K -> A(R(K), w(K)) - K``, the stationary histogram found by iterating the
  push to convergence;
* :func:`stationary_equilibrium_by_interest` (route B): bisection on the
  interest factor ``R -> A(R, w) - K^d(R)``, with the firm's capital demand
  ``K^d(R)`` (the derived inversion of its first-order condition) and the
  stationary histogram from a direct sparse linear solve.

Examples
--------
>>> from foresight.numerics.krusell_smith.params import KrusellSmithParameters
>>> eq = stationary_equilibrium(KrusellSmithParameters())
>>> 11.5 < eq.capital < 13.0 and eq.beta_times_interest < 1
True
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from foresight.errors import ConvergenceError
from foresight.numerics.generated.krusell_smith import (
    capital_demand,
    interest_factor,
    representative_agent_capital,
    wage_rate,
)
from foresight.numerics.krusell_smith.household import (
    HouseholdPolicy,
    solve_stationary_household,
)
from foresight.numerics.krusell_smith.interp import interp_sorted
from foresight.numerics.krusell_smith.params import KrusellSmithGrids, KrusellSmithParameters
from foresight.numerics.krusell_smith.population import (
    histogram_capital,
    lottery,
    push_lottery,
    stationary_histogram,
    transition_matrix,
)

__all__ = ["StationaryEquilibrium", "stationary_equilibrium",
           "stationary_equilibrium_by_interest", "stationary_savings"]


@dataclass(frozen=True)
class StationaryEquilibrium:
    """The stationary (Aiyagari) equilibrium.

    Attributes
    ----------
    capital, interest, wage : float
        ``K*``, ``R(K*)`` (gross) and ``w(K*)``.
    representative_agent_capital : float
        ``K`` at which ``beta R = 1`` (complete markets): ``K* >`` it by
        precautionary saving.
    distribution : array (2, nf)
        Stationary histogram on the fine grid (rows: unemployed, employed).
    policy : HouseholdPolicy
    excess_supply : float
        Mean assets minus ``K*`` at the root.
    route : str
    evaluations : int
        Household solves used by the root search.
    seconds : float
    """

    capital: float
    interest: float
    wage: float
    representative_agent_capital: float
    distribution: np.ndarray = field(repr=False)
    policy: HouseholdPolicy = field(repr=False)
    grids: KrusellSmithGrids = field(repr=False)
    excess_supply: float = math.nan
    route: str = ""
    evaluations: int = 0
    seconds: float = 0.0

    @property
    def beta_times_interest(self) -> float:
        return self._beta * self.interest

    _beta: float = field(default=0.99, repr=False)

    def to_dict(self) -> dict:
        return {"capital": self.capital, "interest": self.interest, "wage": self.wage,
                "net_interest_rate": self.interest - 1.0,
                "beta_times_interest": self.beta_times_interest,
                "representative_agent_capital": self.representative_agent_capital,
                "excess_supply": self.excess_supply, "route": self.route,
                "evaluations": self.evaluations, "seconds": self.seconds}


@njit(cache=True)
def _iterate_push(dist, index, weight, chain, tol, max_iter):
    """Iterate the histogram's lottery push until the sup-norm change is below `tol`."""
    nxt = np.empty_like(dist)
    diff = np.inf
    it = 0
    while it < max_iter:
        nxt[:] = 0.0
        push_lottery(dist, index, weight, chain, nxt)
        diff = 0.0
        for e in range(dist.shape[0]):
            for f in range(dist.shape[1]):
                d = abs(nxt[e, f] - dist[e, f])
                if d > diff:
                    diff = d
        dist, nxt = nxt, dist
        it += 1
        if diff < tol:
            break
    return dist, it, diff


def stationary_savings(params, grids, policy, interest, wage):
    """Savings ``a'(a, e)`` on the fine grid at fixed prices, shape ``(2, nf)``."""
    fine = grids.fine
    out = np.empty((2, fine.size))
    for e in range(2):
        m = interest * fine + wage * params.labour_endowment * e
        c = interp_sorted(policy.cash_on_hand[e], policy.consumption[e], m, np.empty_like(m))
        out[e] = m - c
    return out


class _Economy:
    """Asset supply at given prices, warm-starting each household solve."""

    def __init__(self, params, grids, household_tol, distribution):
        self.params, self.grids = params, grids
        self.z, self.L = params.mean_productivity, params.mean_labour
        self.tol = household_tol
        self.distribution = distribution
        self.policy = None
        self.dist = None
        self.evaluations = 0

    def supply(self, R, w):
        p, g = self.params, self.grids
        self.policy = solve_stationary_household(p, g, interest=R, wage=w, tol=self.tol,
                                                 start=self.policy)
        self.evaluations += 1
        sav = stationary_savings(p, g, self.policy, R, w)
        index, weight = lottery(g.fine, sav)
        chain = p.stationary_employment_chain
        if self.distribution == "iterate":
            start = self.dist if self.dist is not None else _initial(g.fine, p.mean_unemployment)
            dist, it, diff = _iterate_push(start, index, weight, chain, 1e-13,
                                           1_000_000)
            if diff >= 1e-13:
                raise ConvergenceError("stationary histogram (iterated push)", diff, it, 1e-13)
            dist /= dist.sum()  # round-off drift of the mass over many pushes
        else:
            pi = stationary_histogram(transition_matrix(index, weight, chain))
            dist = pi.reshape(2, -1)
        self.dist = dist
        return histogram_capital(dist, g.fine)


def _initial(fine, urate):
    d = np.zeros((2, fine.size))
    d[0] = urate / fine.size
    d[1] = (1.0 - urate) / fine.size
    return d


def _capital_bracket(excess, k_ra):
    """``(lo, hi)`` around K*: ``excess(lo) > 0 > excess(hi)``.

    The asset supply diverges as ``beta R -> 1`` (``K -> K_RA`` from above)
    and K* sits close to ``K_RA`` in this calibration (a few tenths of a
    percent above it), so the lower end approaches ``K_RA`` geometrically.
    """
    gap = 0.01
    while excess(k_ra * (1.0 + gap)) <= 0.0:
        gap /= 4.0
        if gap < 1e-9:
            raise ConvergenceError("bracketing the stationary equilibrium from below",
                                   gap, 15, 1e-9)
    lo = k_ra * (1.0 + gap)
    hi = k_ra * (1.0 + 4.0 * gap)
    n = 0
    while excess(hi) >= 0.0:
        lo, hi = hi, k_ra * (1.0 + 4.0 * (hi / k_ra - 1.0))
        n += 1
        if n > 20:
            raise ConvergenceError("bracketing the stationary equilibrium from above",
                                   hi, n, 0.0)
    return lo, hi


def _setup(params, grids, household_tol, distribution):
    """Defaults, the asset-supply evaluator, mean z and L, and K_RA of both routes."""
    p = params or KrusellSmithParameters()
    g = grids or KrusellSmithGrids.default()
    econ = _Economy(p, g, household_tol, distribution)
    k_ra = representative_agent_capital(econ.z, econ.L, p.alpha, p.beta, p.delta)
    return p, g, econ, econ.z, econ.L, k_ra


def stationary_equilibrium(params: KrusellSmithParameters | None = None,
                           grids: KrusellSmithGrids | None = None, *, xtol: float = 1e-10,
                           household_tol: float = 1e-10) -> StationaryEquilibrium:
    """Route A: Brent's method in K, stationary histogram by iterating the push.

    The bracket starts just above the complete-markets capital ``K_RA`` (where
    ``beta R = 1`` and the asset supply diverges; see :func:`_capital_bracket`).
    """
    from scipy.optimize import brentq

    start = time.perf_counter()
    p, g, econ, z, L, k_ra = _setup(params, grids, household_tol, "iterate")

    def excess(k):
        R = interest_factor(z, k, L, p.alpha, p.delta)
        w = wage_rate(z, k, L, p.alpha)
        return econ.supply(R, w) - k

    lo, hi = _capital_bracket(excess, k_ra)
    k_star = brentq(excess, lo, hi, xtol=xtol, rtol=4 * np.finfo(float).eps)
    gap = excess(k_star)  # leaves policy and distribution at the root
    R = interest_factor(z, k_star, L, p.alpha, p.delta)
    w = wage_rate(z, k_star, L, p.alpha)
    return StationaryEquilibrium(float(k_star), float(R), float(w), float(k_ra), econ.dist,
                                 econ.policy, g, float(gap), "A: Brent in K, iterated histogram",
                                 econ.evaluations, time.perf_counter() - start, p.beta)


def stationary_equilibrium_by_interest(params: KrusellSmithParameters | None = None,
                                       grids: KrusellSmithGrids | None = None, *,
                                       xtol: float = 1e-13,
                                       household_tol: float = 1e-10) -> StationaryEquilibrium:
    """Route B: bisection in R with the firm's capital demand and a linear-solve histogram."""
    start = time.perf_counter()
    p, g, econ, z, L, k_ra = _setup(params, grids, household_tol, "linear")

    def excess(R):
        k = capital_demand(R, z, L, p.alpha, p.delta)
        return econ.supply(R, wage_rate(z, k, L, p.alpha)) - k

    # The same bracket as route A, mapped to R (R falls as K rises).
    k_lo, k_hi = _capital_bracket(lambda k: excess(interest_factor(z, k, L, p.alpha, p.delta)),
                                  k_ra)
    lo = interest_factor(z, k_hi, L, p.alpha, p.delta)
    hi = interest_factor(z, k_lo, L, p.alpha, p.delta)
    it = 0
    while hi - lo > xtol and it < 200:
        mid = 0.5 * (lo + hi)
        if excess(mid) > 0.0:
            hi = mid
        else:
            lo = mid
        it += 1
    R = 0.5 * (lo + hi)
    gap = excess(R)
    k_star = capital_demand(R, z, L, p.alpha, p.delta)
    return StationaryEquilibrium(float(k_star), float(R), float(wage_rate(z, k_star, L, p.alpha)),
                                 float(k_ra), econ.dist, econ.policy, g, float(gap),
                                 "B: bisection in R, capital demand, linear-solve histogram",
                                 econ.evaluations, time.perf_counter() - start, p.beta)

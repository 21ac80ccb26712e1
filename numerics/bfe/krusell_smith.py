"""The Krusell–Smith economy as an N-BFE model (Islah & Light 2025, Sections 2 and 4.1).

The population statistic is aggregate capital ``K`` (the mean of beginning-of-
period assets); a tree node ``(z, K)`` carries the prices ``R(z, K)``,
``w(z, K)`` of the firm's first-order conditions (generated kernels of
:mod:`foresight.derivations.krusell_smith`).

* **Backward step** (one EGM step per node).  A node's continuation object is
  its *marginal value of wealth* on the asset grid, ``V_a(a, e) = R u'(c(R a +
  w l e, e))`` (the envelope condition), so a parent needs nothing else of its
  children: ``u'(c) = beta sum_{z', e'} P(z', e' | z, e) V_a^{child z'}(a', e')``
  (``P`` the 4x4 chain: the expectation over ``z'`` with the chain and over
  ``e'`` with ``Pi(e' | e, z, z')``), inverted by the derived EGM formula.
* **Beyond the horizon** the children of a depth-N leaf get the marginal
  values of a frozen infinite-horizon problem at the leaf's ``K`` (a household
  problem solved once on a grid of ``K`` for each reading, then interpolated):
  ``markov`` -- prices ``R(z', K)``, ``w(z', K)`` with ``z`` Markov;
  ``frozen-prices`` -- prices fixed at the leaf's ``(R, w)`` while employment
  keeps following ``Pi(e' | e, z, z')`` with ``z`` on its chain; ``mean-z`` --
  the economy without aggregate shocks (``z`` and employment at their
  stationary laws), i.e. the stationary (Aiyagari) household at ``K``.
* **Forward**: the histogram over (employment, fine asset grid) moves by
  Young's lottery of the node's savings and ``Pi(e' | e, z, z')``, written as a
  law of motion (four destinations per grid point).
* **Agents**: ``n`` households with continuous assets and HARK's exact
  unemployment matching; the model turns them into a histogram by the same
  lottery (which keeps the mean, so ``K`` of the agents is exact).

Examples
--------
>>> from foresight.numerics.bfe.engine import BFESolver
>>> model = KrusellSmithBFE.default()
>>> start = model.initial_population("stationary", z_index=0)
>>> eq = BFESolver(model, 1).solve(start, 0)
>>> eq.residual < 1e-10, eq.root_policy.shape
(True, (2, 1000))
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit

from foresight.errors import ParameterError, require_positive_int
from foresight.numerics.bfe.contract import require_continuation
from foresight.numerics.bfe.law_of_motion import push_row
from foresight.numerics.generated.krusell_smith import (
    egm_consumption,
    egm_consumption_log,
    interest_factor,
    marginal_utility,
    marginal_utility_log,
    wage_rate,
)
from foresight.numerics.krusell_smith.interp import interp_search, interp_walk, locate
from foresight.numerics.krusell_smith.params import KrusellSmithGrids, KrusellSmithParameters
from foresight.numerics.krusell_smith.population import agent_counts, lottery_row

__all__ = ["KrusellSmithBFE", "INITIAL_CONDITIONS"]

#: How a path starts: the stationary histogram of the economy without aggregate
#: shocks (then a burn-in), or HARK's start (everybody at the steady-state
#: capital, first state bad).
INITIAL_CONDITIONS = ("stationary", "hark")


# ------------------------------------------------------------------ kernels


@njit(cache=True)
def _mu(c, gamma, log_utility):
    if log_utility:
        return marginal_utility_log(c)
    return marginal_utility(c, gamma)


@njit(cache=True)
def _invert(ev, beta, gamma, log_utility):
    if log_utility:
        return egm_consumption_log(ev, beta)
    return egm_consumption(ev, beta, gamma)


@njit(cache=True)
def _node_egm(ev, a_grid, beta, gamma, log_utility, m_out, c_out):
    """EGM nodes ``(m, c)`` of one employment state from ``ev[a'] = E[V_a']``."""
    m_out[0] = 0.0
    c_out[0] = 0.0
    for i in range(a_grid.size):
        c = _invert(ev[i], beta, gamma, log_utility)
        c_out[i + 1] = c
        m_out[i + 1] = a_grid[i] + c


@njit(cache=True)
def _ks_bellman(z_index, capital, child_va, prob, z_values, labour, ell, alpha, delta,
                a_grid, fine, beta, gamma, log_utility):
    """One backward step on a batch of nodes.

    ``child_va[k, z', e', i]``: marginal value at the child reached by ``z'``;
    ``prob[z, e, z', e']``.  Returns the node's marginal values ``(k, 2, na)`` on
    the asset grid and its savings ``(k, 2, nf)`` on the fine grid.
    """
    n_nodes, nz = child_va.shape[0], child_va.shape[1]
    na = a_grid.size
    nf = fine.size
    va = np.empty((n_nodes, 2, na))
    savings = np.empty((n_nodes, 2, nf))
    ev = np.empty(na)
    m_nodes = np.empty(na + 1)
    c_nodes = np.empty(na + 1)
    for k in range(n_nodes):
        z = z_index[k]
        R = interest_factor(z_values[z], capital[k], labour[z], alpha, delta)
        w = wage_rate(z_values[z], capital[k], labour[z], alpha)
        for e in range(2):
            ev[:] = 0.0
            for zn in range(nz):
                for en in range(2):
                    p = prob[z, e, zn, en]
                    if p == 0.0:
                        continue
                    for i in range(na):
                        ev[i] += p * child_va[k, zn, en, i]
            _node_egm(ev, a_grid, beta, gamma, log_utility, m_nodes, c_nodes)
            income = w * ell * e
            s = 0
            for i in range(na):
                c, s = interp_walk(m_nodes, c_nodes, R * a_grid[i] + income, s)
                va[k, e, i] = R * _mu(c, gamma, log_utility)
            s = 0
            for f in range(nf):
                m = R * fine[f] + income
                c, s = interp_walk(m_nodes, c_nodes, m, s)
                savings[k, e, f] = m - c
    return va, savings


@njit(cache=True)
def _ks_law_of_motion(fine, savings, conditional, destinations, probabilities):
    """Lottery x employment: four destinations per (e, f) (``(2 nf, 4)`` each).

    ``conditional[e, e']`` is ``Pi(e' | e, z, z')`` of the node's transition.
    """
    nf = fine.size
    index = np.empty(nf, dtype=np.int64)
    weight = np.empty(nf)
    for e in range(2):
        lottery_row(fine, savings[e], index, weight)
        for f in range(nf):
            x = e * nf + f
            for en in range(2):
                p = conditional[e, en]
                destinations[x, 2 * en] = en * nf + index[f]
                destinations[x, 2 * en + 1] = en * nf + index[f] + 1
                probabilities[x, 2 * en] = p * weight[f]
                probabilities[x, 2 * en + 1] = p * (1.0 - weight[f])


@njit(cache=True)
def _ks_push(population, savings, conditional, z_now, z_next, fine):
    """Histograms ``(k, 2 nf)`` one period on, each with its node's savings."""
    n_nodes = population.shape[0]
    nf = fine.size
    out = np.zeros((n_nodes, 2 * nf))
    dest = np.empty((2 * nf, 4), dtype=np.int64)
    prob = np.empty((2 * nf, 4))
    for k in range(n_nodes):
        _ks_law_of_motion(fine, savings[k], conditional[z_now[k], z_next[k]], dest, prob)
        push_row(population[k], dest, prob, out[k])
    return out


@njit(cache=True)
def _agents_histogram(assets, employed, fine):
    """Lottery of each agent's assets onto the fine grid (mass 1/n): keeps the mean."""
    nf = fine.size
    out = np.zeros((2, nf))
    share = 1.0 / assets.size
    for a in range(assets.size):
        lo, theta = locate(fine, min(max(assets[a], fine[0]), fine[nf - 1]))
        w = 1.0 - theta
        out[employed[a], lo] += share * w
        out[employed[a], lo + 1] += share * (1.0 - w)
    return out


@njit(cache=True)
def _agents_savings(assets, employed, fine, savings):
    out = np.empty(assets.size)
    for a in range(assets.size):
        out[a] = interp_search(fine, savings[employed[a]], assets[a])
    return out


@njit(cache=True)
def _marginal_values(m_nodes, c_nodes, curve, R, w_ell, a_grid, gamma, log_utility):
    """``V_a[k, j, e, i] = R[k, j] u'(c_{curve[k, j, e]}(R[k, j] a_i + w_ell[k, j] e))``."""
    n_k, nz = curve.shape[0], curve.shape[1]
    out = np.empty((n_k, nz, 2, a_grid.size))
    for k in range(n_k):
        for j in range(nz):
            for e in range(2):
                cv = curve[k, j, e]
                s = 0
                for i in range(a_grid.size):
                    c, s = interp_walk(m_nodes[cv], c_nodes[cv],
                                       R[k, j] * a_grid[i] + w_ell[k, j] * e, s)
                    out[k, j, e, i] = R[k, j] * _mu(c, gamma, log_utility)
    return out


# ------------------------------------------------------------------ the model


class KrusellSmithBFE:
    """Krusell–Smith economy for the N-BFE engine (the model contract).

    Parameters
    ----------
    params : KrusellSmithParameters, optional
        The calibration (HARK's / Krusell & Smith 1998 by default).
    grids : KrusellSmithGrids, optional
        EGM asset grid (the continuation objects live on it) and fine histogram
        grid (the population lives on it).  Default: 100 asset points and 1,000
        fine points (``KrusellSmithGrids.default()``).
    capital_bounds : tuple of float
        Range of ``K`` covered by the frozen-value tables (default 8 to 16: the
        stationary ``K*`` is 11.63 and simulated paths stay within about 10.5
        to 13); outside it the tables are clamped.
    table_points : int
        Points of the uniform ``K`` grid of the frozen-value tables (default
        129, a step of 0.0625: next period's capital within 4e-5 of exact frozen
        solves at the leaves, against 6e-4 with 33 points; measured in
        ``benchmarks/bench_bfe_krusell_smith.py``).
    aggregate_shocks : bool
        ``False``: the economy without aggregate shocks (``z`` and ``L`` at their
        stationary means, the 2x2 stationary employment chain).

    Examples
    --------
    >>> m = KrusellSmithBFE.default()
    >>> m.n_aggregate, m.population_shape, m.value_shape
    (2, (2, 1000), (2, 100))
    >>> KrusellSmithBFE(table_points=1)
    Traceback (most recent call last):
    ...
    foresight.errors.ParameterError: table_points = 1 is outside its valid range \
integers >= 3
    """

    population = "histogram"
    agent_noun = "households"

    def __init__(self, params: KrusellSmithParameters | None = None,
                 grids: KrusellSmithGrids | None = None, *,
                 capital_bounds: tuple[float, float] = (8.0, 16.0), table_points: int = 129,
                 aggregate_shocks: bool = True, household_tol: float = 1e-10):
        self.params = params or KrusellSmithParameters()
        self.grids = grids or _default_grids()
        lo, hi = (float(x) for x in capital_bounds)
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo < hi):
            raise ParameterError("capital_bounds", capital_bounds, "0 < lower < upper")
        self.capital_bounds = (lo, hi)
        if isinstance(table_points, bool) or int(table_points) != table_points \
                or table_points < 3:
            raise ParameterError("table_points", table_points, "integers >= 3")
        self.frozen_table_points = int(table_points)
        self.aggregate_shocks = bool(aggregate_shocks)
        self.household_tol = float(household_tol)
        self._stationary = None  # histogram of the economy without shocks, when first used
        self._no_shocks = None
        p = self.params
        if self.aggregate_shocks:
            self.z_values = p.productivity.astype(float)
            self.labour = p.labour.astype(float)
            self.chain = np.ascontiguousarray(p.aggregate_chain)
            self.joint = np.ascontiguousarray(p.transition_matrix.reshape(2, 2, 2, 2))
            self.conditional = np.ascontiguousarray(p.conditional_employment)
        else:
            self.z_values = np.array([p.mean_productivity])
            self.labour = np.array([p.mean_labour])
            self.chain = np.ones((1, 1))
            chain2 = p.stationary_employment_chain
            self.joint = np.ascontiguousarray(chain2.reshape(1, 2, 1, 2))
            self.conditional = np.ascontiguousarray(chain2.reshape(1, 1, 2, 2))

    def __getstate__(self):
        # Caches are rebuilt where needed: pickles (Dask, the store's fingerprint)
        # then depend on the economy only.
        state = dict(self.__dict__)
        state["_stationary"] = None
        state["_no_shocks"] = None
        return state

    @property
    def cache_key(self) -> tuple:
        """Hashable identity of the economy (for per-process caches of tables)."""
        g = self.grids
        return (self.params, g.assets.tobytes(), g.fine.tobytes(), self.capital_bounds,
                self.frozen_table_points, self.aggregate_shocks, self.household_tol)

    def describe(self) -> dict:
        """JSON-able description (the experiments' ``parameters`` record)."""
        import dataclasses

        return {**dataclasses.asdict(self.params),
                "asset_points": int(self.grids.assets.size),
                "asset_max": float(self.grids.assets[-1]),
                "fine_points": int(self.grids.fine.size),
                "capital_bounds": list(self.capital_bounds),
                "table_points": self.frozen_table_points,
                "aggregate_shocks": self.aggregate_shocks}

    @classmethod
    def default(cls) -> KrusellSmithBFE:
        """The calibrated economy on the default grids (cached)."""
        return _default_model()

    def __repr__(self):
        shocks = "" if self.aggregate_shocks else ", aggregate_shocks=False"
        return (f"KrusellSmithBFE(assets={self.grids.assets.size}, "
                f"fine={self.grids.fine.size}, K in {self.capital_bounds}, "
                f"table_points={self.frozen_table_points}{shocks})")

    # -- sizes
    @property
    def n_aggregate(self) -> int:
        return int(self.z_values.size)

    @property
    def population_shape(self) -> tuple:
        """(employment, fine asset grid): rows unemployed, employed."""
        return (2, self.grids.fine.size)

    @property
    def value_shape(self) -> tuple:
        """Marginal values ``V_a(a, e)`` on the asset grid: ``(2, na)``."""
        return (2, self.grids.assets.size)

    @property
    def beta(self) -> float:
        return self.params.beta

    def prices(self, z_index, capital):
        """``(R, w)`` arrays at nodes ``(z_index[k], capital[k])`` (generated kernels)."""
        z = np.asarray(z_index, dtype=np.int64)
        k = np.asarray(capital, dtype=float)
        p = self.params
        R = interest_factor(self.z_values[z], k, self.labour[z], p.alpha, p.delta)
        w = wage_rate(self.z_values[z], k, self.labour[z], p.alpha)
        return R, w

    # -- statistic
    def statistic(self, population_states: np.ndarray) -> np.ndarray:
        """Aggregate capital ``K = sum_{e, f} s(e, f) a_f`` of a batch ``(k, 2, nf)``."""
        return np.asarray(population_states).sum(axis=1) @ self.grids.fine

    mean_state = statistic

    def statistic_bounds(self) -> tuple[float, float]:
        return self.capital_bounds

    # -- backward
    def bellman_step(self, z_index, statistics, child_values):
        """EGM at a batch of nodes: ``(V_a (k, 2, na), savings (k, 2, nf))``."""
        p = self.params
        return _ks_bellman(np.ascontiguousarray(z_index, dtype=np.int64),
                           np.ascontiguousarray(statistics, dtype=float),
                           np.ascontiguousarray(child_values, dtype=float), self.joint,
                           self.z_values, self.labour, p.labour_endowment, p.alpha, p.delta,
                           self.grids.assets, self.grids.fine, p.beta, p.gamma,
                           p.gamma == 1.0)

    # -- forward
    def law_of_motion(self, policy, z_now, z_next):
        """``(destinations, probabilities)``, ``(2 nf, 4)``: lottery x ``Pi(e'|e, z, z')``."""
        nf = self.grids.fine.size
        dest = np.empty((2 * nf, 4), dtype=np.int64)
        prob = np.empty((2 * nf, 4))
        _ks_law_of_motion(self.grids.fine, np.ascontiguousarray(policy, dtype=float),
                          self.conditional[int(z_now), int(z_next)], dest, prob)
        return dest, prob

    def push(self, population_states, policies, statistics, z_next, z_now=None):
        """Histograms one period on: a batch ``(k, 2, nf)`` with savings ``(k, 2, nf)``."""
        del statistics
        if z_now is None:
            raise ParameterError("z_now", None, "the nodes' aggregate states (employment "
                                 "transitions depend on z -> z')")
        pop = np.ascontiguousarray(population_states, dtype=float)
        k = pop.shape[0]
        out = _ks_push(pop.reshape(k, -1), np.ascontiguousarray(policies, dtype=float),
                       self.conditional,
                       np.ascontiguousarray(np.broadcast_to(z_now, (k,)), dtype=np.int64),
                       np.ascontiguousarray(np.broadcast_to(z_next, (k,)), dtype=np.int64),
                       self.grids.fine)
        return out.reshape(pop.shape)

    # -- beyond the horizon
    def frozen_values(self, statistics, continuation: str = "markov", z_leaf=None):
        """Marginal values handed to the children of leaves: ``(k, |Z|, 2, na)``.

        See the module docstring for the three readings; ``z_leaf`` (the
        leaves' aggregate states) is required by ``"frozen-prices"``.
        """
        reading = require_continuation(continuation)
        stats = np.atleast_1d(np.asarray(statistics, dtype=float))
        if reading == "frozen-prices" and z_leaf is None:
            raise ParameterError("z_leaf", None, "the leaves' aggregate states "
                                 "(continuation 'frozen-prices')")
        zl = (np.zeros(stats.size, dtype=np.int64) if z_leaf is None
              else np.ascontiguousarray(np.broadcast_to(z_leaf, stats.shape), dtype=np.int64))
        if reading == "mean-z" and self.aggregate_shocks:
            inner = self.without_shocks().frozen_values(stats, "markov")
            return np.ascontiguousarray(np.broadcast_to(
                inner, (stats.size, self.n_aggregate) + inner.shape[2:]))
        return _frozen_by_capital(self, stats, reading, zl)

    # -- populations
    def initial_population(self, initial: str = "stationary", z_index: int = 0):
        """Histogram to start a path from, with unemployment ``u_{z_0}``.

        ``"stationary"``: the stationary histogram of the economy without
        aggregate shocks (the previous issue's Aiyagari equilibrium), each
        employment row rescaled to the unemployment rate of ``z_0``;
        ``"hark"``: everybody at HARK's steady-state capital ``KSS``.
        """
        if initial not in INITIAL_CONDITIONS:
            raise ParameterError("initial", initial, " | ".join(INITIAL_CONDITIONS))
        u = (self.params.unemployment[int(z_index)] if self.aggregate_shocks
             else self.params.mean_unemployment)
        if initial == "hark":
            from foresight.numerics.krusell_smith.population import point_mass_histogram

            return point_mass_histogram(self.grids.fine, self.params.hark_initial_capital, u)
        if self._stationary is None:
            from foresight.numerics.krusell_smith.stationary import stationary_equilibrium

            self._stationary = stationary_equilibrium(self.params, self.grids).distribution
        dist = self._stationary
        rows = dist.sum(axis=1)
        return np.vstack([dist[0] * (u / rows[0]), dist[1] * ((1.0 - u) / rows[1])])

    def initial_agents(self, population_state, n_agents: int, rng):
        """``n`` agents: exactly ``round(u n)`` unemployed, assets drawn from each row.

        ``u`` is the histogram's unemployed mass; assets are drawn by inverse
        CDF of each employment row (agents at a point mass all hold it).
        """
        n = require_positive_int("agents", n_agents)
        pop = np.asarray(population_state, dtype=float)
        n_u = int(np.rint(pop[0].sum() * n))
        employed = np.ones(n, dtype=np.int8)
        employed[rng.permutation(n)[:n_u]] = 0
        assets = np.empty(n)
        fine = self.grids.fine
        for e in range(2):
            who = np.flatnonzero(employed == e)
            row = pop[e] / pop[e].sum()
            cdf = np.cumsum(row)
            pick = np.minimum(np.searchsorted(cdf, rng.random(who.size) * cdf[-1]),
                              fine.size - 1)
            assets[who] = fine[pick]
        return assets, employed

    def simulate_agents(self, agents, policy, z_now, z_next, rng):
        """Agents one period on: savings by the node's policy, exact unemployment matching."""
        from foresight.numerics.krusell_smith.population import _move_employment

        assets, employed = agents
        new_assets = _agents_savings(assets, employed, self.grids.fine,
                                     np.ascontiguousarray(policy, dtype=float))
        new_employed = employed.copy()
        if self.aggregate_shocks:
            n_u, stay = agent_counts(assets.size, self.params.unemployment,
                                     self.params.conditional_employment)
            _move_employment(new_employed, int(z_now), int(z_next), n_u[int(z_next)], stay,
                             rng.random(assets.size))
        else:
            # Without aggregate shocks: independent draws from the 2x2 chain.
            u = rng.random(assets.size)
            stay_u = self.conditional[0, 0, 0, 0]
            stay_e = self.conditional[0, 0, 1, 1]
            new_employed = np.where(employed == 0, (u >= stay_u), (u < stay_e)).astype(np.int8)
        return new_assets, new_employed

    def population_from_agents(self, agents) -> np.ndarray:
        assets, employed = agents
        return _agents_histogram(np.ascontiguousarray(assets, dtype=float),
                                 np.ascontiguousarray(employed, dtype=np.int64),
                                 self.grids.fine)

    def without_shocks(self) -> KrusellSmithBFE:
        """The economy with ``z`` and employment at their stationary laws."""
        if not self.aggregate_shocks:
            return self
        if self._no_shocks is None:
            self._no_shocks = KrusellSmithBFE(
                self.params, self.grids, capital_bounds=self.capital_bounds,
                table_points=self.frozen_table_points, aggregate_shocks=False,
                household_tol=self.household_tol)
        return self._no_shocks


# ------------------------------------------------------------------ helpers


@functools.lru_cache(maxsize=4)
def _default_grids():
    return KrusellSmithGrids.default()


@functools.lru_cache(maxsize=1)
def _default_model():
    return KrusellSmithBFE()


def _frozen_by_capital(model, stats, reading, z_leaf):
    """:func:`_frozen_marginal_values` one capital at a time, each warm-started.

    A batch of all capitals would sweep until its slowest node converges; one
    ``K`` at a time (two nodes, Anderson-mixed, started from the neighbouring
    solution) measured several times faster.
    """
    out = np.empty((stats.size, model.n_aggregate) + model.value_shape)
    start = None
    for k in range(stats.size):
        out[k:k + 1], start = _frozen_marginal_values(model, stats[k:k + 1], reading,
                                                      z_leaf[k:k + 1], start)
    return out


def _frozen_marginal_values(model, stats, reading, z_leaf, start=None):
    """Solve the frozen household problems at ``stats`` and return children's ``V_a``.

    Problem nodes: ``markov`` -- ``(k, z)`` with prices ``R(z, K_k)``; next
    period's node ``(k, z')``.  ``frozen-prices`` -- ``(k, z)`` where ``z`` only
    drives employment: prices ``R(z_leaf[k], K_k)`` at every node.  Both are one
    batch of the Krusell-Smith EGM node kernel (``_solve_nodes``).
    """
    from foresight.numerics.krusell_smith.household import _solve_nodes, initial_policy

    p = model.params
    a = model.grids.assets
    n_k, nz = stats.size, model.n_aggregate
    n_b = n_k * nz
    k_of, z_of = np.divmod(np.arange(n_b), nz)
    if reading == "markov":
        price_z = np.broadcast_to(np.arange(nz), (n_k, nz))  # prices at the child's z'
    else:
        price_z = np.broadcast_to(z_leaf[:, None], (n_k, nz))
    R_child, w_child = model.prices(price_z, np.broadcast_to(stats[:, None], (n_k, nz)))
    w_ell = w_child * p.labour_endowment
    prob = np.ascontiguousarray(model.joint[z_of])                       # [b, e, z', e']
    R_next = np.ascontiguousarray(R_child[k_of])                         # [b, z']
    income = np.zeros((n_b, nz, 2))
    income[:, :, 1] = w_ell[k_of]
    child_node = k_of[:, None] * nz + np.arange(nz)[None, :]             # [b, z']
    idx = np.empty((n_b, nz, 2, 2), dtype=np.int64)
    idx[..., 0] = child_node[:, :, None] * 2 + np.arange(2)[None, None, :]
    idx[..., 1] = idx[..., 0]
    wts = np.zeros((n_b, nz, 2, 2))
    wts[..., 0] = 1.0
    out_curve = np.arange(n_b)[:, None] * 2 + np.arange(2)[None, :]
    m0, c0 = initial_policy(a, (n_b, 2)) if start is None else start
    pol = _solve_nodes(p, a, (prob, R_next, income, idx, wts, out_curve), m0, c0,
                       model.household_tol, 20000, "anderson",
                       f"Krusell-Smith frozen household ({reading})")
    m_nodes = np.ascontiguousarray(pol.cash_on_hand.reshape(n_b * 2, -1))
    c_nodes = np.ascontiguousarray(pol.consumption.reshape(n_b * 2, -1))
    curve = (child_node.reshape(n_k, nz, nz)[:, 0, :][:, :, None] * 2
             + np.arange(2)[None, None, :])                                # [k, j, e]
    va = _marginal_values(m_nodes, c_nodes, np.ascontiguousarray(curve),
                          np.ascontiguousarray(R_child), np.ascontiguousarray(w_ell), a,
                          p.gamma, p.gamma == 1.0)
    return va, (pol.cash_on_hand, pol.consumption)

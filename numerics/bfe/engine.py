"""N-Bounded Foresight Equilibrium: tree, backward induction, forward states, fixed point.

Generic over a model object (see ``docs/bfe.md`` for the interface; the ladder
models of :mod:`foresight.numerics.bfe.models` implement it).  One period's
N-BFE (Definition 1 of Islah & Light 2025) at ``(s_t, z_t)``:

* **Tree.**  Nodes at depth ``k = 0..N`` are the aggregate histories of length
  ``k`` after ``z_t``, breadth first: the child of node ``i`` (depth ``k``)
  reached by aggregate state ``j`` is node ``i |Z| + j`` at depth ``k+1``.
* **Continuation at depth N** (Proposition 1): the infinite-horizon value with
  the population statistic frozen at ``s^C`` and ``z`` still Markov.  It is
  precomputed once per model on a grid of the statistic and interpolated
  linearly (:class:`FrozenValueTable`); ``exact=True`` solves it per node.
  ``s^C`` is the depth-N state (``continuation_rule="last"``, the paper's
  choice) or the mean along the branch (``"branch_mean"``).
* **Backward induction** of values and policies from depth N to the root.
* **Forward generation** of population states from the root (equation (1)).
* **Consistency fixed point** over the statistics at depths ``1..N``: damped
  iteration or Anderson acceleration (a multisecant Broyden method); if the
  residual is not below tolerance a :class:`~foresight.errors.ConvergenceError`
  carries it and the iteration count.

:func:`simulate_path` rolls the window along an aggregate path (continuum or
``n`` firms); :func:`stationary_equilibrium` and
:func:`perfect_foresight_path` give the no-shock benchmarks.

Examples
--------
>>> from foresight.numerics.bfe.models import CapacityModel
>>> model = CapacityModel()
>>> solver = BFESolver(model, foresight_horizon=2)
>>> s0 = np.full(11, 1 / 11)
>>> eq = solver.solve(s0, z_index=0)
>>> eq.residual < 1e-10, eq.root_policy.shape
(True, (11,))
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from foresight.errors import ConvergenceError, ParameterError, require_probability_vector
from foresight.numerics.fixed_point import AndersonMixer
from foresight.numerics.markov import stationary_distribution

__all__ = [
    "BFESolver",
    "FrozenValueTable",
    "TreeEquilibrium",
    "PathResult",
    "simulate_path",
    "simulate_aggregate_path",
    "stationary_equilibrium",
    "perfect_foresight_path",
    "forecast_errors",
]

CONTINUATION_RULES = ("last", "branch_mean")
FIXED_POINT_METHODS = ("anderson", "damped")


def _require_horizon(value) -> int:
    if isinstance(value, bool) or not float(value).is_integer() or int(value) < 0:
        raise ParameterError("foresight_horizon", value, "integers >= 0")
    return int(value)


@njit(cache=True)
def _interpolate(lo, step, values, rows, statistics):
    """Linear interpolation of ``values[rows[k], g, ...]`` at `statistics` (clamped)."""
    n_grid = values.shape[1]
    out = np.empty((statistics.size,) + values.shape[2:])
    for k in range(statistics.size):
        pos = (statistics[k] - lo) / step
        pos = min(max(pos, 0.0), n_grid - 1.0)
        i = min(int(pos), n_grid - 2)
        w = pos - i
        r = rows[k]
        out[k] = (1.0 - w) * values[r, i] + w * values[r, i + 1]
    return out


class FrozenValueTable:
    """Continuation values beyond the horizon on a grid of the statistic.

    ``values[r, g, j, ...]`` is what a leaf with statistic ``grid[g]`` hands to
    its child reached by aggregate state ``j``, under the continuation reading
    (``model.frozen_values``): for ``"frozen-prices"`` row ``r`` is the leaf's
    aggregate state (the frozen prices depend on it); for ``"markov"`` and
    ``"mean-z"`` there is one row.  Interpolation is linear in the statistic
    (values are piecewise smooth in it; the error is measured in
    ``benchmarks/bench_bfe.py``).

    Examples
    --------
    >>> from foresight.numerics.bfe.models import CapacityModel
    >>> table = FrozenValueTable(CapacityModel(), points=201)
    >>> v = table(np.array([2.5]))
    >>> v.shape
    (1, 2, 11)
    >>> FrozenValueTable(CapacityModel(), points=51, continuation="frozen-prices").values.shape
    (2, 51, 2, 11)
    """

    def __init__(self, model, points: int | None = None, continuation: str = "markov"):
        from foresight.numerics.bfe.contract import require_continuation

        self.continuation = require_continuation(continuation)
        lo, hi = model.statistic_bounds()
        if points is None:  # the model's own default (ladders: 2001; Krusell-Smith: 33)
            points = getattr(model, "frozen_table_points", 2001)
        self.grid = np.linspace(lo, hi, int(points))
        if self.continuation == "frozen-prices":
            self.values = np.stack([
                model.frozen_values(self.grid, "frozen-prices",
                                    z_leaf=np.full(self.grid.size, z))
                for z in range(model.n_aggregate)])
        else:
            self.values = model.frozen_values(self.grid, self.continuation)[None]
        self.model = model

    def __call__(self, statistics: np.ndarray, z_leaf=None) -> np.ndarray:
        s = np.ascontiguousarray(np.atleast_1d(statistics), dtype=float)
        if self.values.shape[0] == 1:
            rows = np.zeros(s.size, dtype=np.int64)
        else:
            if z_leaf is None:
                raise ParameterError("z_leaf", None, "the leaves' aggregate states "
                                     f"(continuation {self.continuation!r})")
            rows = np.ascontiguousarray(np.broadcast_to(z_leaf, s.shape), dtype=np.int64)
        return _interpolate(self.grid[0], self.grid[1] - self.grid[0], self.values, rows, s)


@dataclass
class TreeEquilibrium:
    """One period's N-BFE: the tree's population states, statistics and policies.

    Attributes
    ----------
    population_states : list of arrays
        Depth ``k``: ``(|Z|^k, ...)`` population states (depth 0 = ``s_t``).
    statistics : list of arrays
        Depth ``k``: ``(|Z|^k,)`` statistics.
    policies : list of arrays
        Depth ``k``: ``(|Z|^k, ...)`` optimal policies at the nodes.
    values : list of arrays
        Depth ``k``: values at the nodes.
    z_index : list of int arrays
        Depth ``k``: aggregate state of each node.
    information : list of arrays
        Depth ``k``: the statistics of the information structure the policies
        were computed from (the fixed-point unknowns; depth 0 is ``s_t``'s).
    residual : float
        Max |information - regenerated statistic| over the tree at exit.
    iterations : int
        Fixed-point iterations used.
    """

    population_states: list
    statistics: list
    policies: list
    values: list
    z_index: list
    residual: float
    iterations: int
    information: list | None = None

    @property
    def root_policy(self) -> np.ndarray:
        """The policy agents actually use this period."""
        return self.policies[0][0]


class BFESolver:
    """Solve one period's N-BFE for a model, reusing precomputed pieces.

    Parameters
    ----------
    model : object
        Implements the N-BFE model interface (``docs/bfe.md``).
    foresight_horizon : int
        ``N >= 0``.
    continuation : {"markov", "frozen-prices", "mean-z"}
        What agents assume beyond depth N (``docs/bfe.md``): ``z`` Markov
        (Proposition 1, default), the payoff-relevant aggregate frozen at the
        depth-N node's value (Figure 2), or no aggregate shocks (``z`` at its
        stationary mean).
    continuation_rule : {"last", "branch_mean"}
        Constant population state assumed beyond depth N.
    method : {"anderson", "damped"}
        Fixed-point method.
    damping : float
        Weight on the new iterate (damped iteration, and the mixing of
        Anderson), in (0, 1].  Default 1: measured fastest on the ladder
        models (``benchmarks/bench_bfe.py``); when it fails to converge the
        solve is retried once from the same guess with half the damping
        before raising.
    tol : float
        Tolerance on the max-abs tree consistency residual of the statistic.
    max_iter : int
        Iteration limit; exceeding it raises ConvergenceError.
    table : FrozenValueTable or None
        Shared table; built when omitted (unless ``exact``).
    exact : bool
        Solve the frozen-population problem at every leaf instead of
        interpolating (slow; a reference route for checks).
    fused : bool
        Use the model's ``solve_tree`` (whole tree in one compiled call) when
        it has one; ``False`` runs the generic level-by-level route
        (``bellman_step`` / ``push``), which any model supports.
    """

    def __init__(self, model, foresight_horizon: int, *, continuation: str = "markov",
                 continuation_rule: str = "last",
                 method: str = "anderson", damping: float = 1.0, tol: float = 1e-10,
                 max_iter: int = 500, table: FrozenValueTable | None = None,
                 exact: bool = False, anderson_memory: int = 6, fused: bool = True):
        from foresight.numerics.bfe.contract import require_continuation

        self.model = model
        self.horizon = _require_horizon(foresight_horizon)
        self.continuation = require_continuation(continuation)
        if table is not None and table.continuation != self.continuation:
            raise ParameterError("table", f"a table for {table.continuation!r}",
                                 f"a FrozenValueTable for continuation {self.continuation!r}")
        if continuation_rule not in CONTINUATION_RULES:
            raise ParameterError("continuation_rule", continuation_rule,
                                 " | ".join(CONTINUATION_RULES))
        if method not in FIXED_POINT_METHODS:
            raise ParameterError("method", method, " | ".join(FIXED_POINT_METHODS))
        if not 0 < damping <= 1:
            raise ParameterError("damping", damping, "(0, 1]")
        self.continuation_rule = continuation_rule
        self.method = method
        self.damping = float(damping)
        self.tol = float(tol)
        self.max_iter = int(max_iter)
        self.exact = bool(exact)
        self.anderson_memory = int(anderson_memory)
        self.table = None if exact else (
            table or FrozenValueTable(model, continuation=self.continuation))
        nz = model.n_aggregate
        self._nz = nz
        self._sizes = [nz**k for k in range(self.horizon + 1)]
        self._offsets = np.cumsum([0] + self._sizes[1:])  # unknowns at depth 1..N
        self.last_guess = None
        self._trees: dict = {}
        self._parents: dict = {}
        self._z_flat: dict = {}
        cut = np.concatenate([[0], np.cumsum(self._sizes)])
        self._parts = [slice(int(cut[k]), int(cut[k + 1])) for k in range(self.horizon + 1)]
        # The model's whole-tree fast path, when it has one and values are per-state.
        self.fused = bool(fused) and hasattr(model, "solve_tree")

    # ---------------------------------------------------------------- pieces
    def tree_z_index(self, z_index: int) -> list:
        """Aggregate state of every node, depth by depth."""
        cached = self._trees.get(int(z_index))
        if cached is not None:
            return cached
        out = [np.array([z_index], dtype=np.int64)]
        for _ in range(self.horizon):
            out.append(np.tile(np.arange(self._nz, dtype=np.int64), out[-1].size))
        self._trees[int(z_index)] = out
        self._z_flat[int(z_index)] = np.concatenate(out)
        # Parent's aggregate state of every node at depth k + 1 (for push's z_now).
        self._parents[int(z_index)] = [np.repeat(out[k], self._nz)
                                       for k in range(self.horizon)]
        return out

    def _frozen(self, z_leaf, statistics):
        if self.exact:
            return self.model.frozen_values(statistics, self.continuation, z_leaf=z_leaf)
        return self.table(statistics, z_leaf)

    def _split(self, flat):
        return [flat[self._offsets[k]:self._offsets[k + 1]] for k in range(self.horizon)]

    def _frozen_statistic(self, stats):
        """``s^C`` of every leaf under the continuation rule."""
        n, nz = self.horizon, self._nz
        if self.continuation_rule == "last":
            return stats[n]
        acc = stats[0]  # mean of the statistic along each branch (linear statistics)
        for k in range(1, n + 1):
            acc = np.repeat(acc, nz) + stats[k]
        return acc / (n + 1)

    def backward(self, z_nodes, stats):
        """Values and policies on the tree given the statistics at every node."""
        model, nz = self.model, self._nz
        n = self.horizon
        frozen = self._frozen(z_nodes[n], self._frozen_statistic(stats))  # (|Z|^N, |Z|, ...)
        values = [None] * (n + 1)
        policies = [None] * (n + 1)
        values[n], policies[n] = model.bellman_step(z_nodes[n], stats[n], frozen)
        for k in range(n - 1, -1, -1):
            child = values[k + 1].reshape((self._sizes[k], nz) + values[k + 1].shape[1:])
            values[k], policies[k] = model.bellman_step(z_nodes[k], stats[k], child)
        return values, policies

    def forward(self, z_nodes, root_state, stats, policies):
        """Population states on the tree generated by the policies (equation (1))."""
        nz = self.model.n_aggregate
        parents = self._parents.get(int(z_nodes[0][0])) if self.horizon else None
        if parents is None:
            parents = [np.repeat(z_nodes[k], nz) for k in range(self.horizon)]
        states = [root_state[None, ...]]
        for k in range(self.horizon):
            parent = np.repeat(states[k], nz, axis=0)
            pol = np.repeat(policies[k], nz, axis=0)
            st = np.repeat(stats[k], nz)
            states.append(self.model.push(parent, pol, st, z_nodes[k + 1], z_now=parents[k]))
        return states

    def consistency_map(self, flat, z_nodes, root_state, root_stat):
        """``Phi``: statistics at depths 1..N -> regenerated statistics."""
        stats = [np.array([root_stat])] + self._split(flat)
        if self.fused:
            frozen = self._frozen(z_nodes[self.horizon], self._frozen_statistic(stats))
            z_all = self._z_flat[int(z_nodes[0][0])]
            v, p, st, new_all = self.model.solve_tree(z_all, np.concatenate(stats), frozen,
                                                      root_state, self.horizon)
            parts = self._parts
            return (new_all[1:], [st[q] for q in parts], [v[q] for q in parts],
                    [p[q] for q in parts])
        values, policies = self.backward(z_nodes, stats)
        states = self.forward(z_nodes, root_state, stats, policies)
        new = np.concatenate([self.model.statistic(s) for s in states[1:]]) \
            if self.horizon else np.empty(0)
        return new, states, values, policies

    # ---------------------------------------------------------------- solve
    def solve(self, population_state, z_index: int, initial_guess=None) -> TreeEquilibrium:
        """N-BFE at ``(s_t, z_t)``.

        Raises
        ------
        ConvergenceError
            When the tree consistency residual stays above ``tol``.
        """
        model = self.model
        root_state = np.asarray(population_state, dtype=float)
        root_stat = float(model.statistic(root_state[None, ...])[0])
        z_nodes = self.tree_z_index(int(z_index))
        n_unknown = int(self._offsets[-1])
        if initial_guess is None:
            guess = np.full(n_unknown, root_stat)
        else:
            guess = np.asarray(initial_guess, dtype=float).copy()
        phi = lambda q: self.consistency_map(q, z_nodes, root_state, root_stat)  # noqa: E731
        if n_unknown == 0:
            _, states, values, policies = phi(guess)
            return self._package(states, [np.array([root_stat])], policies, values, z_nodes,
                                 0.0, 0)
        try:
            return self._iterate(phi, guess, z_nodes, root_stat, self.damping)
        except ConvergenceError:
            # Undamped Anderson is fastest but can cycle on hard trees: retry damped.
            return self._iterate(phi, guess, z_nodes, root_stat, 0.5 * self.damping)

    def _iterate(self, phi, guess, z_nodes, root_stat, damping):
        q = guess
        mixer = AndersonMixer(q.size, self.anderson_memory, damping)
        residual = math.inf
        for it in range(1, self.max_iter + 1):
            new, states, values, policies = phi(q)
            f = new - q
            residual = float(np.max(np.abs(f)))
            if residual <= self.tol:
                stats = [np.array([root_stat])] + self._split(q)
                self.last_guess = q
                return self._package(states, stats, policies, values, z_nodes, residual, it)
            if not np.isfinite(residual):
                break
            if self.method == "damped":
                q = q + damping * f
                continue
            q = mixer.step(q, f)
        raise ConvergenceError(
            f"N-BFE tree consistency (N = {self.horizon}, method {self.method}, "
            f"damping {damping})",
            residual, it, self.tol)

    def _package(self, states, stats, policies, values, z_nodes, residual, iterations):
        full_stats = [self.model.statistic(s) for s in states]
        return TreeEquilibrium(states, full_stats, policies, values, z_nodes, residual,
                               iterations, information=[np.asarray(x, dtype=float)
                                                        for x in stats])

    def shifted_guess(self, eq: TreeEquilibrium, realised_child: int):
        """Warm start for next period: the subtree under the realised child."""
        if self.horizon == 0:
            return None
        nz = self._nz
        parts = []
        for k in range(1, self.horizon):
            block = eq.statistics[k + 1]
            size = nz**k
            parts.append(block[realised_child * size:(realised_child + 1) * size])
        last = parts[-1] if parts else eq.statistics[1][realised_child:realised_child + 1]
        parts.append(np.repeat(last, nz))
        return np.concatenate(parts)


# ------------------------------------------------------------------- paths


def simulate_aggregate_path(chain, z0: int, periods: int, rng) -> np.ndarray:
    """Indices of a Markov chain path of length ``periods + 1`` starting at `z0`.

    Examples
    --------
    >>> path = simulate_aggregate_path(np.array([[0.9, 0.1], [0.1, 0.9]]), 0, 5,
    ...                                np.random.default_rng(0))
    >>> path.shape, int(path[0])
    ((6,), 0)
    """
    chain = np.asarray(chain, dtype=float)
    cum = np.cumsum(chain, axis=1)
    u = rng.random(periods)
    out = np.empty(periods + 1, dtype=np.int64)
    out[0] = z0
    for t in range(periods):
        out[t + 1] = min(int(np.searchsorted(cum[out[t]], u[t], side="right")),
                         chain.shape[0] - 1)
    return out


@dataclass
class PathResult:
    """What one rolled-window path records.

    Attributes
    ----------
    z_path : (T+1,) int array
    mean_state : (T+1,) array
        Realised mean individual state ``s-bar_t``.
    statistic : (T+1,) array
        Realised population statistic.
    forecasts : (T+1, H) array
        ``forecasts[t, j-1]``: mean state forecast at ``t`` for the realised
        history ``j`` periods ahead (NaN beyond the path end).
    iterations : (T+1,) int array
        Fixed-point iterations each period.
    population_states : (T+1, M+1) array or None
    """

    z_path: np.ndarray
    mean_state: np.ndarray
    statistic: np.ndarray
    forecasts: np.ndarray
    iterations: np.ndarray
    population_states: np.ndarray | None = None


FORECAST_MODES = ("exact", "resampled")


def simulate_path(solver: BFESolver, z_path, initial_state, *, firms: int | None = None,
                  rng=None, forecast_horizon: int = 3, keep_states: bool = False,
                  forecast: str = "exact", forecast_rng=None) -> PathResult:
    """Roll the N-BFE window along an aggregate path.

    Each period the N-BFE is solved at the realised ``(s_t, z_t)``, agents use
    the root policy, and the population moves: exactly (continuum,
    ``firms=None``) or by simulating ``firms`` agents with one uniform each.

    ``forecast`` says how the forecasts of equation (2) are formed in
    finite-population mode: ``"exact"`` (default) takes the tree's states,
    i.e. the firms' empirical distribution pushed exactly; ``"resampled"``
    moves a copy of the ``firms`` firms through the realised branch of the
    tree with the tree's policies and independent draws from `forecast_rng`
    (a forecast that is itself an n-firm simulation, one reading of the
    paper's "we simulate 1000 firms"; the realised path is unchanged).

    Examples
    --------
    >>> from foresight.numerics.bfe.models import CapacityModel
    >>> solver = BFESolver(CapacityModel(), 1)
    >>> r = simulate_path(solver, np.array([0, 1, 1, 0]), np.full(11, 1 / 11))
    >>> r.mean_state.shape
    (4,)
    """
    model = solver.model
    if forecast not in FORECAST_MODES:
        raise ParameterError("forecast", forecast, " | ".join(FORECAST_MODES))
    resample = forecast == "resampled"
    if resample and (firms is None or forecast_rng is None):
        raise ParameterError("forecast", forecast,
                             "'exact' in the continuum; 'resampled' needs firms and "
                             "forecast_rng")
    initial_state = np.asarray(initial_state, dtype=float)
    shape = tuple(model.population_shape)
    if initial_state.shape != shape:
        raise ParameterError("initial_state", f"shape {initial_state.shape}",
                             f"shape {shape} (a histogram over the model's individual grid)")
    require_probability_vector("initial_state", initial_state.ravel(), atol=1e-9)
    z_path = np.asarray(z_path, dtype=np.int64)
    if z_path.ndim != 1 or z_path.size < 1 or z_path.min() < 0 \
            or z_path.max() >= model.n_aggregate:
        raise ParameterError("z_path", z_path, f"indices in 0..{model.n_aggregate - 1}")
    periods = z_path.size - 1
    nz = model.n_aggregate
    if firms is not None:
        if rng is None:
            raise ParameterError("rng", None, "a numpy Generator (finite-population mode)")
        # The model owns its agents: it draws them and counts them into a histogram.
        agents = model.initial_agents(initial_state, int(firms), rng)
        state = model.population_from_agents(agents)
    else:
        agents = None
        state = initial_state.copy()
    mean = np.empty(periods + 1)
    stat = np.empty(periods + 1)
    its = np.zeros(periods + 1, dtype=np.int64)
    forecasts = np.full((periods + 1, forecast_horizon), np.nan)
    kept = np.empty((periods + 1,) + shape) if keep_states else None
    guess = None
    n = solver.horizon
    for t in range(periods + 1):
        eq = solver.solve(state, int(z_path[t]), initial_guess=guess)
        its[t] = eq.iterations
        mean[t] = model.mean_state(state[None, ...])[0]
        stat[t] = eq.statistics[0][0]
        if keep_states:
            kept[t] = state
        # Forecasts along the realised history (held at depth N beyond it).
        node = 0
        sampled = agents if resample else None
        for j in range(1, forecast_horizon + 1):
            if t + j > periods:
                break
            depth = min(j, n)
            if j <= n:
                if resample:
                    # One step of the copy with the policy of the node it leaves.
                    sampled = model.simulate_agents(
                        sampled, eq.policies[j - 1][node], int(z_path[t + j - 1]),
                        int(z_path[t + j]), forecast_rng)
                node = node * nz + int(z_path[t + j])
            if resample:
                dist = model.population_from_agents(sampled)
                forecasts[t, j - 1] = model.mean_state(dist[None, ...])[0]
            else:
                forecasts[t, j - 1] = model.mean_state(
                    eq.population_states[depth][node:node + 1])[0]
        if t == periods:
            break
        policy = eq.root_policy
        if firms is None:
            state = model.push(state[None, ...], policy[None, ...], eq.statistics[0],
                               z_path[t + 1:t + 2], z_now=z_path[t:t + 1])[0]
        else:
            agents = model.simulate_agents(agents, policy, int(z_path[t]),
                                           int(z_path[t + 1]), rng)
            state = model.population_from_agents(agents)
        guess = solver.shifted_guess(eq, int(z_path[t + 1]))
    return PathResult(z_path, mean, stat, forecasts, its, kept)


def forecast_errors(result: PathResult, burn_in: int = 0) -> np.ndarray:
    """Equation (2) along one path: mean of ``|f - r| / r`` for ``j = 1..H``.

    ``f`` is the forecast at ``t`` of the mean state for the realised history
    ``j`` periods ahead; ``r`` the realised mean at ``t + j``.

    Examples
    --------
    >>> r = PathResult(np.zeros(3, int), np.array([1.0, 2.0, 2.0]), np.zeros(3),
    ...                np.array([[1.0], [2.0], [np.nan]]), np.zeros(3, int))
    >>> forecast_errors(r).tolist()
    [0.25]
    """
    periods, horizon = result.forecasts.shape
    out = np.empty(horizon)
    for j in range(1, horizon + 1):
        f = result.forecasts[burn_in:periods - j, j - 1]
        r = result.mean_state[burn_in + j:periods]
        out[j - 1] = float(np.mean(np.abs(f - r) / r))
    return out


# ------------------------------------------------------- no-shock benchmarks


@dataclass
class StationaryEquilibrium:
    """Stationary equilibrium of an economy without aggregate shocks."""

    statistic: float
    population_state: np.ndarray
    policy: np.ndarray
    residual: float


def stationary_equilibrium(model, tol: float = 1e-12) -> StationaryEquilibrium:
    """Statistic ``Q*`` with ``Q* = stat(invariant distribution of policy(Q*))``.

    `model` must have one aggregate state (see ``model.without_shocks()``).
    Solved by Brent's method on the scalar excess ``stat(s(Q)) - Q``, which is
    continuous, positive at the lower end of the statistic's range and negative
    at the upper end.

    Examples
    --------
    >>> from foresight.numerics.bfe.models import CapacityModel
    >>> st = stationary_equilibrium(CapacityModel().without_shocks(1.5))
    >>> st.residual < 1e-9
    True
    """
    from scipy.optimize import brentq

    if model.n_aggregate != 1:
        raise ParameterError("model.n_aggregate", model.n_aggregate,
                             "1 (use model.without_shocks())")

    def invariant_at(q):
        policy = model.frozen_policy(q)[0]
        return stationary_distribution(model.transition_matrix(policy)), policy

    def excess(q):
        s, _ = invariant_at(q)
        return float(model.statistic(s[None, :])[0]) - q

    lo, hi = model.statistic_bounds()
    q = brentq(excess, lo, hi, xtol=tol, rtol=4 * np.finfo(float).eps, maxiter=200)
    s, policy = invariant_at(q)
    return StationaryEquilibrium(q, s, policy, abs(excess(q)))


def perfect_foresight_path(model, initial_state, periods: int, *, tol: float = 1e-10,
                           max_iter: int = 2000) -> TreeEquilibrium:
    """Rational-expectations (perfect-foresight) path without aggregate shocks.

    Without shocks the tree is a single branch and its consistency fixed point
    at horizon ``T = periods`` is the perfect-foresight transition path from
    ``initial_state`` when the statistic beyond ``T`` is held at its depth-T
    value; for ``T`` long enough the path has reached the stationary
    equilibrium and the truncation error is of order ``beta^T``.  Values beyond
    ``T`` are exact frozen-population values (not interpolated).

    Examples
    --------
    >>> from foresight.numerics.bfe.models import CapacityModel
    >>> m = CapacityModel().without_shocks(1.5)
    >>> pf = perfect_foresight_path(m, np.eye(11)[0], 60)
    >>> len(pf.statistics)
    61
    """
    if model.n_aggregate != 1:
        raise ParameterError("model.n_aggregate", model.n_aggregate,
                             "1 (use model.without_shocks())")
    solver = BFESolver(model, int(periods), exact=True, tol=tol, max_iter=max_iter)
    state = np.array(require_probability_vector("initial_state", initial_state, atol=1e-9))
    return solver.solve(state, 0)

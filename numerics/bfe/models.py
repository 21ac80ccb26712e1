"""Ladder models for the N-BFE engine: capacity competition and the quality ladder.

Both are "investment ladders" (Islah & Light 2025, Section 4.2): a firm's state
``x in {0, ..., M}`` moves by at most one step a period with the probabilities
derived in :mod:`foresight.derivations.capacity`, investment costs ``cost * a``,
and the population enters profits through one linear statistic
``sum_y h(y) s(y)``: total capacity ``Q`` (``h = qbar``) or the quality index
``S`` (``h(y) = (y+1)**theta1``).  Every formula comes from the generated
kernels; this module only loops.

The engine (:mod:`foresight.numerics.bfe.engine`) sees these models through the
interface documented in ``docs/bfe.md``; all methods are vectorised over a batch
of tree nodes (first axis).

Defaults the paper leaves out (documented choices): ``M = 10``,
``qbar(x) = x``, ``a_max = 1``, aggregate chain ``[[0.875, 0.125], [0.125,
0.875]]``, ``z`` multiplies revenue.  Table 2: ``beta = 0.925``, ``m = 0.125``,
``e = 75``, ``f = 10``, ``d = 4``, ``z in {1, 2}``, ``delta = 0.7``.

Examples
--------
>>> model = CapacityModel()
>>> model.n_states, model.n_aggregate
(11, 2)
>>> s = np.full((1, 11), 1 / 11)
>>> float(model.statistic(s)[0])
5.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from foresight.errors import (
    ParameterError,
    require_open_interval,
    require_positive,
    require_probability_vector,
)
from foresight.numerics.generated.capacity import (
    bellman_objective,
    capacity_profit,
    optimal_investment,
    transition_probabilities,
)
from foresight.numerics.generated.quality_ladder import quality_ladder_profit, quality_weight

__all__ = ["CapacityModel", "QualityLadderModel", "LadderModel"]


# ----------------------------------------------------------------- numba loops


@njit(cache=True, inline="always")
def _ladder_maximise(expected, profit, beta, delta, cost, a_max, values, policy):
    """Optimal investment and value at every ladder state of one node.

    ``expected[x]`` is the expected continuation value at state ``x``; a move
    off the ladder's ends is suppressed (the neighbour index is clamped, so it
    is a stay).  Writes ``values`` and ``policy`` (one entry per state).
    """
    n_x = expected.shape[0]
    for x in range(n_x):
        wd = expected[max(x - 1, 0)]
        ws = expected[x]
        wu = expected[min(x + 1, n_x - 1)]
        a = optimal_investment(wd, ws, wu, beta, delta, cost, a_max)
        policy[x] = a
        values[x] = profit[x] + bellman_objective(a, wd, ws, wu, beta, delta, cost)


@njit(cache=True)
def _ladder_bellman_step(z_index, profit, child_values, chain, beta, delta, cost, a_max):
    """One backward step on a batch of nodes: values and optimal investment.

    ``child_values[k, j, x]`` is the value at the node's child reached by
    aggregate state ``j``; the expectation over ``j`` uses row ``z_index[k]``
    of the chain.  The suppressed edge moves are handled by clamping the
    neighbour index (a suppressed move is a stay).
    """
    n_nodes, n_agg, n_x = child_values.shape
    values = np.empty((n_nodes, n_x))
    policy = np.empty((n_nodes, n_x))
    expected = np.empty(n_x)
    for k in range(n_nodes):
        row = z_index[k]
        for x in range(n_x):
            acc = 0.0
            for j in range(n_agg):
                acc += chain[row, j] * child_values[k, j, x]
            expected[x] = acc
        _ladder_maximise(expected, profit[k], beta, delta, cost, a_max, values[k], policy[k])
    return values, policy


@njit(cache=True)
def _ladder_tree(z_all, profit, frozen, root_state, chain, weights, beta, delta, cost, a_max,
                 horizon):
    """Backward induction and forward generation on a whole tree in one call.

    Nodes are breadth first (depth ``k`` starts at ``sum_{i<k} |Z|^i``; the child
    of node ``i`` of depth ``k`` reached by ``j`` is node ``i |Z| + j`` of depth
    ``k + 1``), exactly the engine's layout.  ``frozen[i, j, x]`` is the
    continuation value below leaf ``i``.  Same loops as ``_ladder_bellman_step``
    and ``_ladder_push``, fused to save the per-level Python round trips.
    Returns ``(values, policies, states, statistics)``, all flat over nodes.
    """
    n_total, n_x = profit.shape
    n_agg = chain.shape[0]
    offsets = np.empty(horizon + 2, dtype=np.int64)
    offsets[0] = 0
    size = 1
    for k in range(horizon + 1):
        offsets[k + 1] = offsets[k] + size
        size *= n_agg
    values = np.empty((n_total, n_x))
    policy = np.empty((n_total, n_x))
    expected = np.empty(n_x)
    for k in range(horizon, -1, -1):
        for i in range(offsets[k + 1] - offsets[k]):
            node = offsets[k] + i
            row = z_all[node]
            for x in range(n_x):
                acc = 0.0
                for j in range(n_agg):
                    if k == horizon:
                        acc += chain[row, j] * frozen[i, j, x]
                    else:
                        acc += chain[row, j] * values[offsets[k + 1] + i * n_agg + j, x]
                expected[x] = acc
            _ladder_maximise(expected, profit[node], beta, delta, cost, a_max, values[node],
                             policy[node])
    states = np.zeros((n_total, n_x))
    states[0] = root_state
    pushed = np.empty(n_x)
    for k in range(horizon):
        for i in range(offsets[k + 1] - offsets[k]):
            parent = offsets[k] + i
            pushed[:] = 0.0
            for x in range(n_x):
                mass = states[parent, x]
                if mass == 0.0:
                    continue
                p_down, p_stay, p_up = transition_probabilities(policy[parent, x], delta)
                pushed[max(x - 1, 0)] += mass * p_down
                pushed[x] += mass * p_stay
                pushed[min(x + 1, n_x - 1)] += mass * p_up
            for j in range(n_agg):
                states[offsets[k + 1] + i * n_agg + j] = pushed
    stats = np.empty(n_total)
    for node in range(n_total):
        acc = 0.0
        for x in range(n_x):
            acc += states[node, x] * weights[x]
        stats[node] = acc
    return values, policy, states, stats


@njit(cache=True)
def _ladder_push(population, policy, delta):
    """Exact push of distributions over {0..M} through the investment dynamics."""
    n_nodes, n_x = population.shape
    out = np.zeros((n_nodes, n_x))
    for k in range(n_nodes):
        for x in range(n_x):
            mass = population[k, x]
            if mass == 0.0:
                continue
            p_down, p_stay, p_up = transition_probabilities(policy[k, x], delta)
            out[k, max(x - 1, 0)] += mass * p_down
            out[k, x] += mass * p_stay
            out[k, min(x + 1, n_x - 1)] += mass * p_up
    return out


@njit(cache=True)
def _ladder_transition_matrix(policy, delta):
    """Row-stochastic matrix of x -> x' under `policy` (edges merged into stay)."""
    n_x = policy.shape[0]
    out = np.zeros((n_x, n_x))
    for x in range(n_x):
        p_down, p_stay, p_up = transition_probabilities(policy[x], delta)
        out[x, max(x - 1, 0)] += p_down
        out[x, x] += p_stay
        out[x, min(x + 1, n_x - 1)] += p_up
    return out


@njit(cache=True)
def _simulate_agents(states, policy, delta, uniforms):
    """Move each agent one step with one uniform each (inverse CDF down/stay/up)."""
    n_x = policy.shape[0]
    out = np.empty_like(states)
    for i in range(states.shape[0]):
        x = states[i]
        p_down, p_stay, p_up = transition_probabilities(policy[x], delta)
        u = uniforms[i]
        if u < p_down:
            out[i] = max(x - 1, 0)
        elif u < p_down + p_stay:
            out[i] = x
        else:
            out[i] = min(x + 1, n_x - 1)
    return out


@njit(cache=True)
def _capacity_profit_table(z_values, z_index, stats, capacity, e, f, m):
    out = np.empty((z_index.shape[0], capacity.shape[0]))
    for k in range(z_index.shape[0]):
        z = z_values[z_index[k]]
        for x in range(capacity.shape[0]):
            out[k, x] = capacity_profit(capacity[x], z, stats[k], e, f, m)
    return out


@njit(cache=True)
def _quality_profit_table(z_values, z_index, stats, n_x, theta1, c_tilde):
    out = np.empty((z_index.shape[0], n_x))
    for k in range(z_index.shape[0]):
        z = z_values[z_index[k]]
        for x in range(n_x):
            out[k, x] = quality_ladder_profit(float(x), z, stats[k], theta1, c_tilde)
    return out


@njit(cache=True)
def _quality_weights(n_x, theta1):
    out = np.empty(n_x)
    for x in range(n_x):
        out[x] = quality_weight(float(x), theta1)
    return out


@njit(cache=True)
def _frozen_policy_iteration(profit, chain, beta, delta, cost, a_max, tol, max_iter):
    """Infinite-horizon value with the population statistic frozen, z Markov.

    Howard policy iteration: closed-form improvement step, exact evaluation by
    a linear solve on the (z, x) chain.  Returns (values, policy, iterations,
    change); the caller raises when ``change > tol``.
    """
    n_agg, n_x = profit.shape
    n = n_agg * n_x
    values = np.zeros((n_agg, n_x))
    for j in range(n_agg):
        for x in range(n_x):
            values[j, x] = profit[j, x] / (1.0 - beta)
    z_index = np.arange(n_agg)
    change = np.inf
    it = 0
    policy = np.zeros((n_agg, n_x))
    while it < max_iter:
        it += 1
        child = np.empty((n_agg, n_agg, n_x))
        for k in range(n_agg):
            child[k] = values
        new_values, policy = _ladder_bellman_step(
            z_index, profit, child, chain, beta, delta, cost, a_max
        )
        # Policy evaluation: (I - beta P_pi) v = u - cost a.
        system = np.eye(n)
        rhs = np.empty(n)
        for j in range(n_agg):
            trans = _ladder_transition_matrix(policy[j], delta)
            for x in range(n_x):
                r = j * n_x + x
                rhs[r] = profit[j, x] - cost * policy[j, x]
                for jn in range(n_agg):
                    pj = chain[j, jn]
                    if pj == 0.0:
                        continue
                    for xn in range(max(x - 1, 0), min(x + 2, n_x)):
                        system[r, jn * n_x + xn] -= beta * pj * trans[x, xn]
        evaluated = np.linalg.solve(system, rhs).reshape((n_agg, n_x))
        change = np.max(np.abs(evaluated - values))
        # Bellman residual of the evaluated policy's value: zero at the optimum.
        values = evaluated
        if change <= tol and np.max(np.abs(new_values - values)) <= 1e3 * tol:
            break
    return values, policy, it, change


# ----------------------------------------------------------------- parameters


def _validate_chain(name: str, chain) -> np.ndarray:
    rows = [require_probability_vector(f"{name}[{i}]", row, atol=1e-10)
            for i, row in enumerate(chain)]
    arr = np.array(rows, dtype=float)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ParameterError(name, chain, "a square row-stochastic matrix")
    return arr


@dataclass(frozen=True)
class LadderModel:
    """Common part of the ladder models: dynamics, investment cost, aggregate chain.

    Parameters
    ----------
    max_state : int
        ``M``; states are ``0 .. M`` (default 10, a choice: the paper omits it).
    beta : float
        Discount factor in (0, 1) (Table 2: 0.925).
    delta : float
        Depreciation probability in (0, 1) (Table 2: 0.7).
    cost : float
        Cost ``d`` of a unit of investment, > 0 (Table 2: 4).
    a_max : float
        Upper bound of investment, > 0 (Table 2's "a = 1").
    aggregate_values : tuple of float
        The values of ``z`` (Table 2: 1 and 2); ``z`` multiplies revenue.
    aggregate_chain : tuple of tuple of float
        Transition matrix of ``z`` (default ``[[0.875, 0.125], [0.125, 0.875]]``).
    """

    max_state: int = 10
    beta: float = 0.925
    delta: float = 0.7
    cost: float = 4.0
    a_max: float = 1.0
    aggregate_values: tuple = (1.0, 2.0)
    aggregate_chain: tuple = ((0.875, 0.125), (0.125, 0.875))
    _arrays: dict = field(default_factory=dict, repr=False, compare=False, hash=False)

    def __post_init__(self):
        if isinstance(self.max_state, bool) or not float(self.max_state).is_integer() \
                or int(self.max_state) < 1:
            raise ParameterError("max_state", self.max_state, "integers >= 1")
        require_open_interval("beta", self.beta, 0.0, 1.0)
        require_open_interval("delta", self.delta, 0.0, 1.0)
        require_positive("cost", self.cost)
        require_positive("a_max", self.a_max)
        z = np.array([float(v) for v in self.aggregate_values])
        for i, v in enumerate(z):
            require_positive(f"aggregate_values[{i}]", v)
        chain = _validate_chain("aggregate_chain", self.aggregate_chain)
        if chain.shape[0] != z.size:
            raise ParameterError(
                "aggregate_chain", f"{chain.shape[0]}x{chain.shape[1]}",
                f"a {z.size}x{z.size} matrix (one row per aggregate value)")
        self._arrays.update(z_values=z, chain=np.ascontiguousarray(chain),
                            states=np.arange(int(self.max_state) + 1, dtype=float))

    # -- sizes and arrays
    @property
    def n_states(self) -> int:
        """Number of individual states ``M + 1``."""
        return int(self.max_state) + 1

    @property
    def n_aggregate(self) -> int:
        """Number of aggregate states ``|Z|``."""
        return self._arrays["z_values"].size

    @property
    def chain(self) -> np.ndarray:
        """The aggregate transition matrix as an array."""
        return self._arrays["chain"]

    @property
    def z_values(self) -> np.ndarray:
        """The aggregate values as an array."""
        return self._arrays["z_values"]

    @property
    def value_shape(self) -> tuple:
        """Shape of one node's value function (here: one value per state)."""
        return (self.n_states,)

    # -- the engine interface
    def statistic_weights(self) -> np.ndarray:
        """``h(x)``: the statistic is ``sum_x h(x) s(x)``."""
        raise NotImplementedError

    def statistic(self, population_states: np.ndarray) -> np.ndarray:
        """Aggregate statistic of a batch of population states ``(k, M+1)``."""
        return population_states @ self.statistic_weights()

    def mean_state(self, population_states: np.ndarray) -> np.ndarray:
        """Mean individual state ``sum_x x s(x)`` of a batch (the paper's s-bar)."""
        return population_states @ self._arrays["states"]

    def statistic_bounds(self) -> tuple[float, float]:
        """Range the statistic can take (the grid of the frozen-value table)."""
        h = self.statistic_weights()
        return float(h.min()), float(h.max())

    def profit_table(self, z_index: np.ndarray, statistics: np.ndarray) -> np.ndarray:
        """Period profit ``u(x, z, s)`` for a batch of nodes, ``(k, M+1)``."""
        raise NotImplementedError

    def bellman_step(self, z_index, statistics, child_values):
        """Values and policies of a batch of nodes given their children's values.

        Parameters
        ----------
        z_index : (k,) int array
            Aggregate state of each node.
        statistics : (k,) array
            Population statistic at each node.
        child_values : (k, |Z|, M+1) array
            Value at the child reached by each next aggregate state.
        """
        profit = self.profit_table(z_index, statistics)
        return _ladder_bellman_step(
            np.ascontiguousarray(z_index, dtype=np.int64), profit,
            np.ascontiguousarray(child_values), self.chain, float(self.beta),
            float(self.delta), float(self.cost), float(self.a_max))

    def solve_tree(self, z_all, statistics, frozen, root_state, horizon):
        """Optional fast path of the engine: a whole tree level by level in one call.

        ``z_all`` and ``statistics`` are flat over the tree's nodes (breadth
        first); returns flat ``(values, policies, states, regenerated
        statistics)``.  Equivalent to :meth:`bellman_step` + :meth:`push`
        level by level (``tests/test_bfe.py`` checks it).
        """
        profit = self.profit_table(z_all, statistics)
        return _ladder_tree(np.ascontiguousarray(z_all, dtype=np.int64), profit,
                            np.ascontiguousarray(frozen), np.ascontiguousarray(root_state),
                            self.chain, np.ascontiguousarray(self.statistic_weights()),
                            float(self.beta), float(self.delta), float(self.cost),
                            float(self.a_max), int(horizon))

    def push(self, population_states, policies, statistics, z_next, z_now=None):
        """Population states one period on (equation (1)), a batch ``(k, M+1)``.

        ``z_now`` and ``z_next`` (``(k,)``, the aggregate transition of each node)
        are part of the interface for models whose idiosyncratic shocks depend on
        it (Krusell-Smith employment); the ladder dynamics depend on neither.
        """
        del statistics, z_next, z_now
        return _ladder_push(np.ascontiguousarray(population_states),
                            np.ascontiguousarray(policies), float(self.delta))

    def frozen_values(self, statistics, tol: float = 1e-10, max_iter: int = 200):
        """Infinite-horizon values with the statistic frozen; ``(k, |Z|, M+1)``.

        Raises
        ------
        ConvergenceError
            If policy iteration does not settle within `max_iter`.
        """
        from foresight.errors import ConvergenceError

        stats = np.atleast_1d(np.asarray(statistics, dtype=float))
        out = np.empty((stats.size, self.n_aggregate, self.n_states))
        all_z = np.arange(self.n_aggregate)
        for k, s in enumerate(stats):
            profit = self.profit_table(all_z, np.full(self.n_aggregate, s))
            v, _, it, change = _frozen_policy_iteration(
                profit, self.chain, float(self.beta), float(self.delta), float(self.cost),
                float(self.a_max), tol, max_iter)
            if not change <= tol:
                raise ConvergenceError("frozen-population policy iteration", change, it, tol)
            out[k] = v
        return out

    def frozen_policy(self, statistic: float) -> np.ndarray:
        """Optimal investment ``(|Z|, M+1)`` with the statistic frozen at `statistic`."""
        v = self.frozen_values([statistic])[0]
        all_z = np.arange(self.n_aggregate)
        child = np.broadcast_to(v, (self.n_aggregate,) + v.shape)
        return self.bellman_step(all_z, np.full(self.n_aggregate, statistic), child)[1]

    def transition_matrix(self, policy: np.ndarray) -> np.ndarray:
        """``x -> x'`` transition matrix under a policy ``(M+1,)``."""
        return _ladder_transition_matrix(np.ascontiguousarray(policy, dtype=float),
                                         float(self.delta))

    def simulate_agents(self, agent_states, policy, z_next, uniforms, z_now=None):
        """Finite-population step: each agent moves with its own uniform draw."""
        del z_next, z_now
        return _simulate_agents(agent_states, np.ascontiguousarray(policy), float(self.delta),
                                uniforms)

    def without_shocks(self, z_value: float | None = None):
        """The same economy with ``z`` fixed (default: its stationary mean)."""
        import dataclasses

        if z_value is None:
            w, v = np.linalg.eig(self.chain.T)
            pi = np.real(v[:, np.argmin(np.abs(w - 1))])
            pi = pi / pi.sum()
            z_value = float(pi @ self.z_values)
        return dataclasses.replace(self, aggregate_values=(float(z_value),),
                                   aggregate_chain=((1.0,),), _arrays={})


@dataclass(frozen=True)
class CapacityModel(LadderModel):
    """Capacity competition with linear inverse demand ``P(Q) = e/f - Q/(m f)``.

    Parameters
    ----------
    e, f, m : float
        Demand parameters (Table 2: 75, 10, 0.125), all > 0.
    capacity : tuple of float, optional
        ``qbar(x)`` for ``x = 0..M`` (default ``qbar(x) = x``, a choice), >= 0.

    Examples
    --------
    >>> CapacityModel(delta=1.5)
    Traceback (most recent call last):
    ...
    foresight.errors.ParameterError: delta = 1.5 is outside its valid range (0, 1)
    """

    e: float = 75.0
    f: float = 10.0
    m: float = 0.125
    capacity: tuple | None = None

    def __post_init__(self):
        super().__post_init__()
        for name in ("e", "f", "m"):
            require_positive(name, getattr(self, name))
        if self.capacity is None:
            cap = np.arange(self.n_states, dtype=float)
        else:
            cap = np.array([float(c) for c in self.capacity])
            if cap.size != self.n_states:
                raise ParameterError("capacity", self.capacity,
                                     f"a vector of {self.n_states} capacities (one per state)")
            for i, c in enumerate(cap):
                if not (math.isfinite(c) and c >= 0):
                    raise ParameterError(f"capacity[{i}]", c, "[0, inf)")
        self._arrays["capacity"] = cap

    def statistic_weights(self) -> np.ndarray:
        """``qbar(x)``: the statistic is total output ``Q``."""
        return self._arrays["capacity"]

    def mean_state(self, population_states: np.ndarray) -> np.ndarray:
        """Mean capacity ``sum_x qbar(x) s(x)`` of a batch (paper: "mean capacity").

        Table 3 and Figure 4 of the paper report the mean of the population's
        *capacity*, "which corresponds to the mean production" (Section 4.2):
        ``int qbar ds``, i.e. ``Q``.  It equals the mean state ``sum_x x s(x)``
        only for the default ``qbar(x) = x``.

        Examples
        --------
        >>> m = CapacityModel(max_state=2, capacity=(0.0, 1.0, 4.0))
        >>> m.mean_state(np.array([[0.0, 0.5, 0.5]])).tolist()
        [2.5]
        """
        return population_states @ self._arrays["capacity"]

    def profit_table(self, z_index, statistics):
        return _capacity_profit_table(
            self.z_values, np.ascontiguousarray(z_index, dtype=np.int64),
            np.ascontiguousarray(statistics, dtype=float), self._arrays["capacity"],
            float(self.e), float(self.f), float(self.m))


@dataclass(frozen=True)
class QualityLadderModel(LadderModel):
    """Quality ladder with the logit-limit profit ``z c (x+1)^theta1 / S``.

    Parameters
    ----------
    theta1 : float
        Quality weight, < 1 (the paper's restriction); default 0.5 (a choice).
    c_tilde : float
        Profit scale, > 0; default 15 (a choice, the order of the capacity
        model's revenue so that the same cost ``d = 4`` gives interior investment).

    Examples
    --------
    >>> m = QualityLadderModel()
    >>> round(m.statistic_bounds()[0], 3)
    1.0
    """

    theta1: float = 0.5
    c_tilde: float = 15.0

    def __post_init__(self):
        super().__post_init__()
        t = float(self.theta1)
        if not (math.isfinite(t) and t < 1):
            raise ParameterError("theta1", self.theta1, "(-inf, 1)")
        require_positive("c_tilde", self.c_tilde)
        self._arrays["weights"] = _quality_weights(self.n_states, t)

    def statistic_weights(self) -> np.ndarray:
        """``(x+1)^theta1``: the statistic is the quality index ``S``."""
        return self._arrays["weights"]

    def profit_table(self, z_index, statistics):
        return _quality_profit_table(
            self.z_values, np.ascontiguousarray(z_index, dtype=np.int64),
            np.ascontiguousarray(statistics, dtype=float), self.n_states,
            float(self.theta1), float(self.c_tilde))

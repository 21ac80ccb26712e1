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
from foresight.numerics.bfe.law_of_motion import _dense_matrix, draw, push_row
from foresight.numerics.generated.capacity import (
    bellman_objective,
    capacity_profit,
    optimal_investment,
    transition_probabilities,
)
from foresight.numerics.generated.quality_ladder import quality_ladder_profit, quality_weight

__all__ = ["CapacityModel", "QualityLadderModel", "LadderModel"]


# ----------------------------------------------------------------- numba loops


@njit(cache=True)
def ladder_destinations(n_x):
    """Destinations ``(down, stay, up)`` of every ladder state, ``(n_x, 3)``.

    The one place the edge rule lives: a move off the ladder is suppressed
    (the firm stays), written as a destination equal to the state itself.
    """
    out = np.empty((n_x, 3), dtype=np.int64)
    for x in range(n_x):
        out[x, 0] = max(x - 1, 0)
        out[x, 1] = x
        out[x, 2] = min(x + 1, n_x - 1)
    return out


@njit(cache=True)
def _ladder_probabilities_row(policy, delta, out):
    for x in range(policy.shape[0]):
        p_down, p_stay, p_up = transition_probabilities(policy[x], delta)
        out[x, 0] = p_down
        out[x, 1] = p_stay
        out[x, 2] = p_up


@njit(cache=True)
def ladder_probabilities(policy, delta):
    """Probabilities of the moves to :func:`ladder_destinations` under `policy` ``(n_x,)``."""
    out = np.empty((policy.shape[0], 3))
    _ladder_probabilities_row(policy, delta, out)
    return out


@njit(cache=True, inline="always")
def _ladder_maximise(expected, profit, destinations, beta, delta, cost, a_max, values,
                     policy):
    """Optimal investment and value at every ladder state of one node.

    ``expected[x]`` is the expected continuation value at state ``x``; the
    Bellman objective reads it at the state's destinations (down, stay, up).
    Writes ``values`` and ``policy`` (one entry per state).
    """
    for x in range(expected.shape[0]):
        wd = expected[destinations[x, 0]]
        ws = expected[destinations[x, 1]]
        wu = expected[destinations[x, 2]]
        a = optimal_investment(wd, ws, wu, beta, delta, cost, a_max)
        policy[x] = a
        values[x] = profit[x] + bellman_objective(a, wd, ws, wu, beta, delta, cost)


@njit(cache=True)
def _ladder_bellman_step(z_index, profit, child_values, chain, destinations, beta, delta, cost,
                         a_max):
    """One backward step on a batch of nodes: values and optimal investment.

    ``child_values[k, j, x]`` is the value at the node's child reached by
    aggregate state ``j``; the expectation over ``j`` uses row ``z_index[k]``
    of the chain.
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
        _ladder_maximise(expected, profit[k], destinations, beta, delta, cost, a_max,
                         values[k], policy[k])
    return values, policy


@njit(cache=True)
def _ladder_tree(z_all, profit, frozen, root_state, chain, weights, destinations, beta, delta,
                 cost, a_max, horizon):
    """Backward induction and forward generation on a whole tree in one call.

    Nodes are breadth first (depth ``k`` starts at ``sum_{i<k} |Z|^i``; the child
    of node ``i`` of depth ``k`` reached by ``j`` is node ``i |Z| + j`` of depth
    ``k + 1``), exactly the engine's layout.  ``frozen[i, j, x]`` is the
    continuation value below leaf ``i``.  The same maximisation and the same
    law of motion (:func:`~foresight.numerics.bfe.law_of_motion.push_row`) as
    the level-by-level route, fused to save the per-level Python round trips.
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
            _ladder_maximise(expected, profit[node], destinations, beta, delta, cost, a_max,
                             values[node], policy[node])
    states = np.zeros((n_total, n_x))
    states[0] = root_state
    pushed = np.empty(n_x)
    probabilities = np.empty((n_x, 3))
    for k in range(horizon):
        for i in range(offsets[k + 1] - offsets[k]):
            parent = offsets[k] + i
            pushed[:] = 0.0
            _ladder_probabilities_row(policy[parent], delta, probabilities)
            push_row(states[parent], destinations, probabilities, pushed)
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
def _ladder_push(population, policy, destinations, delta):
    """Exact push of distributions over {0..M} through the investment dynamics."""
    n_nodes, n_x = population.shape
    out = np.zeros((n_nodes, n_x))
    probabilities = np.empty((n_x, 3))
    for k in range(n_nodes):
        _ladder_probabilities_row(policy[k], delta, probabilities)
        push_row(population[k], destinations, probabilities, out[k])
    return out


@njit(cache=True)
def _capacity_profit_table(z_nodes, stats, capacity, e, f, m):
    out = np.empty((z_nodes.shape[0], capacity.shape[0]))
    for k in range(z_nodes.shape[0]):
        z = z_nodes[k]
        for x in range(capacity.shape[0]):
            out[k, x] = capacity_profit(capacity[x], z, stats[k], e, f, m)
    return out


@njit(cache=True)
def _quality_profit_table(z_nodes, stats, n_x, theta1, c_tilde):
    out = np.empty((z_nodes.shape[0], n_x))
    for k in range(z_nodes.shape[0]):
        z = z_nodes[k]
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
def _frozen_policy_iteration(profit, chain, destinations, beta, delta, cost, a_max, tol,
                             max_iter):
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
            z_index, profit, child, chain, destinations, beta, delta, cost, a_max
        )
        # Policy evaluation: (I - beta P_pi) v = u - cost a.
        system = np.eye(n)
        rhs = np.empty(n)
        for j in range(n_agg):
            trans = _dense_matrix(destinations, ladder_probabilities(policy[j], delta), n_x)
            for x in range(n_x):
                r = j * n_x + x
                rhs[r] = profit[j, x] - cost * policy[j, x]
                for jn in range(n_agg):
                    pj = chain[j, jn]
                    if pj == 0.0:
                        continue
                    for xn in range(n_x):
                        if trans[x, xn] != 0.0:
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
                            states=np.arange(int(self.max_state) + 1, dtype=float),
                            destinations=ladder_destinations(int(self.max_state) + 1))

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

    @property
    def destinations(self) -> np.ndarray:
        """``(M+1, 3)`` destinations (down, stay, up) of the law of motion."""
        return self._arrays["destinations"]

    # -- the engine interface (foresight.numerics.bfe.contract.BFEModel)
    population = "histogram"

    @property
    def population_shape(self) -> tuple:
        """A population state is a distribution over ``{0..M}``: shape ``(M+1,)``."""
        return (self.n_states,)

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

    def profit_at(self, z_values: np.ndarray, statistics: np.ndarray) -> np.ndarray:
        """Period profit ``u(x, z, s)`` for nodes given by the *values* of ``z``."""
        raise NotImplementedError

    def profit_table(self, z_index: np.ndarray, statistics: np.ndarray) -> np.ndarray:
        """Period profit ``u(x, z, s)`` for a batch of nodes, ``(k, M+1)``."""
        return self.profit_at(self.z_values[np.asarray(z_index, dtype=np.int64)],
                              statistics)

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
            np.ascontiguousarray(child_values), self.chain, self.destinations,
            float(self.beta), float(self.delta), float(self.cost), float(self.a_max))

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
                            self.destinations, float(self.beta), float(self.delta),
                            float(self.cost), float(self.a_max), int(horizon))

    def law_of_motion(self, policy, z_now=None, z_next=None):
        """``(destinations, probabilities)``, each ``(M+1, 3)``, under `policy` ``(M+1,)``.

        The ladder dynamics depend on neither aggregate state.
        """
        del z_now, z_next
        return self.destinations, ladder_probabilities(
            np.ascontiguousarray(policy, dtype=float), float(self.delta))

    def push(self, population_states, policies, statistics, z_next, z_now=None):
        """Population states one period on (equation (1)), a batch ``(k, M+1)``.

        ``z_now`` and ``z_next`` (``(k,)``, the aggregate transition of each node)
        are part of the interface for models whose idiosyncratic shocks depend on
        it (Krusell-Smith employment); the ladder dynamics depend on neither.
        """
        del statistics, z_next, z_now
        return _ladder_push(np.ascontiguousarray(population_states),
                            np.ascontiguousarray(policies), self.destinations,
                            float(self.delta))

    def _frozen_problem(self, profit, chain, statistic, tol, max_iter):
        from foresight.errors import ConvergenceError

        v, pol, it, change = _frozen_policy_iteration(
            np.ascontiguousarray(profit), np.ascontiguousarray(chain), self.destinations,
            float(self.beta), float(self.delta), float(self.cost), float(self.a_max), tol,
            max_iter)
        if not change <= tol:
            raise ConvergenceError(f"frozen-population policy iteration at statistic "
                                   f"{statistic:.6g}", change, it, tol)
        return v, pol

    def frozen_values(self, statistics, continuation: str = "markov", z_leaf=None,
                      tol: float = 1e-10, max_iter: int = 200):
        """Continuation values below leaves, ``(k, |Z|, M+1)``: ``[leaf, z', x]``.

        The infinite-horizon value from depth ``N + 1`` on when the statistic is
        frozen at ``statistics[k]`` (the leaf's) and, by the continuation reading
        (:mod:`foresight.derivations.continuation`):

        * ``"markov"`` -- ``z`` keeps following its chain (Proposition 1):
          ``V(x, z'; s)``, one value per child ``z'``;
        * ``"frozen-prices"`` -- the payoff-relevant aggregate ``z P(Q)``
          (capacity) or ``z / S`` (quality ladder) stays at the leaf's value
          (``z_leaf[k]``, Figure 2): one deterministic problem, the same for
          every child;
        * ``"mean-z"`` -- no aggregate shocks beyond ``N``: ``z`` at its
          stationary mean, a deterministic problem.

        Raises
        ------
        ConvergenceError
            If policy iteration does not settle within `max_iter`.
        """
        from foresight.numerics.bfe.contract import require_continuation

        reading = require_continuation(continuation)
        stats = np.atleast_1d(np.asarray(statistics, dtype=float))
        out = np.empty((stats.size, self.n_aggregate, self.n_states))
        all_z = np.arange(self.n_aggregate)
        if reading == "frozen-prices":
            if z_leaf is None:
                raise ParameterError("z_leaf", None, "the leaves' aggregate states "
                                     "(continuation 'frozen-prices')")
            z_at = self.z_values[np.broadcast_to(np.asarray(z_leaf, dtype=np.int64),
                                                 stats.shape)]
        else:
            z_at = np.full(stats.size, self.mean_aggregate())
        for k, s in enumerate(stats):
            if reading == "markov":
                profit = self.profit_table(all_z, np.full(self.n_aggregate, s))
                out[k] = self._frozen_problem(profit, self.chain, s, tol, max_iter)[0]
            else:
                profit = self.profit_at(z_at[k:k + 1], np.array([s]))
                out[k] = self._frozen_problem(profit, np.ones((1, 1)), s, tol, max_iter)[0][0]
        return out

    def frozen_policy(self, statistic: float) -> np.ndarray:
        """Optimal investment ``(|Z|, M+1)`` with the statistic frozen at `statistic`."""
        v = self.frozen_values([statistic])[0]
        all_z = np.arange(self.n_aggregate)
        child = np.broadcast_to(v, (self.n_aggregate,) + v.shape)
        return self.bellman_step(all_z, np.full(self.n_aggregate, statistic), child)[1]

    def transition_matrix(self, policy: np.ndarray) -> np.ndarray:
        """``x -> x'`` transition matrix under a policy ``(M+1,)`` (from the law of motion)."""
        from foresight.numerics.bfe.law_of_motion import transition_matrix

        return transition_matrix(*self.law_of_motion(policy))

    # -- finite populations: agents are integer states; the model counts them
    def initial_agents(self, population_state, n_agents: int, rng=None):
        """``n`` firms from a distribution by deterministic rounding of the counts."""
        del rng
        counts = np.floor(np.asarray(population_state) * n_agents).astype(np.int64)
        counts[np.argmax(population_state)] += n_agents - counts.sum()
        return np.repeat(np.arange(self.n_states), counts)

    def population_from_agents(self, agents) -> np.ndarray:
        """The firms' empirical distribution over ``{0..M}``."""
        return np.bincount(agents, minlength=self.n_states) / agents.size

    def simulate_agents(self, agents, policy, z_now, z_next, rng):
        """Finite-population step: each firm moves with its own uniform draw from `rng`."""
        dest, prob = self.law_of_motion(policy, z_now, z_next)
        return draw(agents, dest, prob, rng.random(agents.size))

    def mean_aggregate(self) -> float:
        """Stationary mean of ``z`` (the ``mean-z`` reading, :meth:`without_shocks`).

        Two states: the derived closed form (``foresight.derivations.continuation``);
        more: the stationary distribution of the chain.
        """
        if self.n_aggregate == 2:
            from foresight.numerics.generated.continuation import stationary_mean_z

            P, z = self.chain, self.z_values
            return float(stationary_mean_z(P[0, 0], P[1, 1], z[0], z[1]))
        from foresight.numerics.markov import stationary_distribution

        return float(stationary_distribution(self.chain) @ self.z_values)

    def without_shocks(self, z_value: float | None = None):
        """The same economy with ``z`` fixed (default: its stationary mean)."""
        import dataclasses

        if z_value is None:
            z_value = self.mean_aggregate()
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

    def profit_at(self, z_values, statistics):
        return _capacity_profit_table(
            np.ascontiguousarray(z_values, dtype=float),
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

    def profit_at(self, z_values, statistics):
        return _quality_profit_table(
            np.ascontiguousarray(z_values, dtype=float),
            np.ascontiguousarray(statistics, dtype=float), self.n_states,
            float(self.theta1), float(self.c_tilde))

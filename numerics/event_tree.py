"""Budgets on event trees: every history of a discrete-state economy to a depth.

With beliefs on finitely many states (:class:`~foresight.derivations.blume_easley.DiscreteStates`
models, fixed or learned), agent ``i``'s budget
``sum_t sum_{s^t} p_t(s^t) (c^i_t(s^t) - y^i_t(s_t))`` is a finite sum at each
date.  :func:`budgets` adds it up over all ``V^(t+1)`` histories of every date
``t <= depth`` (``V`` states), with the planner's allocation and the
competitive price from the generated kernels, and bounds the truncated tail;
:func:`negishi_weights_numeric` finds the Pareto weights that zero every
budget (a root of the truncated budgets, with the truncation's effect on the
root included in its tolerance).  Neither uses the closed-form Negishi
weights: they are the second route of the check in
:mod:`foresight.verify.blume_easley`.

Examples
--------
>>> from foresight.derivations.blume_easley import DiscreteStates, ExchangeEconomy, fixed_belief
>>> a = DiscreteStates((0.2, 0.9), (0.6, 0.4))
>>> b = DiscreteStates((0.2, 0.9), (0.3, 0.7))
>>> econ = ExchangeEconomy((fixed_belief(a), fixed_belief(b)), (0.5, 0.5), discount=0.5)
>>> w = negishi_weights_numeric(econ, depth=12)
>>> [round(x, 6) for x in w.weights]
[0.570248, 0.429752]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from foresight.derivations.economy import DiscreteStates, ExchangeEconomy
from foresight.errors import ConvergenceError, ParameterError
from foresight.numerics.blume_easley import _DISCRETE, _tables
from foresight.numerics.generated.blume_easley import (
    consumption_share_softmax,
    log_allocation_weight,
    log_state_price,
)

__all__ = ["EventTreeBudgets", "NegishiWeights", "budgets", "negishi_weights_numeric",
           "MAX_NODES"]

#: Largest number of histories at the deepest date.
MAX_NODES = 2**24


@dataclass(frozen=True)
class EventTreeBudgets:
    """Budgets summed over an event tree.

    Attributes
    ----------
    values : ndarray (n_agents,)
        ``sum_{t <= depth} sum_{s^t} p_t (c^i_t - y^i_t)``.
    per_date : ndarray (depth + 1, n_agents)
        The same by date.
    tail_bound : float
        Bound on ``|sum_{t > depth} ...|`` for every agent:
        ``max(1, n^(gamma-1)) Y^(1-gamma) delta^(depth+1) / (1 - delta)``
        (``|c - y| <= Y`` and ``sum_{s^t} p_t <= max(1, n^(gamma-1)) delta^t Y^-gamma``
        by the power-mean inequality, since each agent's probabilities of
        date-t histories sum to one).
    rounding_bound : float
        Bound on the float64 summation error (``2 eps`` times the sum of
        absolute terms; compensated summation).
    depth : int
    n_histories : int
        Histories at all dates, ``sum_t V^(t+1)``.
    """

    values: np.ndarray
    per_date: np.ndarray
    tail_bound: float
    rounding_bound: float
    depth: int
    n_histories: int


@dataclass(frozen=True)
class NegishiWeights:
    """Pareto weights at which every (truncated) budget is zero.

    Attributes
    ----------
    weights : tuple of float
    tolerance : float
        Bound on ``max_i |weights_i - exact_i|``: the root finder's tolerance
        plus the effect of the truncated tail and rounding on the root,
        ``||J^-1||_inf (tail_bound + rounding_bound)`` with ``J`` the budgets'
        Jacobian in the free weights (finite differences).
    residual : float
        Largest ``|budget|`` at the weights returned.
    depth : int
    """

    weights: tuple
    tolerance: float
    residual: float
    depth: int


@njit(cache=True)
def _tree_budgets(grid, table, agent_start, agent_model, agent_logprior, log_pareto, gamma,
                  log_discount, aggregate, intercepts, slopes, depth, per_date, abs_total):
    """Sum p_t (c_i - y_i) over all histories, date by date (Neumaier summation)."""
    n = agent_start.shape[0] - 1
    n_models, n_values = table.shape
    cum = np.zeros((1, n_models))  # cumulative log-likelihood of each model per node
    z = np.empty(n)
    logpi = np.empty(n)
    for t in range(depth + 1):
        nodes = cum.shape[0] * n_values
        nxt = np.empty((nodes, n_models))
        total = np.zeros(n)
        comp = np.zeros(n)
        for node in range(nodes):
            parent = node // n_values
            v = node - parent * n_values
            for m in range(n_models):
                nxt[node, m] = cum[parent, m] + table[m, v]
            zmax = -math.inf
            for i in range(n):
                best = -math.inf
                for j in range(agent_start[i], agent_start[i + 1]):
                    val = agent_logprior[j] + nxt[node, agent_model[j]]
                    if val > best:
                        best = val
                if best == -math.inf:
                    logpi[i] = -math.inf
                else:
                    acc = 0.0
                    for j in range(agent_start[i], agent_start[i + 1]):
                        acc += math.exp(agent_logprior[j] + nxt[node, agent_model[j]] - best)
                    logpi[i] = best + math.log(acc)
                z[i] = log_allocation_weight(log_pareto[i], logpi[i], gamma)
                if z[i] > zmax:
                    zmax = z[i]
            if zmax == -math.inf:
                continue  # no agent thinks this history possible: price zero
            acc = 0.0
            for i in range(n):
                acc += math.exp(z[i] - zmax)
            lse = zmax + math.log(acc)
            price = math.exp(log_state_price(float(t), log_discount, lse, gamma, aggregate))
            s = grid[v]
            for i in range(n):
                c = aggregate * consumption_share_softmax(z[i], lse)
                term = price * (c - (intercepts[i] + slopes[i] * s))
                abs_total[i] += abs(term)
                new = total[i] + term
                if abs(total[i]) >= abs(term):
                    comp[i] += (total[i] - new) + term
                else:
                    comp[i] += (term - new) + total[i]
                total[i] = new
        for i in range(n):
            per_date[t, i] = total[i] + comp[i]
        cum = nxt


def _validate_tree(economy: ExchangeEconomy, depth) -> tuple:
    if not isinstance(economy, ExchangeEconomy):
        raise ParameterError("economy", type(economy).__name__, "an ExchangeEconomy")
    if isinstance(depth, bool) or not float(depth).is_integer() or int(depth) < 0:
        raise ParameterError("depth", depth, "integers >= 0")
    depth = int(depth)
    for i, belief in enumerate(economy.beliefs):
        for m in belief.models:
            if not isinstance(m, DiscreteStates):
                raise ParameterError(f"beliefs[{i}] model", m.spec() if hasattr(m, "spec") else m,
                                     "DiscreteStates (event trees need finitely many states)")
    tables = _tables(economy)
    assert tables.kind == _DISCRETE
    n_values = tables.grid.size
    if n_values ** (depth + 1) > MAX_NODES:
        raise ParameterError("depth", depth,
                             f"at most {math.floor(math.log(MAX_NODES) / math.log(n_values)) - 1} "
                             f"with {n_values} states ({MAX_NODES} histories at the last date)")
    return tables, depth


def tail_bound(economy: ExchangeEconomy, depth: int) -> float:
    """Bound on the budget terms of all dates after `depth` (see :class:`EventTreeBudgets`).

    Examples
    --------
    >>> from foresight.derivations.blume_easley import DiscreteStates, ExchangeEconomy, fixed_belief
    >>> c = DiscreteStates((0.0, 1.0), (0.5, 0.5))
    >>> e = ExchangeEconomy((fixed_belief(c), fixed_belief(c)), (0.5, 0.5), discount=0.5)
    >>> tail_bound(e, 9)
    0.001953125
    """
    n, g, y = economy.n_agents, economy.gamma, economy.aggregate_endowment
    delta = economy.discount
    return max(1.0, n ** (g - 1.0)) * y ** (1.0 - g) * delta ** (depth + 1) / (1.0 - delta)


def budgets(economy: ExchangeEconomy, depth: int) -> EventTreeBudgets:
    """Every agent's budget summed over all histories of dates ``0 .. depth``.

    Parameters
    ----------
    economy : ExchangeEconomy
        Beliefs with DiscreteStates models (fixed or learning), any gamma.
    depth : int
        Last date ``T``; the tree has ``V^(T+1)`` histories at date ``T``.

    Returns
    -------
    EventTreeBudgets

    Examples
    --------
    >>> from foresight.derivations.blume_easley import DiscreteStates, ExchangeEconomy, fixed_belief
    >>> c = DiscreteStates((0.0, 1.0), (0.5, 0.5))
    >>> e = ExchangeEconomy((fixed_belief(c), fixed_belief(c)), (0.5, 0.5), discount=0.5)
    >>> b = budgets(e, 8)
    >>> bool(abs(b.values).max() < 1e-15), b.n_histories
    (True, 1022)
    """
    tables, depth = _validate_tree(economy, depth)
    n = economy.n_agents
    per_date = np.zeros((depth + 1, n))
    abs_total = np.zeros(n)
    _tree_budgets(
        tables.grid, tables.table, tables.agent_start, tables.agent_model,
        tables.agent_logprior, np.log(np.asarray(economy.pareto_weights)), float(economy.gamma),
        math.log(economy.discount), float(economy.aggregate_endowment),
        np.asarray(economy.endowment_intercepts, dtype=float),
        np.asarray(economy.endowment_slopes, dtype=float), depth, per_date, abs_total,
    )
    if not np.all(np.isfinite(per_date)):
        raise ParameterError("economy", "event tree", "finite budgets (got a non-finite sum)")
    values = np.array([math.fsum(per_date[:, i]) for i in range(n)])
    v = tables.grid.size
    return EventTreeBudgets(
        values=values,
        per_date=per_date,
        tail_bound=tail_bound(economy, depth),
        rounding_bound=float(2 * np.finfo(float).eps * abs_total.max() + 1e-300),
        depth=depth,
        n_histories=int(sum(v ** (t + 1) for t in range(depth + 1))),
    )


def _with_weights(economy: ExchangeEconomy, weights) -> ExchangeEconomy:
    return ExchangeEconomy(economy.beliefs, tuple(weights), gamma=economy.gamma,
                           discount=economy.discount,
                           endowment_intercepts=economy.endowment_intercepts,
                           endowment_slopes=economy.endowment_slopes)


def _weights_from_free(free: np.ndarray) -> np.ndarray:
    return np.append(free, 1.0 - free.sum())


def negishi_weights_numeric(economy: ExchangeEconomy, depth: int, *, xtol: float = 1e-14
                            ) -> NegishiWeights:
    """Pareto weights that zero every agent's budget on the event tree to `depth`.

    Two agents: Brent's method on ``lambda_1`` in ``(0, 1)``.  More agents:
    ``scipy.optimize.root`` (hybrid Powell) on the first ``n - 1`` budgets in
    the first ``n - 1`` weights (the budgets sum to zero, and the weights to
    one).  Works for any gamma (no closed form used).

    Parameters
    ----------
    economy : ExchangeEconomy
        Its Pareto weights are only the starting point (``n > 2``).
    depth : int
    xtol : float
        Root finder's tolerance on the weights.

    Returns
    -------
    NegishiWeights

    Raises
    ------
    ConvergenceError
        When the root finder fails or the weights leave (0, 1).
    """
    from scipy.optimize import brentq, root

    _validate_tree(economy, depth)
    n = economy.n_agents

    def residual(free):
        w = _weights_from_free(np.asarray(free, dtype=float))
        if np.any(w <= 0.0) or np.any(w >= 1.0):
            raise ConvergenceError("Negishi weights (left the simplex)", float("inf"), 0, xtol)
        return budgets(_with_weights(economy, w), depth).values[: n - 1]

    if n == 2:
        lo, hi = 1e-12, 1.0 - 1e-12
        f_lo, f_hi = residual([lo])[0], residual([hi])[0]
        if f_lo * f_hi > 0:
            raise ConvergenceError("Negishi weight (no sign change of agent 1's budget)",
                                   min(abs(f_lo), abs(f_hi)), 0, xtol)
        root1, info = brentq(lambda x: residual([x])[0], lo, hi, xtol=xtol, rtol=1e-15,
                             full_output=True)
        if not info.converged:
            raise ConvergenceError("Negishi weight (brentq)", float("nan"), info.iterations, xtol)
        free = np.array([root1])
    else:
        start = np.asarray(economy.pareto_weights[: n - 1], dtype=float)
        sol = root(residual, start, method="hybr", options={"xtol": xtol})
        # hybr reports failure when it cannot shrink the step below xtol even
        # though the budgets are already zero to rounding: accept those.
        scale = float(np.abs(budgets(_with_weights(economy, _weights_from_free(
            np.asarray(sol.x, dtype=float))), depth).per_date).sum())
        if not (sol.success or float(np.max(np.abs(sol.fun))) <= 1e-12 * max(scale, 1.0)):
            raise ConvergenceError("Negishi weights (hybr)", float(np.max(np.abs(sol.fun))),
                                   int(sol.nfev), xtol)
        free = np.asarray(sol.x, dtype=float)
    weights = _weights_from_free(free)
    at_root = budgets(_with_weights(economy, weights), depth)
    # Sensitivity of the root to errors in the budgets: Jacobian by central differences.
    h = 1e-6 * min(weights.min(), 1e-2)
    jac = np.empty((n - 1, n - 1))
    for k in range(n - 1):
        up, down = free.copy(), free.copy()
        up[k] += h
        down[k] -= h
        jac[:, k] = (residual(up) - residual(down)) / (2 * h)
    try:
        inv_norm = float(np.abs(np.linalg.inv(jac)).sum(axis=1).max())
    except np.linalg.LinAlgError:
        raise ConvergenceError("Negishi weights (singular budget Jacobian)", float("inf"), 0,
                               xtol) from None
    error_budgets = at_root.tail_bound + at_root.rounding_bound
    residual_max = float(np.max(np.abs(at_root.values)))
    # Weight n is 1 - sum(free): its error is at most (n - 1) times the largest.
    tolerance = (n - 1) * (inv_norm * (error_budgets + residual_max) + 2 * xtol)
    return NegishiWeights(weights=tuple(float(w) for w in weights), tolerance=float(tolerance),
                          residual=residual_max, depth=int(depth))

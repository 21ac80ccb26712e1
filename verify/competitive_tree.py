"""Negishi weights and budgets on an event tree, solved from the primitives alone.

The second route for :mod:`foresight.numerics.event_tree` at any ``gamma`` and
any number of agents (the closed-form Negishi weights exist only for log
utility).  Everything here is restated from the model, not taken from the
derivations or the generated kernels:

* each agent's probability of a history ``s^t = (s_0, ..., s_t)`` is Bayes'
  mixture ``sum_k prior_k prod_tau P_k(s_tau)`` of its models, computed on the
  tree directly;
* at Pareto weights ``lambda`` the planner's allocation at a node solves
  ``lambda_i beta^t pi^i(s^t) u'(c^i) = q`` with ``sum_i c^i = Y``: the
  multiplier ``q`` (the state price) is found by bisection in ``log q`` and
  ``u'`` is CRRA's ``c^(-gamma)`` inverted numerically;
* each agent's budget ``sum_t sum_{s^t} q (c^i - y^i)`` is summed over the
  tree, and the weights that zero every budget are found by a root finder.

Truncated at the same depth, these weights must equal the event-tree module's
root (same economy, same truncation): any difference is a wrong price, share,
posterior or sum in the compiled route.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from foresight.verify.check import CheckResult, compare_close

__all__ = ["tree_probabilities", "planner_on_tree", "tree_budgets", "negishi_weights_direct",
           "check_negishi_weights_direct", "check_budgets_direct"]


def tree_probabilities(economy, depth: int):
    """Histories to `depth` and each agent's probability of each one, from its models.

    Returns ``(dates, last_state, probs)``: per node its date, its last state's
    value, and ``probs[i, node]``.
    """
    values = economy.beliefs[0].models[0].values
    n_values = len(values)
    dates, last, probs = [], [], []
    for t in range(depth + 1):
        for history in itertools.product(range(n_values), repeat=t + 1):
            dates.append(t)
            last.append(values[history[-1]])
            row = []
            for belief in economy.beliefs:
                total = 0.0
                for prior, model in zip(belief.prior, belief.models, strict=True):
                    p = prior
                    for s in history:
                        p *= model.probs[s]
                    total += p
                row.append(total)
            probs.append(row)
    return np.array(dates), np.array(last, dtype=float), np.array(probs).T


def planner_on_tree(weights, probs, dates, discount, gamma, aggregate):
    """Allocation ``c[i, node]`` and state price ``q[node]`` at Pareto `weights`.

    Bisection in ``log q`` on ``sum_i (u')^{-1}(q / (lambda_i beta^t pi^i)) = Y``
    (the left side falls in ``q``); nodes nobody deems possible get ``q = 0``.
    """
    weights = np.asarray(weights, dtype=float)[:, None]
    scale = weights * discount ** dates[None, :] * probs  # lambda_i beta^t pi^i
    alive = scale.max(axis=0) > 0.0

    def demand(log_q):
        with np.errstate(divide="ignore"):
            # u'(c) = c^(-gamma)  =>  c = (q / scale)^(-1/gamma); 0 where scale = 0.
            ratio = np.where(scale > 0.0, np.exp(log_q)[None, :] / np.where(scale > 0, scale, 1),
                             np.inf)
        return np.where(np.isfinite(ratio), ratio ** (-1.0 / gamma), 0.0)

    lo = np.full(dates.size, -200.0)
    hi = np.full(dates.size, 200.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        too_much = demand(mid).sum(axis=0) > aggregate  # price too low
        lo, hi = np.where(too_much, mid, lo), np.where(too_much, hi, mid)
    log_q = 0.5 * (lo + hi)
    c = demand(log_q)
    c *= aggregate / np.where(alive, c.sum(axis=0), 1.0)  # bisection's last bit
    return c, np.where(alive, np.exp(log_q), 0.0)


def tree_budgets(economy, weights, depth: int, tree=None) -> np.ndarray:
    """``sum_t sum_{s^t} q (c^i - y^i)`` per agent at Pareto `weights` (math.fsum)."""
    dates, last, probs = tree if tree is not None else tree_probabilities(economy, depth)
    c, q = planner_on_tree(weights, probs, dates, economy.discount, economy.gamma,
                           economy.aggregate_endowment)
    intercepts = np.asarray(economy.endowment_intercepts, dtype=float)[:, None]
    slopes = np.asarray(economy.endowment_slopes, dtype=float)[:, None]
    terms = q[None, :] * (c - (intercepts + slopes * last[None, :]))
    return np.array([math.fsum(row) for row in terms])


def negishi_weights_direct(economy, depth: int) -> np.ndarray:
    """Weights zeroing every truncated budget, by a root finder on the free weights."""
    from scipy.optimize import root

    tree = tree_probabilities(economy, depth)
    n = len(economy.beliefs)

    def full(free):
        return np.append(free, 1.0 - free.sum())

    def residual(free):
        return tree_budgets(economy, full(free), depth, tree)[:-1]

    start = np.asarray(economy.pareto_weights, dtype=float)[:-1]
    sol = root(residual, start, method="hybr", options={"xtol": 1e-13})
    # hybr reports "no progress" once the budgets are at round-off; judge the residual.
    scale = float(np.abs(tree_budgets(economy, np.full(n, 1.0 / n), depth, tree)).max()) + 1.0
    worst = float(np.max(np.abs(residual(sol.x))))
    if worst > 1e-12 * scale:
        raise RuntimeError(f"direct Negishi root failed: {sol.message} (budget {worst:.3g})")
    return full(sol.x)


def check_negishi_weights_direct(economy, depth: int, compiled_weights, *,
                                 tolerance: float = 1e-9, name=None) -> CheckResult:
    """Compiled event-tree Negishi weights vs the weights solved here from primitives.

    Both are roots of the budgets truncated at `depth`, so they agree up to the
    two root finders' tolerances and float64 sums (``tolerance``); a wrong
    allocation exponent, price or posterior in the compiled route moves the
    root by far more.
    """
    direct = negishi_weights_direct(economy, depth)
    return compare_close(
        name or "blume_easley.negishi_weights_direct",
        "Pareto weights zeroing every budget on the event tree (compiled kernels) = the "
        "same root solved from primitives (Bayes on histories, u'(c) inverted, bisection "
        "for the state price)", direct, np.asarray(compiled_weights, dtype=float),
        atol=tolerance, basis="two root finders at 1e-14 and float64 sums over the tree",
        details={"depth": depth, "gamma": economy.gamma, "agents": len(economy.beliefs)})


def check_budgets_direct(economy, depth: int, compiled_budgets, *, name=None) -> CheckResult:
    """The compiled route's budgets at the economy's weights vs this module's sums."""
    direct = tree_budgets(economy, economy.pareto_weights, depth)
    scale = float(np.max(np.abs(direct))) + 1.0
    return compare_close(
        name or "blume_easley.budgets_direct", "each agent's budget on the event tree "
        "(compiled kernels) = the budget summed from primitives", direct,
        np.asarray(compiled_budgets, dtype=float), atol=1e-10 * scale,
        basis="float64 sums over the tree, relative to the largest budget")

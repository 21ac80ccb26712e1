"""Budget residuals with continuous states, by importance sampling over histories.

Agent ``i``'s budget is ``B_i = sum_t int p_t(s^t) (c^i_t(s^t) - y^i_t(s_t)) ds^t``.
Histories are drawn from the proposal ``q = sum_j w_j pi^j`` — pick agent ``j``
with probability ``w_j`` (the Pareto weights by default), then draw the whole
history from agent ``j``'s law (a learner: a model from its prior, then iid
draws from that model).  Its density on the first ``t + 1`` draws is
``q_t(s^t) = sum_j w_j pi^j_t(s^t)``, so

    B_i = E_q[ sum_{t < H} p_t(s^t) / q_t(s^t) (c^i_t - y^i_t) ] + tail,

estimated by the mean over independent histories with its standard error.
With log utility and ``w = lambda`` the weight ``p_t / q_t = delta^t / Y`` is
constant, which makes the estimator efficient where it matters (the Negishi
check); for other gamma the weight is bounded by the power-mean inequality.
Prices and allocations come from the generated kernels, as in
:mod:`foresight.numerics.blume_easley`.

Examples
--------
>>> from foresight.derivations.distributions import Beta
>>> from foresight.numerics.blume_easley import lecture_economy
>>> r = budget_residuals(lecture_economy(Beta(1, 1), Beta(3, 1.2)), 2000, 30, seed=0)
>>> r.total.shape, bool((r.total_standard_error > 0).all())
((2,), True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foresight.derivations.economy import ExchangeEconomy
from foresight.errors import ParameterError, require_positive_int, require_probability_vector
from foresight.numerics.blume_easley import _draw, _fill_blocks, _tables, simulate_on_states
from foresight.numerics.event_tree import tail_bound

__all__ = ["BudgetResiduals", "budget_residuals"]


@dataclass(frozen=True)
class BudgetResiduals:
    """Importance-sampling estimate of every agent's budget.

    Attributes
    ----------
    total : ndarray (n_agents,)
        Estimated ``sum_{t < horizon} E[p_t (c^i_t - y^i_t)]`` (integrals over histories).
    total_standard_error : ndarray (n_agents,)
        Standard error of `total` (sample s.d. over histories / sqrt(n)).
    per_date : ndarray (horizon, n_agents)
        The estimate by date.
    tail_bound : float
        Bound on the dates after the horizon (as in
        :func:`foresight.numerics.event_tree.tail_bound`).
    n_histories, horizon : int
    """

    total: np.ndarray
    total_standard_error: np.ndarray
    per_date: np.ndarray
    tail_bound: float
    n_histories: int
    horizon: int


def budget_residuals(economy: ExchangeEconomy, n_histories: int, horizon: int, seed, *,
                     proposal_weights=None) -> BudgetResiduals:
    """Estimate every agent's budget residual by importance sampling of histories.

    Parameters
    ----------
    economy : ExchangeEconomy
        Beta / Mixture beliefs (fixed or learning; DiscreteStates also work).
    n_histories : int
        Independent histories (>= 2).
    horizon : int
        Dates ``0 .. horizon - 1`` are summed; the rest is bounded by ``tail_bound``.
    seed : int or numpy.random.SeedSequence
        Block ``b`` of histories draws from ``path_rng(seed, b)``.
    proposal_weights : sequence of float, optional
        Probabilities ``w_j`` of drawing a history from agent ``j``'s law;
        default the Pareto weights.

    Returns
    -------
    BudgetResiduals
    """
    if not isinstance(economy, ExchangeEconomy):
        raise ParameterError("economy", type(economy).__name__, "an ExchangeEconomy")
    n_histories = require_positive_int("n_histories", n_histories)
    if n_histories < 2:
        raise ParameterError("n_histories", n_histories, "integers >= 2 (for a standard error)")
    horizon = require_positive_int("horizon", horizon)
    n = economy.n_agents
    w = economy.pareto_weights if proposal_weights is None else proposal_weights
    w = require_probability_vector("proposal_weights", w)
    if len(w) != n:
        raise ParameterError("proposal_weights", w, f"{n} probabilities (one per agent)")
    from foresight.numerics.montecarlo import _Seed

    _Seed.parse(seed)
    _tables(economy)  # rejects unsupported beliefs before any drawing
    # Each history: an agent j ~ w, a model from j's prior, then iid draws.
    choices = []  # (probability, model)
    for j, belief in enumerate(economy.beliefs):
        for m, prior in zip(belief.models, belief.prior, strict=True):
            if w[j] * prior > 0:
                choices.append((w[j] * prior, m))
    probs = np.array([p for p, _ in choices])
    cum = np.cumsum(probs / probs.sum())

    def fill(rng, rows):
        pick = np.minimum(np.searchsorted(cum, rng.random(rows.shape[0]), side="right"),
                          len(choices) - 1)
        for k, (_, model) in enumerate(choices):
            idx = np.flatnonzero(pick == k)
            if idx.size:
                rows[idx] = _draw(model, rng, (idx.size, rows.shape[1]))

    states = np.empty((n_histories, horizon))
    _fill_blocks(states, seed, 0, fill)
    # The simulator gives each agent's joint density of the history and the state
    # price on the same draws; the history's proposal density is the w-mixture of
    # the agents' joint densities.
    sim = simulate_on_states(economy, states,
                             outputs=("shares", "log_joint_density", "log_prices"))
    with np.errstate(divide="ignore"):
        log_proposal = np.log(np.asarray(w, dtype=float))
    log_q = _logsumexp_last(log_proposal + sim.log_joint_density)
    weight = np.exp(sim.log_prices - log_q)
    endowment = (np.asarray(economy.endowment_intercepts, float)
                 + np.asarray(economy.endowment_slopes, float) * states[..., None])
    per_date = weight[..., None] * (economy.aggregate_endowment * sim.shares - endowment)
    per_history = per_date.sum(axis=1)
    total = per_history.mean(axis=0)
    se = per_history.std(axis=0, ddof=1) / math.sqrt(n_histories)
    return BudgetResiduals(
        total=total, total_standard_error=se, per_date=per_date.mean(axis=0),
        tail_bound=tail_bound(economy, horizon - 1), n_histories=n_histories, horizon=horizon,
    )


def _logsumexp_last(values: np.ndarray) -> np.ndarray:
    """``log sum exp`` over the last axis, stable for entries of -inf."""
    top = values.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return (top + np.log(np.exp(values - top).sum(axis=-1, keepdims=True)))[..., 0]

"""A researcher's toy Blume-Easley solver (correct), for docs/examples/test_my_solver.py.

Plain numpy; it reads the economy objects foresight passes but computes
everything itself, as your own solver would.
"""

import math

import numpy as np


def allocation(pareto_weights, densities, gamma, aggregate_endowment):
    """Planner's allocation: c_i proportional to (lambda_i pi^i)^(1/gamma), in log space."""
    z = (np.log(pareto_weights)[None, :] + np.log(densities)) / gamma
    z -= z.max(axis=1, keepdims=True)
    w = np.exp(z)
    return aggregate_endowment * w / w.sum(axis=1, keepdims=True)


def _log_beta_density(model, s):
    a, b = model.a, model.b
    log_b = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return (a - 1) * np.log(s) + (b - 1) * np.log1p(-s) - log_b


def _logsumexp(x, axis=0):
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.sum(np.exp(x - m), axis=axis))


def simulate_shares(economy, states, update_first=False):
    """Agent 1's consumption share on every path and date, (N, T).

    Each agent's density of s_t is its posterior mixture formed from
    s_0..s_{t-1}; then it updates on s_t (``update_first=True`` is the bug).
    """
    lam, gamma = economy.pareto_weights[0], economy.gamma
    log_l = np.zeros(states.shape[0])
    shares = np.empty(states.shape)
    log_w = [np.log(np.maximum(np.array(b.prior), 1e-300))[:, None]
             + np.zeros((1, states.shape[0])) for b in economy.beliefs]
    for t in range(states.shape[1]):
        s = states[:, t]
        step = []
        for i, belief in enumerate(economy.beliefs):
            logf = np.stack([_log_beta_density(m, s) for m in belief.models])
            if update_first:
                log_w[i] = log_w[i] + logf
            # log of sum_k post_k f_k(s_t), post from the current weights
            step.append(_logsumexp(log_w[i] + logf) - _logsumexp(log_w[i]))
            if not update_first:
                log_w[i] = log_w[i] + logf
        log_l += step[0] - step[1]
        shares[:, t] = 1.0 / (1.0 + np.exp(((math.log(1 - lam) - math.log(lam)) - log_l) / gamma))
    return shares


def prices(economy, t, histories):
    """p_t(s^t) = delta^t (sum_j (lambda_j pi^j_t(s^t))^(1/gamma))^gamma (discrete states)."""
    g = economy.gamma
    total = np.zeros(histories.shape[0])
    for lam, belief in zip(economy.pareto_weights, economy.beliefs, strict=True):
        total += (lam * _joint(belief, histories)) ** (1 / g)
    return economy.discount ** t * total ** g


def _joint(belief, histories):
    out = np.zeros(histories.shape[0])
    for w, model in zip(belief.prior, belief.models, strict=True):
        p = np.ones(histories.shape[0])
        for value, prob in zip(model.values, model.probs, strict=True):
            p *= prob ** np.sum(histories == value, axis=1)
        out += w * p
    return out

"""Plausible mistakes planted in ``my_be_solver`` (each one must be caught by a regression check).

Run ``FORESIGHT_EXAMPLE_BUG=<name> pytest docs/examples/test_my_be_solver.py`` to see
which assertion catches which bug; ``BUGS`` lists them.
"""

import math

import my_be_solver as ok
import numpy as np


def allocation_forgets_one_over_gamma(pareto_weights, densities, gamma, endowment):
    return ok.allocation(pareto_weights, densities, 1.0, endowment)


def simulate_products_without_logs(sequences, f_belief, g_belief, lam, gamma=1.0):
    """pi^1 and pi^2 as running products: fine for short samples, 0/0 for long ones."""
    pi_1 = np.cumprod(f_belief(sequences), axis=1)
    pi_2 = np.cumprod(g_belief(sequences), axis=1)
    w1, w2 = (lam * pi_1) ** (1 / gamma), ((1 - lam) * pi_2) ** (1 / gamma)
    with np.errstate(all="ignore"):
        return np.log(pi_1 / pi_2), w1 / (w1 + w2)


def simulate_ratio_product(sequences, f_belief, g_belief, lam, gamma=1.0):
    """The lecture's l_t = cumprod(f/g) and c1 = lam l / (lam l + 1 - lam): inf/inf at long T."""
    with np.errstate(all="ignore"):
        l_t = np.cumprod(f_belief(sequences) / g_belief(sequences), axis=1)
        w1, w2 = (lam * l_t) ** (1 / gamma), (1 - lam) ** (1 / gamma)
        return np.log(l_t), w1 / (w1 + w2)


def simulate_transposed(sequences, f_belief, g_belief, lam, gamma=1.0):
    """Returns (T, N) instead of (N, T)."""
    log_l, c1 = ok.simulate_blume_easley(sequences, f_belief, g_belief, lam, gamma)
    return log_l.T, c1.T


def simulate_learning_updates_first(sequences, models, prior_1, prior_2, lam, gamma=1.0):
    """Prices s_t with the posterior that already includes s_t."""
    from scipy.special import logsumexp

    log_f = np.stack([np.log(m(sequences)) for m in models])
    cum = np.cumsum(log_f, axis=2)
    steps = []
    for p in (prior_1, prior_2):
        lw = np.log(np.asarray(p))[:, None, None] + cum
        post = lw - logsumexp(lw, axis=0)
        steps.append(logsumexp(post + log_f, axis=0))
    log_l = np.cumsum(steps[0] - steps[1], axis=1)
    return log_l, ok.share(log_l, lam, gamma)


def simulate_learning_products(sequences, models, prior_1, prior_2, lam, gamma=1.0):
    """Bayes' law with likelihoods L_k = prod f_k(s) (no logs): 0/0 once they underflow."""
    lik = np.cumprod(np.stack([m(sequences) for m in models]), axis=2)  # (K, N, T)
    with np.errstate(all="ignore"):
        joint = [np.tensordot(np.asarray(p), lik, axes=1) for p in (prior_1, prior_2)]
        l_t = joint[0] / joint[1]
        w1, w2 = (lam * l_t) ** (1 / gamma), (1 - lam) ** (1 / gamma)
        return np.log(l_t), w1 / (w1 + w2)


def prices_forget_discounting(economy, t, histories):
    return ok.prices(economy, 0, histories)


def prices_log_formula_for_crra(economy, t, histories):
    """delta^t sum_j lambda_j pi^j: right for log utility only."""
    z = [math.log(lam) + ok.log_joint_density(b, histories)
         for lam, b in zip(economy.pareto_weights, economy.beliefs, strict=True)]
    return np.exp(t * math.log(economy.discount)) * np.exp(z).sum(axis=0)


def prices_agent_one_only(economy, t, histories):
    return economy.discount ** t * np.exp(ok.log_joint_density(economy.beliefs[0], histories))


BUGS = {
    "allocation_forgets_one_over_gamma": ("allocation", allocation_forgets_one_over_gamma),
    "simulate_products_without_logs": ("simulate", simulate_products_without_logs),
    "simulate_ratio_product": ("simulate", simulate_ratio_product),
    "simulate_transposed": ("simulate", simulate_transposed),
    "simulate_learning_updates_first": ("learning", simulate_learning_updates_first),
    "simulate_learning_products": ("learning", simulate_learning_products),
    "prices_forget_discounting": ("prices", prices_forget_discounting),
    "prices_log_formula_for_crra": ("prices", prices_log_formula_for_crra),
    "prices_agent_one_only": ("prices", prices_agent_one_only),
}

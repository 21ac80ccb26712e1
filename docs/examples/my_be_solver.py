"""An economist's own Blume-Easley solver, written the way the lecture writes it.

It is *not* foresight's code and does not use foresight's conventions: the
simulator takes ``(sequences, f_belief, g_belief, lam)`` like the lecture's
``simulate_blume_easley`` and returns ``(log_l, c1)``; the learning simulator
takes the candidate models and the two priors.  ``docs/regression.md`` and
``docs/examples/test_my_be_solver.py`` show how it is tested against the
derived theory with foresight's adapters.  ``my_be_solver_bugs.py`` plants
plausible mistakes in it.
"""

import math

import numpy as np
from scipy import stats
from scipy.special import logsumexp


def allocation(pareto_weights, densities, gamma, endowment):
    """n agents, CRRA: c_i = Y softmax_i((log lambda_i + log pi^i) / gamma)."""
    z = (np.log(pareto_weights)[None, :] + np.log(densities)) / gamma
    z -= z.max(axis=1, keepdims=True)  # log space: densities span many decades
    w = np.exp(z)
    return endowment * w / w.sum(axis=1, keepdims=True)


def share(log_l, lam, gamma=1.0):
    """Agent 1's share 1 / (1 + ((1 - lam) / (lam l))^(1/gamma)), finite for every log l."""
    x = (math.log(1 - lam) - math.log(lam) - log_l) / gamma
    return 1.0 / (1.0 + np.exp(np.minimum(x, 700.0)))


def simulate_blume_easley(sequences, f_belief, g_belief, lam, gamma=1.0):
    """Fixed beliefs: log l_t = sum_{tau <= t} log f(s_tau) - log g(s_tau); returns (log_l, c1)."""
    log_l = np.cumsum(np.log(f_belief(sequences)) - np.log(g_belief(sequences)), axis=1)
    return log_l, share(log_l, lam, gamma)


def simulate_learning(sequences, models, prior_1, prior_2, lam, gamma=1.0):
    """Both agents learn over the same models; s_t is priced with the posterior from s^{t-1}."""
    log_f = np.stack([np.log(m(sequences)) for m in models])  # (K, N, T)
    cum = np.cumsum(log_f, axis=2)
    log_joint = [logsumexp(np.log(np.asarray(p))[:, None, None] + cum, axis=0)
                 for p in (prior_1, prior_2)]
    log_l = log_joint[0] - log_joint[1]
    return log_l, share(log_l, lam, gamma)


def log_density(model, s):
    """log of a Beta / Mixture / two-point model's density (or probability) at s."""
    if hasattr(model, "probs"):  # finitely many states
        out = np.full(np.shape(s), -np.inf)
        for value, prob in zip(model.values, model.probs, strict=True):
            out = np.where(np.asarray(s) == value, math.log(prob), out)
        return out
    weights, a, b = model.components_arrays()
    return logsumexp([math.log(w) + stats.beta.logpdf(s, ak, bk)
                      for w, ak, bk in zip(weights, a, b, strict=True)], axis=0)


def log_joint_density(belief, histories):
    """log pi^i_t(s^t) of every row of histories: a prior-weighted mixture of products."""
    per_model = [math.log(w) + log_density(m, histories).sum(axis=1)
                 for w, m in zip(belief.prior, belief.models, strict=True) if w > 0]
    return logsumexp(per_model, axis=0)


def prices(economy, t, histories):
    """p_t(s^t) = delta^t (sum_j (lambda_j pi^j_t)^(1/gamma))^gamma, up to a constant."""
    g = economy.gamma
    z = np.stack([(math.log(lam) + log_joint_density(b, histories)) / g
                  for lam, b in zip(economy.pareto_weights, economy.beliefs, strict=True)])
    return np.exp(t * math.log(economy.discount) + g * logsumexp(z, axis=0))

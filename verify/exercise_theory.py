"""Learning theory on given draws: Bayes' law, the share rule, long-run bounds.

The part of the exercise checker that :mod:`foresight.verify.regression` also
uses: the posteriors and the agents' likelihood ratio on the *same* draws a
simulation used (:func:`learning_theory`), the derived allocation rule as a
numpy function (:func:`share_rule`), moments of log-likelihood ratios
(:func:`log_ratio_moments`) and the tolerance of a long-run share check
(:func:`long_run_bound`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import sympy as sp

__all__ = ["learning_theory", "share_rule", "log_ratio_moments", "long_run_bound"]

# z of the per-path CLT band in the long-run bound (see long_run_bound).
_Z_PATH = 3.0


@dataclass
class _Theory:
    posteriors: object  # (agents, models, N, T)
    log_l: object  # (N, T): log pi^1_t / pi^2_t, column 0 = 0
    log_l_updated_first: object  # the same with s_t priced by beliefs that include s_t


def learning_theory(states, models, priors, *, skip_first: bool = True):
    """Bayes' law and the agents' likelihood ratio on the given draws (SciPy densities).

    Parameters
    ----------
    states : ndarray (N, T)
        Draws.  With ``skip_first`` (the lecture's convention) column 0 is not
        used and holds the priors; otherwise column t is the history
        ``s_0..s_t`` (the convention of :mod:`foresight.verify.regression`).
    models : sequence of distributions
        The candidate models (Beta / Mixture).
    priors : sequence of sequence of float
        Each agent's prior over `models`.

    Returns
    -------
    _Theory
        ``posteriors[i, k, n, t]`` (after ``s_1..s_t``; column 0 the prior),
        ``log_l`` (log ratio of the agents' joint densities of ``s_1..s_t``)
        and ``log_l_updated_first`` (what a simulation that updates beliefs
        with ``s_t`` before pricing ``s_t`` computes instead).

    Examples
    --------
    >>> import numpy as np
    >>> from foresight.derivations.distributions import Beta
    >>> s = np.array([[0.5, 0.9, 0.2]])
    >>> th = learning_theory(s, (Beta(2, 1), Beta(1, 2)), ((0.5, 0.5), (0.5, 0.5)))
    >>> np.round(th.posteriors[0, 0, 0], 4).tolist()
    [0.5, 0.9, 0.6923]
    >>> float(np.abs(th.log_l).max())
    0.0
    """
    import numpy as np
    from scipy.special import logsumexp

    from foresight.verify.blume_easley import scipy_logpdf

    states = np.asarray(states, dtype=float)
    n, t = states.shape
    logf = np.zeros((len(models), n, t))
    for k, m in enumerate(models):
        if skip_first:
            logf[k, :, 1:] = scipy_logpdf(m, states[:, 1:])
        else:
            logf[k] = scipy_logpdf(m, states)
    cum = np.cumsum(logf, axis=-1)  # column 0: empty history
    post, log_joint, log_joint_late = [], [], []
    for prior in priors:
        with np.errstate(divide="ignore"):
            lw = np.log(np.asarray(prior, dtype=float))[:, None, None]
        unnorm = lw + cum
        lj = logsumexp(unnorm, axis=0)
        post.append(np.exp(unnorm - lj))
        log_joint.append(lj)
        # Wrong timing: density of s_t from the posterior that already includes s_t.
        late = logsumexp(np.log(np.maximum(post[-1], 1e-300)) + logf, axis=0,
                         b=(post[-1] > 0))
        if skip_first:
            late[:, 0] = 0.0
        log_joint_late.append(np.cumsum(late, axis=-1))
    return _Theory(np.stack(post), log_joint[0] - log_joint[1],
                   log_joint_late[0] - log_joint_late[1])


def share_rule(log_l, lam, gamma: float = 1.0):
    """Agent 1's share from ``log l_t`` by the derived two-agent allocation rule (CRRA).

    The rule is :func:`foresight.derivations.blume_easley.two_agent_allocation`'s
    ``share_stable`` (finite for every ``log l``), lambdified for numpy.

    Examples
    --------
    >>> float(share_rule(0.0, 0.3))
    0.3
    """
    import numpy as np

    rule = _share_rule_function()
    with np.errstate(over="ignore"):
        return rule(np.asarray(log_l, dtype=float), float(lam), float(gamma))


@cache
def _share_rule_function():
    from foresight.derivations import blume_easley as be

    stable = be.two_agent_allocation("symbolic")["share_stable"]
    log_l = sp.Symbol("log_l", real=True)
    expr = sp.powsimp(stable.subs(be.l_sym, sp.exp(log_l)), force=True)
    return sp.lambdify((log_l, be.lam, be.gamma_sym), expr, modules="numpy")


@cache
def log_ratio_moments(nature, p, q) -> tuple[float, float]:
    """Mean and variance of ``log p(s) - log q(s)`` under `nature` (adaptive quadrature).

    The densities come from :func:`foresight.numerics.distributions.log_density_mixture`
    (generated Beta kernel); cached per triple of distributions.

    Examples
    --------
    >>> from foresight.derivations.distributions import Beta
    >>> m, v = log_ratio_moments(Beta(1, 1), Beta(1, 1), Beta(2, 1))
    >>> round(m, 10), round(v, 10)  # E[-log(2 s)] = 1 - log 2; Var[log s] = 1
    (0.3068528194, 1.0)
    """
    from scipy.integrate import quad

    from foresight.numerics.distributions import component_arrays, log_density_mixture

    h, a, b = (component_arrays(d) for d in (nature, p, q))

    def integrand(x, power):
        r = log_density_mixture(x, *a) - log_density_mixture(x, *b)
        return math.exp(log_density_mixture(x, *h)) * r**power

    opts = {"limit": 400, "epsabs": 1e-13, "epsrel": 1e-12}
    mean = quad(integrand, 0.0, 1.0, args=(1,), **opts)[0]
    second = quad(integrand, 0.0, 1.0, args=(2,), **opts)[0]
    return mean, max(second - mean * mean, 0.0)


@cache
def long_run_bound(models: tuple, priors: tuple, lam: float, gamma: float, nature,
                   n_periods: int):
    """Derived a.s. limit of agent 1's share and a bound on |median c_T - limit|.

    Theory (:func:`foresight.derivations.learning.learning_limits`): posteriors
    concentrate on the model ``f*`` closest to nature in KL; with
    ``R_k = L_k / L_*`` (likelihood of model k relative to ``f*``), ``log R_k``
    is a random walk with drift ``-(KL(h||f_k) - KL(h||f*))`` and step s.d.
    ``sigma_k`` (quadrature).

    * both agents put mass ``w_i* > 0`` on ``f*``:
      ``|log l_T - log l_inf| <= sum_i sum_k (w_ik / w_i*) R_k`` and
      ``dc/dlog l <= 1/(4 gamma)``;
    * only agent 1 does:
      ``1 - c_T <= ((1-lambda)/lambda sum_k (w_2k / w_1*) R_k)^(1/gamma)``
      (and symmetrically).

    Each path has ``R_k <= exp(-(T gap_k - 3 sigma_k sqrt(T)))`` for every k
    except with probability ``K Phi(-3)``; by Hoeffding more than half of
    N >= 32 paths satisfy all K bounds except with probability < 1e-6, so the
    median share is within the bound.

    Parameters
    ----------
    models : tuple of distributions
        Every model any agent holds.
    priors : tuple of tuple of float
        Each agent's prior over `models` (0 outside its support).
    lam, gamma : float
        Agent 1's Pareto weight; relative risk aversion.
    nature : distribution
    n_periods : int

    Returns
    -------
    tuple
        ``(limit, bound, basis, reason, kl_to_nature)``; ``limit`` is None
        when the theory gives no almost-sure limit.

    Examples
    --------
    >>> from foresight.derivations.distributions import Beta
    >>> f, g = Beta(1, 1), Beta(3, 1.2)
    >>> limit, bound, *_ = long_run_bound((f, g), ((1.0, 0.0), (0.0, 1.0)), 0.5, 1.0, f, 200)
    >>> limit, bound < 1e-10
    (1.0, True)
    """
    from foresight.derivations.blume_easley import Belief, ExchangeEconomy
    from foresight.derivations.learning import learning_limits

    econ = ExchangeEconomy(tuple(Belief(tuple(models), p) for p in priors), (lam, 1 - lam),
                           gamma=gamma)
    lim = learning_limits(econ, nature=nature)
    if lim.share_limits is None:
        return None, math.inf, "indeterminate limit", lim.reason, lim.kl_to_nature
    limit = lim.share_limits[0]
    overall = min(lim.limiting_divergence)
    star_dist = next(d for k, d in enumerate(models)
                     if abs(lim.kl_to_nature[0][k] - overall) <= 1e-10 * max(1.0, overall))
    r_bar = {}
    for k, d in enumerate(models):
        if d == star_dist:
            continue
        mean, var = log_ratio_moments(nature, d, star_dist)
        r_bar[k] = math.exp(min(-(n_periods * -mean - _Z_PATH * math.sqrt(var * n_periods)),
                                50.0))
    w_star = [sum(p[k] for k in range(len(models)) if models[k] == star_dist) for p in priors]
    if w_star[0] > 0 and w_star[1] > 0:
        bound = 0.25 / gamma * sum(p[k] / w_star[i] * r for i, p in enumerate(priors)
                                   for k, r in r_bar.items())
    elif w_star[0] > 0:
        bound = ((1 - lam) / lam * sum(priors[1][k] / w_star[0] * r
                                       for k, r in r_bar.items())) ** (1 / gamma)
    else:
        bound = (lam / (1 - lam) * sum(priors[0][k] / w_star[1] * r
                                       for k, r in r_bar.items())) ** (1 / gamma)
    bound = float(min(bound, 1.0)) + 1e-12
    basis = (f"|median c_T - limit| <= {bound:.2g}: R_k = L_k/L_* <= exp(-(T KL_k - 3 sigma_k "
             f"sqrt T)) on > half of the paths (CLT + Hoeffding, false alarm < 1e-6), T = "
             f"{n_periods}")
    return float(limit), bound, basis, lim.reason, lim.kl_to_nature

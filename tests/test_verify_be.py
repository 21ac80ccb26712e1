"""Each Blume–Easley check passes on correct input and fails on a wrong one."""

import math

import numpy as np
import pytest
from scipy.stats import beta

from foresight.derivations.distributions import Beta, Mixture
from foresight.verify import blume_easley as vb

F, G = Beta(1, 1), Beta(3, 1.2)


def _draws(n_paths=40, n_periods=60, seed=1):
    return np.random.default_rng(seed).beta(3, 1.2, size=(n_paths, n_periods))


def _log_l(states):
    return np.cumsum(beta.logpdf(states, 1, 1) - beta.logpdf(states, 3, 1.2), axis=1)


def test_log_likelihood_ratio_check():
    s = _draws()
    assert vb.check_log_likelihood_ratio(s, _log_l(s), F, G).passed
    wrong = _log_l(s).copy()
    wrong[:, 1:] = wrong[:, :-1]  # off by one period
    assert not vb.check_log_likelihood_ratio(s, wrong, F, G).passed


def test_shares_check_accepts_rule_and_rejects_lecture_typo():
    log_l = _log_l(_draws())
    lam = 0.3
    l = np.exp(log_l)
    good = lam * l / (1 - lam + lam * l)
    assert vb.check_shares_vs_allocation_rule(log_l, good, lam).passed
    swapped = (1 - lam) * l / (lam + (1 - lam) * l)  # Pareto weights swapped
    result = vb.check_shares_vs_allocation_rule(log_l, swapped, lam)
    assert not result.passed and result.error > 1e-3


def test_shares_check_with_crra():
    log_l = _log_l(_draws())
    lam, g = 0.4, 2.0
    a = (lam * np.exp(log_l)) ** (1 / g)
    good = a / (a + (1 - lam) ** (1 / g))
    assert vb.check_shares_vs_allocation_rule(log_l, good, lam, g).passed
    log_rule = lam * np.exp(log_l) / (1 - lam + lam * np.exp(log_l))  # ignores gamma
    assert not vb.check_shares_vs_allocation_rule(log_l, log_rule, lam, g).passed


def test_prices_check():
    rng = np.random.default_rng(0)
    ljd = rng.normal(-3, 2, size=(5, 8, 2)).cumsum(axis=1)
    lam, delta = (0.5, 0.5), 0.9
    t = np.arange(8)[None, :]
    good = t * np.log(delta) + np.log(0.5 * np.exp(ljd[..., 0]) + 0.5 * np.exp(ljd[..., 1]))
    assert vb.check_prices_vs_formula(ljd, good, lam, 1.0, delta).passed
    undiscounted = good - t * np.log(delta)
    assert not vb.check_prices_vs_formula(ljd, undiscounted, lam, 1.0, delta).passed


def test_drift_check_uses_clt_band():
    h = Mixture((0.5, 0.5), (F, G))
    mean, var = vb.log_ratio_moments(h, F, G)
    rng = np.random.default_rng(5)
    n_paths, n_periods = 400, 200
    sims = rng.normal(mean, math.sqrt(var), size=(n_paths, n_periods)).sum(axis=1)
    assert vb.check_drift_vs_kl_gap(sims, n_periods, mean, var).passed
    assert not vb.check_drift_vs_kl_gap(sims, n_periods, mean + 0.05, var).passed


def test_log_ratio_moments_mean_matches_monte_carlo():
    mean, var = vb.log_ratio_moments(G, F, G)
    x = np.random.default_rng(2).beta(3, 1.2, size=400_000)
    r = beta.logpdf(x, 1, 1) - beta.logpdf(x, 3, 1.2)
    assert mean == pytest.approx(r.mean(), abs=5 * r.std() / math.sqrt(x.size))
    assert var == pytest.approx(r.var(), rel=0.02)


def test_survivor_check():
    assert vb.check_survivor_vs_kl(np.full(10, 0.99), 0.1, 0.3).passed
    assert not vb.check_survivor_vs_kl(np.full(10, 0.01), 0.1, 0.3).passed


def test_long_run_tolerance_shrinks_with_t():
    a = vb.long_run_tolerance(100, 0.1, 0.5, 0.25)
    b = vb.long_run_tolerance(1000, 0.1, 0.5, 0.25)
    assert b < a and b < 1e-10
    assert vb.check_long_run_shares(np.full(5, 0.3), 0.3, b, "test").passed
    assert not vb.check_long_run_shares(np.full(5, 0.31), 0.3, b, "test").passed


def test_chain_rule_check():
    from scipy.special import logsumexp

    from foresight.derivations.blume_easley import Belief

    s = _draws(5, 30)
    belief = Belief((F, G), (0.3, 0.7))
    # Predictive chain computed the slow way: prior-weighted posterior at each t.
    lf, lg = beta.logpdf(s, 1, 1), beta.logpdf(s, 3, 1.2)
    logpost = np.log(np.array([0.3, 0.7]))[:, None] * np.ones((2, s.shape[0]))
    chain = np.zeros_like(s)
    total = np.zeros(s.shape[0])
    for t in range(s.shape[1]):
        dens = np.stack([lf[:, t], lg[:, t]])
        pred = logsumexp(logpost + dens, axis=0)
        total += pred
        chain[:, t] = total
        logpost = logpost + dens - pred
    assert vb.check_joint_density_chain_rule(s, chain, belief).passed
    # Lecture timing (posterior updated with s_t before pricing s_t) is caught.
    logpost = np.log(np.array([0.3, 0.7]))[:, None] * np.ones((2, s.shape[0]))
    wrong = np.zeros_like(s)
    total = np.zeros(s.shape[0])
    for t in range(s.shape[1]):
        dens = np.stack([lf[:, t], lg[:, t]])
        logpost = logpost + dens - logsumexp(logpost + dens, axis=0)
        total += logsumexp(logpost + dens, axis=0)
        wrong[:, t] = total
    assert not vb.check_joint_density_chain_rule(s, wrong, belief).passed


def test_budget_checks():
    assert vb.check_budgets_balance([1e-9, -1e-9], 1e-8).passed
    assert not vb.check_budgets_balance([1e-3, -1e-3], 1e-8).passed
    assert vb.check_budget_monte_carlo([0.001, -0.001], [0.01, 0.01]).passed
    assert not vb.check_budget_monte_carlo([0.1, -0.1], [0.01, 0.01]).passed

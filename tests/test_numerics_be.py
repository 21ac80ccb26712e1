"""Blume–Easley numerics: simulator, event trees, importance-sampled budgets.

Every expected value here is computed by another route (SciPy densities,
formulas written out in the test, brute-force loops), never read back from the
simulator.
"""

import math

import numba
import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import beta as beta_dist

from foresight.derivations.blume_easley import (
    Belief,
    DiscreteStates,
    ExchangeEconomy,
    fixed_belief,
    negishi_weight_closed_form,
)
from foresight.derivations.distributions import Beta, Mixture
from foresight.errors import ParameterError
from foresight.numerics import blume_easley as nb
from foresight.numerics.budget import budget_residuals
from foresight.numerics.event_tree import budgets, negishi_weights_numeric
from foresight.numerics.montecarlo import path_rng

F, G = Beta(1, 1), Beta(3, 1.2)
H = Mixture((0.5, 0.5), (F, G))
ALL = nb.OUTPUTS


def logpdf(dist, x):
    """SciPy log density of a Beta or a Beta mixture (the independent route)."""
    w, a, b = dist.components_arrays()
    return logsumexp(np.stack([np.log(wk) + beta_dist.logpdf(x, ak, bk)
                               for wk, ak, bk in zip(w, a, b, strict=True)]), axis=0)


def planner_shares(log_joint, weights, gamma):
    """c_i / Y = (lambda_i pi_i)^(1/gamma) / sum_j (lambda_j pi_j)^(1/gamma), in logs."""
    z = (np.log(np.asarray(weights)) + log_joint) / gamma
    return np.exp(z - logsumexp(z, axis=-1, keepdims=True))


# --------------------------------------------------------------------------- simulator


def test_lecture_log_likelihood_ratio_and_shares_against_scipy():
    econ = nb.lecture_economy(F, G, pareto_weight=0.3)
    sim = nb.simulate(econ, H, 40, 60, seed=11, outputs=ALL)
    expected = np.cumsum(logpdf(F, sim.states) - logpdf(G, sim.states), axis=1)
    np.testing.assert_allclose(sim.log_likelihood_ratio, expected, rtol=0, atol=1e-11)
    lam, ell = 0.3, np.exp(expected)
    np.testing.assert_allclose(sim.shares[..., 0], lam * ell / (1 - lam + lam * ell), atol=1e-13)
    np.testing.assert_allclose(sim.shares.sum(axis=-1), 1.0, atol=1e-15)
    joint = np.stack([np.cumsum(logpdf(d, sim.states), axis=1) for d in (F, G)], axis=-1)
    np.testing.assert_allclose(sim.log_joint_density, joint, atol=1e-11)
    np.testing.assert_array_equal(sim.posteriors, 1.0)


@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_crra_n_agents_shares_and_prices(gamma):
    beliefs = (fixed_belief(F), fixed_belief(G), fixed_belief(Mixture((0.3, 0.7), (F, G))))
    econ = ExchangeEconomy(beliefs, (0.2, 0.5, 0.3), gamma=gamma, discount=0.95,
                           endowment_intercepts=(0.0, 1.0, 1.0),
                           endowment_slopes=(1.0, -0.5, -0.5))
    sim = nb.simulate(econ, Beta(2, 1.5), 30, 50, seed=5, outputs=ALL)
    joint = np.stack([np.cumsum(logpdf(d.models[0], sim.states), axis=1) for d in beliefs], -1)
    np.testing.assert_allclose(sim.log_joint_density, joint, atol=1e-11)
    np.testing.assert_allclose(sim.shares, planner_shares(joint, econ.pareto_weights, gamma),
                               atol=1e-13)
    # p_t = delta^t (sum_j (lambda_j pi_j)^(1/gamma))^gamma / Y^gamma
    z = (np.log(econ.pareto_weights) + joint) / gamma
    t = np.arange(50)[None, :]
    log_p = t * math.log(0.95) + gamma * logsumexp(z, axis=-1) - gamma * math.log(2.0)
    np.testing.assert_allclose(sim.log_prices, log_p, rtol=1e-12, atol=1e-12)


def test_learning_timing_posterior_from_previous_date_prices_today():
    f, g, h = Beta(1.5, 1), Beta(1, 1.5), Beta(1.2, 1.1)
    econ = ExchangeEconomy((Belief((f, g, h), (0.5, 0.5, 0.0)),
                            Belief((f, g, h), (0.2, 0.3, 0.5))), (0.4, 0.6))
    sim = nb.simulate(econ, h, 25, 30, seed=2, outputs=ALL)
    dens = np.stack([np.exp(logpdf(m, sim.states)) for m in (f, g, h)], axis=-1)  # (N,T,3)
    for i, prior in enumerate(((0.5, 0.5, 0.0), (0.2, 0.3, 0.5))):
        post = sim.posteriors[:, :, i, :]
        # date 0 is priced with the prior, date t with the posterior after s_{t-1}
        before = np.concatenate([np.broadcast_to(prior, (25, 1, 3)), post[:, :-1]], axis=1)
        predictive = np.log((before * dens).sum(axis=-1))
        np.testing.assert_allclose(np.diff(sim.log_joint_density[..., i], prepend=0.0, axis=1),
                                   predictive, atol=1e-12)
        # posterior after s^t is prior x likelihood, normalised (batch route)
        with np.errstate(divide="ignore"):
            batch = np.log(prior) + np.cumsum(np.log(dens), axis=1)
        np.testing.assert_allclose(post, np.exp(batch - logsumexp(batch, -1, keepdims=True)),
                                   atol=1e-12)
    # the lecture's timing (posterior updated with s_t before pricing s_t) differs
    wrong = np.log((post * dens).sum(axis=-1))
    assert np.abs(np.diff(sim.log_joint_density[..., 1], prepend=0.0, axis=1) - wrong).max() > 1e-3
    assert sim.posteriors[:, :, 0, 2].max() == 0.0  # zero prior stays zero


def test_results_do_not_depend_on_numba_threads_and_seed_streams():
    econ = ExchangeEconomy((Belief((F, G), (0.3, 0.7)), fixed_belief(G)), (0.5, 0.5))
    default = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = nb.simulate(econ, H, 600, 20, seed=9, outputs=ALL)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = nb.simulate(econ, H, 600, 20, seed=9, outputs=ALL)
    finally:
        numba.set_num_threads(default)
    for name in ("states", *ALL):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    # a full block of PATHS_PER_STREAM paths has its own stream: same draws for any N
    np.testing.assert_array_equal(nb.sample_states(H, 300, 20, 9)[:256], one.states[:256])
    # block 1 of Beta(3, 1.2) draws: X / (X + Y), gammas from path_rng(seed, 1)
    rng = path_rng(9, 1)
    x, y = rng.standard_gamma(3.0, (256, 20)), rng.standard_gamma(1.2, (256, 20))
    np.testing.assert_array_equal(nb.sample_states(G, 600, 20, 9)[256:512], x / (x + y))
    assert not np.array_equal(nb.sample_states(H, 600, 20, 10), one.states)
    np.testing.assert_array_equal(nb.sample_states(H, 600, 20, 9), one.states)


def test_long_horizon_stays_finite_and_drift_matches_kl():
    from scipy.integrate import quad

    from foresight.numerics.distributions import kl_closed_form_float

    n_periods = 10**6
    sim = nb.simulate(nb.lecture_economy(F, G), F, 2, n_periods, seed=1,
                      outputs=("shares", "log_likelihood_ratio"))
    assert np.isfinite(sim.shares).all() and np.isfinite(sim.log_likelihood_ratio).all()
    assert sim.shares.min() >= 0.0 and sim.shares.max() <= 1.0
    assert sim.shares[:, -1, 0].min() == 1.0 and 0.0 <= sim.shares[:, -1, 1].max() < 1e-300
    gap = kl_closed_form_float(F, G)
    second = quad(lambda x: (beta_dist.logpdf(x, 1, 1) - beta_dist.logpdf(x, 3, 1.2)) ** 2,
                  0, 1, limit=200)[0]
    se = math.sqrt((second - gap**2) / (2 * n_periods))
    drift = sim.log_likelihood_ratio[:, -1].mean() / n_periods
    assert abs(drift - gap) < 4.9 * se


def test_discrete_states_simulation_and_zero_probability_error():
    a = DiscreteStates((0.2, 0.9), (0.6, 0.4))
    b = DiscreteStates((0.2, 0.5, 0.9), (0.3, 0.2, 0.5))
    econ = ExchangeEconomy((fixed_belief(a), fixed_belief(b)), (0.5, 0.5))
    sim = nb.simulate(econ, DiscreteStates((0.2, 0.9), (0.5, 0.5)), 10, 40, seed=4,
                      outputs=("shares", "log_likelihood_ratio"))
    step = np.where(sim.states == 0.2, math.log(0.6 / 0.3), math.log(0.4 / 0.5))
    np.testing.assert_allclose(sim.log_likelihood_ratio, np.cumsum(step, axis=1), atol=1e-12)
    # nature draws 0.5, which agent 1 excludes: l_t = 0 exactly, agent 1's share 0
    sim = nb.simulate(econ, b, 20, 30, seed=4, outputs=("shares", "log_likelihood_ratio"))
    hit = (sim.states == 0.5).cumsum(axis=1) > 0
    assert np.all(sim.log_likelihood_ratio[hit] == -np.inf) and np.all(sim.shares[hit][:, 0] == 0)
    c = DiscreteStates((0.5, 0.9), (0.5, 0.5))  # excludes 0.2, agent 1 excludes 0.5
    with pytest.raises(nb.SimulationError, match="probability zero"):
        nb.simulate(ExchangeEconomy((fixed_belief(a), fixed_belief(c)), (0.5, 0.5)), b, 20, 30,
                    seed=4)
    with pytest.raises(ParameterError, match="s = 0.5"):  # no agent has the state at all
        nb.simulate(ExchangeEconomy((fixed_belief(a), fixed_belief(a)), (0.5, 0.5)), b, 20, 30,
                    seed=4)


def test_boundary_draws_raise_instead_of_nan():
    with pytest.raises(nb.SimulationError, match="boundary"):
        nb.simulate(nb.lecture_economy(F, G), Beta(0.005, 0.005), 4, 200, seed=0)


@pytest.mark.parametrize("call,name", [
    (lambda e: nb.simulate(e, H, 0, 10, seed=0), "n_paths"),
    (lambda e: nb.simulate(e, H, 10, 0, seed=0), "n_periods"),
    (lambda e: nb.simulate(e, H, 10, 2.5, seed=0), "n_periods"),
    (lambda e: nb.simulate(e, H, 10, 10, seed=None), "seed"),
    (lambda e: nb.simulate(e, H, 10, 10, seed=-1), "seed"),
    (lambda e: nb.simulate(e, H, 10, 10, seed=0, outputs=("share",)), "outputs"),
    (lambda e: nb.simulate(e, DiscreteStates((0.5,), (1.0,)), 10, 10, seed=0), "nature"),
    (lambda e: nb.simulate("economy", H, 10, 10, seed=0), "economy"),
    (lambda e: nb.simulate(e, "gamma(1,1)", 10, 10, seed=0), None),
    (lambda e: nb.lecture_economy(F, G, pareto_weight=1.0), "pareto_weight"),
    (lambda e: nb.simulate(e, H, 10**6, 10**4, seed=0, outputs=ALL), "n_paths x n_periods"),
    (lambda e: nb.simulate(e, H, 10, 10, seed=0, kernel="fast"), "kernel"),
    (lambda e: nb.simulate_on_states(e, np.full((2, 2), 0.5), kernel=None), "kernel"),
])
def test_validation_errors_name_the_parameter(call, name):
    econ = nb.lecture_economy(F, G)
    with pytest.raises((ParameterError, ValueError)) as info:
        call(econ)
    if name is not None:
        assert isinstance(info.value, ParameterError) and info.value.name.startswith(name)


def test_misspelt_output_suggests_the_name():
    with pytest.raises(ParameterError, match="shares"):
        nb.simulate(nb.lecture_economy(F, G), H, 2, 2, seed=0, outputs=("shraes",))


# --------------------------------------------------------------------------- event trees


def _discrete_economy(weights=(0.5, 0.5), gamma=1.0):
    a = DiscreteStates((0.2, 0.9), (0.6, 0.4))
    b = DiscreteStates((0.2, 0.9), (0.3, 0.7))
    return ExchangeEconomy((fixed_belief(a), fixed_belief(b)), weights, gamma=gamma,
                           discount=0.5)


def brute_force_budget(econ, depth):
    """Budgets by enumerating histories in Python (independent of the kernel)."""
    import itertools

    grid = sorted({v for bl in econ.beliefs for m in bl.models for v in m.values})
    total = np.zeros(econ.n_agents)
    for t in range(depth + 1):
        for hist in itertools.product(grid, repeat=t + 1):
            pis = []
            for bl in econ.beliefs:
                pis.append(sum(w * math.prod(dict(zip(m.values, m.probs, strict=True)).get(s, 0.0)
                                             for s in hist)
                               for m, w in zip(bl.models, bl.prior, strict=True)))
            x = [(lam * p) ** (1 / econ.gamma)
                 for lam, p in zip(econ.pareto_weights, pis, strict=True)]
            price = econ.discount**t * sum(x) ** econ.gamma / econ.aggregate_endowment**econ.gamma
            for i in range(econ.n_agents):
                c = econ.aggregate_endowment * x[i] / sum(x)
                y = econ.endowment_intercepts[i] + econ.endowment_slopes[i] * hist[-1]
                total[i] += price * (c - y)
    return total


@pytest.mark.parametrize("gamma", [1.0, 2.0])
def test_event_tree_budgets_match_brute_force(gamma):
    econ = _discrete_economy((0.3, 0.7), gamma)
    np.testing.assert_allclose(budgets(econ, 6).values, brute_force_budget(econ, 6), atol=1e-14)


def test_event_tree_negishi_matches_closed_form_two_and_three_agents():
    econ = _discrete_economy()
    closed = negishi_weight_closed_form(econ)
    numeric = negishi_weights_numeric(econ, 12)
    assert numeric.tolerance < 1e-3
    np.testing.assert_allclose(numeric.weights, closed, atol=numeric.tolerance)
    np.testing.assert_allclose(numeric.weights, closed, atol=1e-12)  # truncation-free for log
    at = budgets(_discrete_economy(closed), 12)
    assert np.abs(at.values).max() <= at.tail_bound
    off = budgets(_discrete_economy((0.5, 0.5)), 12)
    assert np.abs(off.values).max() > 100 * off.tail_bound
    a, b = econ.beliefs[0].models[0], econ.beliefs[1].models[0]
    c = DiscreteStates((0.2, 0.9), (0.5, 0.5))
    three = ExchangeEconomy((fixed_belief(a), fixed_belief(b), Belief((a, c), (0.5, 0.5))),
                            (0.3, 0.3, 0.4), discount=0.5, endowment_intercepts=(0, 0.5, 0.5),
                            endowment_slopes=(1, -0.5, -0.5))
    np.testing.assert_allclose(negishi_weights_numeric(three, 8).weights,
                               negishi_weight_closed_form(three), atol=1e-10)


def test_event_tree_crra_weights_balance_budgets_and_differ_from_log():
    econ = _discrete_economy(gamma=2.0)
    w = negishi_weights_numeric(econ, 12)
    assert np.abs(budgets(_discrete_economy(w.weights, 2.0), 12).values).max() < 1e-12
    assert abs(w.weights[0] - negishi_weight_closed_form(_discrete_economy())[0]) > 1e-3


def test_event_tree_validation():
    with pytest.raises(ParameterError, match="DiscreteStates"):
        budgets(nb.lecture_economy(F, G), 3)
    with pytest.raises(ParameterError, match="depth"):
        budgets(_discrete_economy(), 40)
    with pytest.raises(ParameterError, match="depth"):
        budgets(_discrete_economy(), -1)


# --------------------------------------------------------------------------- budgets (IS)


def test_importance_sampled_budgets_zero_at_negishi_and_not_elsewhere():
    base = ExchangeEconomy((fixed_belief(F), fixed_belief(G)), (0.5, 0.5), discount=0.8)
    w = negishi_weight_closed_form(base)
    at = budget_residuals(ExchangeEconomy(base.beliefs, w, discount=0.8), 4000, 40, seed=3)
    assert np.all(np.abs(at.total) < 4.9 * at.total_standard_error)
    np.testing.assert_allclose(at.total.sum(), 0.0, atol=1e-12)  # budgets sum to zero
    off = budget_residuals(base, 4000, 40, seed=3)
    assert np.all(np.abs(off.total) > 10 * off.total_standard_error)


def test_importance_sampled_budgets_match_event_tree_for_discrete_states():
    econ = _discrete_economy((0.3, 0.7))
    exact = budgets(econ, 9).values
    mc = budget_residuals(econ, 20000, 10, seed=1)
    assert np.all(np.abs(mc.total - exact) < 4.9 * mc.total_standard_error + 1e-12)


def test_budget_residuals_validation():
    econ = nb.lecture_economy(F, G)
    with pytest.raises(ParameterError, match="n_histories"):
        budget_residuals(econ, 1, 10, seed=0)
    with pytest.raises(ParameterError, match="horizon"):
        budget_residuals(econ, 10, 0, seed=0)
    with pytest.raises(ParameterError, match="proposal_weights"):
        budget_residuals(econ, 10, 5, seed=0, proposal_weights=(1.0,))


def test_fast_paths_equal_the_general_kernel():
    """Fixed beliefs take specialised kernels; as learners with prior (1, 0) they do not."""
    states = nb.sample_states(H, 40, 30, seed=8)
    fixed = nb.lecture_economy(F, G, pareto_weight=0.4)
    # prior zero on a second model: posteriors must still be (1, 0) in the right slot
    pinned = ExchangeEconomy((Belief((G, F), (0.0, 1.0)), Belief((F, G), (0.0, 1.0))), (0.4, 0.6))
    endow = {"endowment_intercepts": (0.0, 0.5, 0.5), "endowment_slopes": (1.0, -0.5, -0.5)}
    three = ExchangeEconomy((fixed_belief(F), fixed_belief(G), fixed_belief(H)), (0.3, 0.3, 0.4),
                            **endow)
    three_learning = ExchangeEconomy(
        (fixed_belief(F), fixed_belief(G), Belief((H, G), (1.0 - 1e-300, 1e-300))),
        (0.3, 0.3, 0.4), **endow)
    a = nb.simulate_on_states(fixed, states, outputs=ALL)  # the split route (NumPy log/exp)
    b = nb.simulate_on_states(pinned, states, outputs=ALL)  # the two-agent learning kernel
    general = nb.simulate_on_states(fixed, states, outputs=ALL, kernel="general")
    np.testing.assert_array_equal(b.posteriors[:, :, 0], np.broadcast_to([0.0, 1.0], (40, 30, 2)))
    np.testing.assert_array_equal(a.posteriors, general.posteriors)
    # three routes (learners' batch Bayes, NumPy log/exp, libm log/exp): equal to rounding
    for other in (a, b):
        np.testing.assert_allclose(other.shares, general.shares, rtol=0, atol=1e-14)
        for name in ("log_likelihood_ratio", "log_joint_density", "log_prices"):
            np.testing.assert_allclose(getattr(other, name), getattr(general, name), rtol=0,
                                       atol=1e-12)
    c = nb.simulate_on_states(three, states, outputs=ALL)
    d = nb.simulate_on_states(three_learning, states, outputs=ALL)  # general kernel
    np.testing.assert_allclose(c.shares, d.shares, atol=1e-14)
    np.testing.assert_allclose(c.log_prices, d.log_prices, atol=1e-12)
    assert np.array_equal(nb.simulate(fixed, H, 40, 30, seed=8, outputs=ALL).shares, a.shares)


# --------------------------------------------------------------------------- two-agent fast path

_F2, _G2, _H2 = Beta(1.5, 1), Beta(1, 1.5), Beta(1.2, 1.1)
_TWO_AGENT_ECONOMIES = {
    # Exercise 23.2: both learn over the same pair (one exponential shared)
    "same pair": ExchangeEconomy((Belief((_F2, _G2), (0.3, 0.7)), Belief((_F2, _G2), (0.7, 0.3))),
                                 (0.5, 0.5)),
    # same pair listed in the other order, CRRA, discount, endowments
    "same pair reversed, crra": ExchangeEconomy(
        (Belief((_F2, _G2), (0.2, 0.8)), Belief((_G2, _F2), (0.6, 0.4))), (0.3, 0.7), gamma=2.0,
        discount=0.9, endowment_intercepts=(0.0, 1.0), endowment_slopes=(1.0, -1.0)),
    # Exercise 23.4: two models against three (prior zero on h dropped for agent 1)
    "two vs three models": ExchangeEconomy(
        (Belief((_F2, _G2, _H2), (0.5, 0.5, 0.0)), Belief((_F2, _G2, _H2), (0.2, 0.3, 0.5))),
        (0.4, 0.6), gamma=0.5),
    "different pairs": ExchangeEconomy(
        (Belief((_F2, _G2), (0.5, 0.5)), Belief((_G2, _H2), (0.9, 0.1))), (0.5, 0.5)),
    "fixed vs learner": ExchangeEconomy((fixed_belief(_H2), Belief((_F2, _G2), (0.4, 0.6))),
                                        (0.5, 0.5), discount=0.95),
}


@pytest.mark.parametrize("name", list(_TWO_AGENT_ECONOMIES))
def test_two_agent_fast_path_equals_the_general_kernel(name, monkeypatch):
    """Learners on single-Beta models take the batch-Bayes kernel; the general kernel
    (predictive chain) on the same draws agrees to rounding.  150 dates span three
    passes of PERIODS_PER_PASS; 37 paths are not a multiple of any block size."""
    econ = _TWO_AGENT_ECONOMIES[name]
    states = nb.sample_states(Mixture((0.5, 0.5), (_F2, _H2)), 37, 150, seed=4)
    calls = []
    fast_kernel = nb._simulate_two_agent_beta_kernel

    def spy(*args):
        calls.append(1)
        return fast_kernel(*args)

    monkeypatch.setattr(nb.kernels, "_simulate_two_agent_beta_kernel", spy)
    fast = nb.simulate_on_states(econ, states, outputs=ALL)
    assert calls, "the two-agent kernel was not used"
    general = nb.simulate_on_states(econ, states, outputs=ALL, kernel="general")
    assert len(calls) == 1
    for key in ("log_likelihood_ratio", "log_joint_density", "log_prices"):
        np.testing.assert_allclose(getattr(fast, key), getattr(general, key), rtol=1e-13,
                                   atol=1e-12)
    np.testing.assert_allclose(fast.shares, general.shares, rtol=0, atol=1e-14)
    np.testing.assert_allclose(fast.posteriors, general.posteriors, rtol=0, atol=1e-13)
    assert np.abs(fast.log_joint_density).max() > 5.0  # histories far from the start
    assert np.ptp(fast.shares[..., 0]) > 0.1  # shares moved
    # without log pi or prices (learners on one pair: log pi^1 - log pi^2 only)
    light = nb.simulate_on_states(econ, states, outputs=("shares", "log_likelihood_ratio"))
    np.testing.assert_allclose(light.log_likelihood_ratio, general.log_likelihood_ratio,
                               rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(light.shares, general.shares, rtol=0, atol=1e-14)


def test_two_agent_fast_path_boundary_draw_raises():
    econ = _TWO_AGENT_ECONOMIES["same pair"]
    states = nb.sample_states(_F2, 5, 100, seed=1)
    states[3, 70] = 1.0  # in the second pass of dates
    with pytest.raises(nb.SimulationError, match="path 3: .*boundary"):
        nb.simulate_on_states(econ, states)
    states[3, 70] = 0.5
    states[4, 0] = 0.0
    with pytest.raises(nb.SimulationError, match="path 4: .*boundary"):
        nb.simulate_on_states(econ, states)


def test_mixture_density_kernels_against_logsumexp():
    from foresight.numerics.generated.blume_easley import (
        log_mixture_density,
        mixture_posterior,
        scaled_likelihood,
    )

    rng = np.random.default_rng(0)
    ell = rng.normal(0, 300, size=3)  # exp(ell) alone would overflow or underflow
    w = np.array([0.2, 0.3, 0.5])
    ref = ell.max()
    rho = np.array([scaled_likelihood(v, ref) for v in ell])
    mix = float(w @ rho)
    exact = logsumexp(ell, b=w)
    assert log_mixture_density(ref, mix) == pytest.approx(exact, rel=1e-15, abs=1e-12)
    post = [mixture_posterior(wk, rk, mix) for wk, rk in zip(w, rho, strict=True)]
    np.testing.assert_allclose(post, np.exp(np.log(w) + ell - exact), atol=1e-15)

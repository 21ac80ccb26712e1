"""Krusell–Smith numerics: EGM, histogram, agents, stationary equilibrium, the ALM loop."""

import numba
import numpy as np
import pytest

from foresight.errors import ConvergenceError, ParameterError
from foresight.numerics.krusell_smith import alm as A
from foresight.numerics.krusell_smith import household as H
from foresight.numerics.krusell_smith import population as pop
from foresight.numerics.krusell_smith.params import KrusellSmithGrids, KrusellSmithParameters

P = KrusellSmithParameters()
SMALL = KrusellSmithGrids.default(asset_points=40, capital_points=7, fine_points=300)
LAW = H.AggregateLawOfMotion((0.0835, 0.0949), (0.9649, 0.9624))


@pytest.fixture(scope="module")
def alm_policy():
    return H.solve_alm_household(P, SMALL, LAW)


def test_stationary_household_policy_is_feasible_monotone_and_refuses_beta_r_ge_1():
    pol = H.solve_stationary_household(P, SMALL, interest=1.008, wage=2.4)
    m, c = pol.cash_on_hand, pol.consumption
    assert np.all(np.diff(m, axis=1) > 0) and np.all(np.diff(c, axis=1) > 0)
    assert np.all(c <= m + 1e-15)  # a' = m - c >= 0: the borrowing limit
    assert np.all(c[1] >= c[0])  # the employed consume more at the same cash on hand
    with pytest.raises(ParameterError, match="interest"):
        H.solve_stationary_household(P, SMALL, interest=1 / P.beta, wage=2.4)
    with pytest.raises(ConvergenceError):
        H.solve_stationary_household(P, SMALL, interest=1.008, wage=2.4, max_iter=3)


def test_node_step_is_the_law_of_motion_step(alm_policy):
    """One tree node with the children's prices and policies = the ALM step at a grid point."""
    z, k, j = 1, 3, 4
    kg = SMALL.capital
    # A law under which (z, K_k) expects K' = K_j exactly: the children are grid curves.
    slope = (0.96, 0.96)
    intercept = [0.0, 0.0]
    intercept[z] = float(np.log(kg[j]) - slope[z] * np.log(kg[k]))
    law = H.AggregateLawOfMotion(tuple(intercept), slope)
    R_next, income, idx, wts, prob, k_next = H.alm_transition_data(
        SMALL.assets, kg, P.productivity, P.labour, P.labour_endowment, P.alpha, P.delta,
        P.transition_matrix, *law.as_arrays())
    assert k_next[z, k] == pytest.approx(kg[j], rel=1e-14)
    m_alm, c_alm = H.egm_step(P, SMALL.assets, prob[z], R_next[z, k], income[z, k],
                              alm_policy.curves, idx[z, k], wts[z, k])
    prices = np.array([P.prices(zn, kg[j]) for zn in range(2)])
    children = (alm_policy.cash_on_hand[:, :, j], alm_policy.consumption[:, :, j])
    m_node, c_node = H.egm_node_step(P, SMALL.assets, z, prices, children)
    np.testing.assert_allclose(c_node, c_alm, rtol=1e-12)
    np.testing.assert_allclose(m_node, m_alm, rtol=1e-12)
    # And the step is the derived Euler equation at each node: u'(c) = beta E[R' u'(c')].
    ratio = []
    for e in (0, 1):
        a_next = m_node[e, 1:] - c_node[e, 1:]
        ev = np.zeros_like(a_next)
        for zn in (0, 1):
            for en in (0, 1):
                mn = prices[zn, 0] * a_next + prices[zn, 1] * P.labour_endowment * en
                cn = np.interp(mn, children[0][zn, en], children[1][zn, en])
                ev += P.transition_matrix[2 * z + e, 2 * zn + en] * prices[zn, 0] / cn
        ratio.append(P.beta * ev * c_node[e, 1:])
    np.testing.assert_allclose(np.concatenate(ratio), 1.0, rtol=1e-12)


def test_histogram_step_preserves_mass_and_mean_and_matches_unemployment(alm_policy):
    fine = SMALL.fine
    dist = pop.point_mass_histogram(fine, 11.8, P.urate_bad)
    rng = np.random.default_rng(3)
    dist = dist + rng.uniform(0, 1e-3, dist.shape)  # spread mass around
    dist[0] *= P.urate_bad / dist[0].sum()
    dist[1] *= (1 - P.urate_bad) / dist[1].sum()
    out = np.empty_like(dist)
    sav, cons, wt = np.empty_like(dist), np.empty_like(dist), np.empty_like(dist)
    idx = np.empty(dist.shape, dtype=np.int64)
    curves = np.array([[0 * 7 + 2, 0 * 7 + 3], [1 * 7 + 2, 1 * 7 + 3]])
    R, w = P.prices(0, 11.8)
    for zn in (0, 1):
        k_next, C, clipped = pop.histogram_step(
            dist, fine, R, w * P.labour_endowment, *alm_policy.curves, curves, 0.4,
            np.ascontiguousarray(P.conditional_employment[0, zn]), out, sav, cons, idx, wt)
        assert out.sum() == pytest.approx(1.0, abs=1e-14)
        assert (out * fine).sum() == pytest.approx(k_next, rel=1e-13)  # the lottery keeps means
        assert out[0].sum() == pytest.approx(P.unemployment[zn], abs=1e-14)
        assert clipped == 0.0
        # Budgets add up: C + K' = R K + w L.
        K = (dist * fine).sum()
        assert C + k_next == pytest.approx(R * K + w * P.labour[0], rel=1e-13)


def test_lottery_matrix_is_the_push(alm_policy):
    fine = SMALL.fine
    sav = np.vstack([np.linspace(0, 60, fine.size), np.linspace(0.3, 62, fine.size)])
    index, weight = pop.lottery(fine, sav)
    chain = P.stationary_employment_chain
    T = pop.transition_matrix(index, weight, chain)
    dist = np.random.default_rng(0).dirichlet(np.ones(2 * fine.size)).reshape(2, -1)
    pushed = (dist.ravel() @ T).reshape(2, -1)
    manual = np.zeros_like(dist)
    for e in range(2):
        for f in range(fine.size):
            for en in range(2):
                manual[en, index[e, f]] += dist[e, f] * chain[e, en] * weight[e, f]
                manual[en, index[e, f] + 1] += dist[e, f] * chain[e, en] * (1 - weight[e, f])
    np.testing.assert_allclose(pushed, manual, atol=1e-16)
    by_push = np.zeros_like(dist)
    pop.push_lottery(dist, index, weight, chain, by_push)  # the histogram's own push
    np.testing.assert_allclose(pushed, by_push, atol=1e-16)
    pi = pop.stationary_histogram(T)
    np.testing.assert_allclose(pi @ T, pi, atol=1e-14)


def _agents_run(policy, threads, seed=5, n=1000, T=120):
    z = A.aggregate_path(P, T, seed=2)
    rng0 = np.random.default_rng(seed)
    assets, employed = pop.initial_agents(n, 11.5, P.urate_bad, rng0)
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        out = pop.simulate_agents(assets, employed, z, SMALL.capital, policy.curves, P,
                                  np.random.default_rng(seed + 1))
    finally:
        numba.set_num_threads(before)
    return z, out, assets, employed


def test_agents_match_unemployment_exactly_and_do_not_depend_on_threads(alm_policy):
    z, one, a1, e1 = _agents_run(alm_policy, 1)
    _, two, a2, e2 = _agents_run(alm_policy, min(2, numba.config.NUMBA_NUM_THREADS))
    np.testing.assert_array_equal(one["capital"], two["capital"])
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(e1, e2)
    np.testing.assert_allclose(one["unemployment"], P.unemployment[z], atol=1e-15)
    _, other, _, _ = _agents_run(alm_policy, 1, seed=9)
    assert not np.array_equal(other["capital"], one["capital"])


def test_agents_refuse_counts_that_cannot_match(alm_policy):
    with pytest.raises(ParameterError, match="agents"):
        pop.agent_counts(7, P.unemployment, P.conditional_employment)
    assets, employed = pop.initial_agents(1000, 11.5, P.urate_good, np.random.default_rng(0))
    with pytest.raises(ParameterError, match="employed"):  # starts in the bad state
        pop.simulate_agents(assets, employed, np.zeros(5, dtype=np.int64), SMALL.capital,
                            alm_policy.curves, P, np.random.default_rng(0))


def test_stationary_equilibrium_routes_agree():
    from foresight.numerics.krusell_smith.stationary import (
        stationary_equilibrium,
        stationary_equilibrium_by_interest,
    )

    a = stationary_equilibrium(P, SMALL)
    b = stationary_equilibrium_by_interest(P, SMALL)
    assert a.capital == pytest.approx(b.capital, rel=1e-6)
    assert a.representative_agent_capital < a.capital < 1.02 * a.representative_agent_capital
    assert abs(a.distribution.sum() - 1) < 1e-12


def test_alm_converges_and_reports_accuracy():
    res = A.solve_alm(P, SMALL, periods=1200, discard=200)
    assert res.converged and res.gap < res.tol
    assert min(r["r2"] for r in res.regression) > 0.9999
    assert res.den_haan["max_percent"] < 1.0
    assert res.euler["mean_log10"] < -3
    # The fixed point: perceived and implied laws predict the same K'.
    k = np.linspace(11, 12.5, 4)
    for z in (0, 1):
        np.testing.assert_allclose(res.law.next_capital(z, k), res.implied.next_capital(z, k),
                                   rtol=2e-6)
    d = res.to_dict()
    assert d["iterations"] == res.iterations and len(d["household_iterations"]) == res.iterations


def test_alm_agents_mode_is_reproducible():
    kw = dict(agents=500, periods=400, discard=100, max_iter=3, tol=1.0)
    a = A.solve_alm(P, SMALL, seed=4, **kw)
    b = A.solve_alm(P, SMALL, seed=4, **kw)
    np.testing.assert_array_equal(a.simulation["capital"], b.simulation["capital"])


def test_alm_nonconvergence_carries_the_last_change():
    with pytest.raises(ConvergenceError) as exc:
        A.solve_alm(P, SMALL, periods=600, discard=100, max_iter=1)
    assert exc.value.iterations == 1
    assert "last coefficient change" in str(exc.value)


@pytest.mark.parametrize("kwargs,name", [
    ({"periods": 0}, "periods"),
    ({"periods": 100, "discard": 95}, "discard"),
    ({"damping": 1.0}, "damping"),
    ({"method": "newton"}, "method"),
    ({"initial": "zero"}, "initial"),
    ({"agents": 0}, "agents"),
    ({"tol": -1.0}, "tol"),
])
def test_alm_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(ParameterError) as exc:
        A.solve_alm(P, SMALL, **kwargs)
    assert exc.value.name == name


@pytest.mark.parametrize("points,law", [
    (100, LAW),
    (32, H.AggregateLawOfMotion((0.06, 0.08), (0.974, 0.968))),  # unsafeguarded mixing stalls
    (48, H.AggregateLawOfMotion.constant()),
])
def test_accelerated_egm_reaches_the_plain_fixed_point(points, law):
    g = KrusellSmithGrids.default(asset_points=points, capital_points=7)
    fast = H.solve_alm_household(P, g, law)
    plain = H.solve_alm_household(P, g, law, acceleration="none")
    assert fast.residual < 1e-8
    if points == 100:  # the default grid: a tenth of the sweeps
        assert fast.iterations < plain.iterations / 5
    else:  # a stalling case costs at most the restarts' sweeps over plain iteration
        assert fast.iterations < plain.iterations + 41 * 5 + 400
    # Plain sweeps stop 1e-8 apart but contract at about beta: they sit ~1e-6 from the
    # fixed point, which bounds the distance between the two answers.
    assert np.max(np.abs(fast.consumption - plain.consumption)) < 1e-5
    with pytest.raises(ParameterError, match="acceleration"):
        H.solve_alm_household(P, g, law, acceleration="broyden")

"""Capacity competition and quality ladder derivations vs independent routes."""

import numpy as np
import pytest
import sympy as sp

from foresight.derivations import capacity as cap
from foresight.derivations import quality_ladder as ql
from foresight.numerics.generated import capacity as gen
from foresight.numerics.generated import quality_ladder as qgen

D = cap.capacity_derivation()
A = cap.investment


def test_transition_probabilities_sum_to_one_and_match_the_paper():
    total = sp.simplify(D["p_down"] + D["p_stay"] + D["p_up"])
    assert total == 1
    # The paper's three expressions (Section 4.2), typed independently.
    d = cap.delta
    assert sp.simplify(D["p_up"] - (1 - d) * A / (1 + A)) == 0
    assert sp.simplify(D["p_down"] - d / (1 + A)) == 0
    assert sp.simplify(D["p_stay"] - (1 - d + d * A) / (1 + A)) == 0


def test_probabilities_are_probabilities_on_the_action_set():
    for a in np.linspace(0, 5, 11):
        for dl in (0.01, 0.5, 0.99):
            p = gen.transition_probabilities(a, dl)
            assert min(p) >= 0 and abs(sum(p) - 1) < 1e-14


def test_foc_is_the_derivative_and_soc_sign():
    J = D["bellman_objective"]
    dJ = sp.diff(J, A)
    foc = D["foc"].subs(cap.C, D["marginal_gain"])
    assert sp.simplify(dJ - foc) == 0
    d2 = sp.diff(dJ, A)
    assert sp.simplify(d2 - D["soc"].subs(cap.C, D["marginal_gain"])) == 0
    # SOC < 0 exactly when C > 0 (beta > 0, a >= 0).
    assert D["soc"].subs({cap.C: 1, cap.beta: sp.Rational(9, 10), A: 2}) < 0


@pytest.mark.parametrize("seed", range(6))
def test_closed_form_policy_is_the_grid_argmax(seed):
    rng = np.random.default_rng(seed)
    wd, ws, wu = np.sort(rng.normal(0, 5, 3)) if seed % 2 else rng.normal(0, 5, 3)
    beta, delta, cost, a_max = 0.925, rng.uniform(0.1, 0.9), rng.uniform(0.1, 4), rng.uniform(.5, 5)
    a_star = gen.optimal_investment(wd, ws, wu, beta, delta, cost, a_max)
    grid = np.linspace(0, a_max, 200001)
    vals = gen.bellman_objective.py_func(grid, wd, ws, wu, beta, delta, cost)
    assert 0 <= a_star <= a_max
    assert vals.max() - gen.bellman_objective(a_star, wd, ws, wu, beta, delta, cost) < 1e-9
    assert abs(grid[np.argmax(vals)] - a_star) < 1e-3 or np.ptp(vals) < 1e-9


def test_boundary_states():
    bottom, top = D["marginal_gain_bottom"], D["marginal_gain_top"]
    assert sp.simplify(bottom - (1 - cap.delta) * (cap.w_up - cap.w_stay)) == 0
    assert sp.simplify(top - cap.delta * (cap.w_stay - cap.w_down)) == 0
    # The generated kernel with a clamped neighbour equals the boundary closed form.
    vals = {cap.w_stay: 3.0, cap.w_up: 5.0, cap.w_down: 1.0, cap.beta: 0.925,
            cap.delta: 0.7, cap.cost: 0.2, cap.a_max: 10.0}
    expect_bottom = float(D["optimal_investment_bottom"].subs(vals))
    assert gen.optimal_investment(3.0, 3.0, 5.0, 0.925, 0.7, 0.2, 10.0) == pytest.approx(
        expect_bottom, rel=1e-12)
    expect_top = float(D["optimal_investment_top"].subs(vals))
    assert gen.optimal_investment(1.0, 3.0, 3.0, 0.925, 0.7, 0.2, 10.0) == pytest.approx(
        expect_top, rel=1e-12)


def test_no_gain_means_no_investment_and_bound_binds():
    assert gen.optimal_investment(5.0, 3.0, 3.0, 0.9, 0.5, 1.0, 1.0) == 0.0
    assert gen.optimal_investment(0.0, 0.0, 1e6, 0.9, 0.5, 1.0, 1.0) == 1.0


def test_profit_kernels_match_the_paper():
    # u = z P(Q) qbar(x), P(Q) = e/f - Q/(m f)
    z, q, x, e, f, m = 2.0, 3.0, 4.0, 75.0, 10.0, 0.125
    assert gen.capacity_profit(x, z, q, e, f, m) == pytest.approx(z * (e / f - q / (m * f)) * x)
    s = np.random.default_rng(0).dirichlet(np.ones(11))
    w = np.array([qgen.quality_weight(float(k), 0.5) for k in range(11)])
    S = w @ s
    u = np.array([qgen.quality_ladder_profit(float(k), 1.5, S, 0.5, 15.0) for k in range(11)])
    assert u @ s == pytest.approx(1.5 * 15.0, rel=1e-13)  # logit shares sum to one
    assert sp.simplify(ql.quality_ladder_derivation()["profit_share_sum"]
                       - sp.Symbol("c_tilde", positive=True) * sp.Symbol("z", positive=True)) == 0


def test_generated_kernels_equal_the_sympy_results():
    rng = np.random.default_rng(3)
    for _ in range(5):
        a, dl = rng.uniform(0, 3), rng.uniform(0.05, 0.95)
        sub = {A: a, cap.delta: dl}
        want = [float(D[k].subs(sub)) for k in ("p_down", "p_stay", "p_up")]
        assert np.allclose(gen.transition_probabilities(a, dl), want, rtol=1e-14)

"""Krusell–Smith derivations against independent routes, and the calibration's guards."""

import numpy as np
import pytest
import sympy as sp

from foresight.derivations import krusell_smith as ks
from foresight.errors import ParameterError
from foresight.numerics.generated import krusell_smith as gen
from foresight.numerics.krusell_smith.params import (
    KrusellSmithGrids,
    KrusellSmithParameters,
    multi_exponential_grid,
)

# The issue's rows (HARK's MrkvIndArray), typed here as the test's reference.
ISSUE_ROWS = np.array([
    [0.525, 0.35, 0.03125, 0.09375],
    [0.038889, 0.836111, 0.002083, 0.122917],
    [0.09375, 0.03125, 0.291667, 0.583333],
    [0.009115, 0.115885, 0.024306, 0.850694],
])


def test_chain_is_solved_from_the_conditions_and_matches_the_issue():
    d = ks.employment_chain_derivation()
    P = d["transition_matrix"]
    assert not (P.free_symbols - set(ks.CHAIN_PARAMETERS))  # solved, not unknowns
    numeric = np.array(P.subs(ks.CALIBRATION).evalf(), dtype=float)
    assert np.max(np.abs(numeric - ISSUE_ROWS)) < 5e-7
    for i in range(4):
        assert sp.simplify(sum(P.row(i))) == 1
    # Exact rationals at the calibration: BU -> BU = p_BB (1 - 1/2.5) = 0.875 * 0.6.
    assert P[0, 0].subs(ks.CALIBRATION) == sp.Rational(21, 40)


def test_conditional_matrices_and_stationary_law():
    d = ks.employment_chain_derivation()
    for block in d["conditional_employment"].values():
        for row in range(2):
            assert sp.simplify(sum(block.row(row))) == 1
    pi = d["stationary_distribution"]
    P = d["transition_matrix"]
    assert (pi * P - pi).applyfunc(sp.simplify) == sp.zeros(1, 4)
    assert d["mean_unemployment"].subs(ks.CALIBRATION) == sp.Rational(7, 100)
    marg = d["stationary_employment_chain"].subs(ks.CALIBRATION)
    u = marg[1, 0] / (marg[0, 1] + marg[1, 0])
    assert u == sp.Rational(7, 100)


def test_firm_prices_are_the_marginal_products():
    d = ks.firm_derivation()
    F = ks.z * ks.capital**ks.alpha * ks.labour ** (1 - ks.alpha)
    assert sp.simplify(d["interest_factor"] - (1 + sp.diff(F, ks.capital) - ks.delta)) == 0
    assert sp.simplify(d["wage"] - sp.diff(F, ks.labour)) == 0
    assert sp.simplify(d["resource_identity"]) == 0
    # Capital demand inverts R(K): R(K^d(R)) = R at random points.
    rng = np.random.default_rng(0)
    for _ in range(5):
        z, L, a, dl = rng.uniform(0.9, 1.1), rng.uniform(0.2, 1), rng.uniform(0.2, 0.5), 0.025
        R = rng.uniform(1.001, 1.05)
        K = gen.capital_demand(R, z, L, a, dl)
        assert abs(gen.interest_factor(z, K, L, a, dl) - R) < 1e-12


def test_household_euler_and_egm_inversion():
    d = ks.household_derivation()
    c = d["egm_consumption"]
    x = ks.expected_marginal_value
    assert sp.simplify(d["marginal_utility"].subs(ks.consumption, c) - ks.beta * x) == 0
    assert d["marginal_utility_at_zero"] == sp.oo
    for g in (0.5, 1.0, 2.0, 5.0):
        assert abs(gen.marginal_utility(gen.egm_consumption(3.0, 0.99, g), g) - 2.97) < 1e-12
    assert gen.egm_consumption_log(3.0, 0.99) == pytest.approx(gen.egm_consumption(3.0, 0.99, 1))
    assert gen.marginal_utility_log(0.7) == pytest.approx(gen.marginal_utility(0.7, 1.0))
    assert abs(gen.euler_relative_error(gen.egm_consumption(2.0, 0.99, 2.0), 2.0, 0.99, 2.0)) \
        < 1e-14


def test_representative_agent_steady_state():
    p = KrusellSmithParameters()
    k = p.steady_state_capital
    R = gen.interest_factor(p.mean_productivity, k, p.mean_labour, p.alpha, p.delta)
    assert p.beta * R == pytest.approx(1.0, abs=1e-14)
    # HARK's KSS (K/L ratio times l): 12.426285 printed by the peer run.
    assert p.hark_initial_capital == pytest.approx(12.426285, abs=1e-6)


@pytest.mark.parametrize("kwargs,name", [
    ({"urate_bad": 1.2}, "urate_bad"),
    ({"urate_good": 0.0}, "urate_good"),
    ({"dur_bad": 0.5}, "dur_bad"),
    ({"spell_good": 1.0}, "spell_good"),
    ({"gamma": 0.0}, "gamma"),
    ({"gamma": -1.0}, "gamma"),
    ({"labour_endowment": -0.3}, "labour_endowment"),
    ({"beta": 1.0}, "beta"),
    ({"borrowing_limit": 0.5}, "borrowing_limit"),
    ({"rel_bg": 5.0}, "employment chain"),  # pi_00|BG > 1: the conditions cannot hold
    ({"urate_good": 0.3, "spell_good": 20.0}, "employment chain"),
])
def test_bad_calibration_names_the_parameter(kwargs, name):
    with pytest.raises(ParameterError) as exc:
        KrusellSmithParameters(**kwargs)
    assert exc.value.name.startswith(name)
    assert "valid range" in str(exc.value)


def test_grids_validate_and_follow_hark_family():
    g = multi_exponential_grid(0.001, 50.0, 32, nest=2)
    # HARK 0.17.2's aGrid printed by the peer run (aMin 0.001, aMax 50, 32 points, nest 2).
    assert g[1] == pytest.approx(0.055316, abs=5e-7)
    assert g[-2] == pytest.approx(38.827, abs=5e-4)
    dense = multi_exponential_grid(0.0, 50.0, 32, nest=2, scale=0.1)
    assert dense[1] < g[1] / 5
    base = KrusellSmithGrids.default()
    with pytest.raises(ParameterError, match=r"asset_grid\[2\]"):
        KrusellSmithGrids(np.array([0.1, 0.2, 0.2, 0.3]), base.capital, base.fine)
    with pytest.raises(ParameterError, match=r"asset_grid\[0\]"):
        KrusellSmithGrids(np.array([0.0, 0.2, 0.3]), base.capital, base.fine)
    with pytest.raises(ParameterError, match=r"capital_grid\[1\]"):
        KrusellSmithGrids(base.assets, np.array([12.0, 11.0]), base.fine)
    with pytest.raises(ParameterError, match="fine_grid"):
        KrusellSmithGrids(base.assets, base.capital, base.fine + 1.0)


def test_generated_stationary_law_is_invariant_under_the_generated_chain():
    for kw in ({}, {"dur_bad": 6.0, "urate_bad": 0.12}, {"spell_good": 1.8, "dur_good": 10.0}):
        p = KrusellSmithParameters(**kw)
        pi = p.stationary_distribution
        assert abs(pi.sum() - 1) < 1e-14
        np.testing.assert_allclose(pi @ p.transition_matrix, pi, atol=1e-15)
        assert p.mean_unemployment == pytest.approx(pi[[0, 2]].sum() / pi.sum())

"""Regression API: a correct toy solver passes every assertion, wrong ones fail each."""

import sys
from pathlib import Path

import numpy as np
import pytest

from foresight.verify import regression as reg
from foresight.verify.check import CheckFailed
from foresight.verify.pytest_plugin import format_failure

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "examples"))
import toy_solver  # noqa: E402
import toy_solver_wrong  # noqa: E402


@pytest.fixture(scope="module")
def cases():
    return reg.default_simulation_cases()


def test_correct_solver_passes_everything(cases):
    assert all(r.passed for r in reg.assert_allocation_matches(toy_solver.allocation))
    assert all(r.passed for r in reg.assert_shares_match_theory(toy_solver.simulate_shares,
                                                                cases))
    assert all(r.passed for r in reg.assert_long_run_shares(toy_solver.simulate_shares, cases))
    assert all(r.passed for r in reg.assert_budgets_balance(toy_solver.prices))


def test_allocation_without_one_over_gamma_fails_on_crra_only():
    results = [reg.check_allocation(toy_solver_wrong.allocation, c)
               for c in reg.default_allocation_cases()]
    assert [r.passed for r in results] == [True, False, True, False]
    worst = results[1].details["worst_point"]
    assert worst["gamma"] == 2.0 and worst["yours"] != worst["derived"]
    with pytest.raises(CheckFailed, match=r"regression.allocation\[two agents, CRRA gamma = 2\]"):
        reg.assert_allocation_matches(toy_solver_wrong.allocation)


def test_wrong_timing_fails_shares_and_long_run_for_learning_only(cases):
    shares = [reg.check_shares(toy_solver_wrong.simulate_shares(c.economy, c.states()), c)
              for c in cases]
    # fixed beliefs: timing moot
    assert [r.passed for r in shares] == [True, True, False, True, False]
    assert "worst" in shares[2].details
    with pytest.raises(CheckFailed) as info:
        reg.assert_long_run_shares(toy_solver_wrong.simulate_shares, cases)
    assert info.value.result.expected == pytest.approx(0.3)
    assert "almost surely" in info.value.result.statement


def test_long_run_check_fails_when_shares_miss_the_limit(cases):
    case = cases[0]  # fixed beliefs, nature f: limit 1
    shares = toy_solver.simulate_shares(case.economy, case.states())
    assert reg.check_long_run_shares(shares, case).passed
    assert not reg.check_long_run_shares(shares * 0.99, case).passed


def test_budgets_need_both_agents_beliefs_but_not_a_normalisation():
    def scaled(economy, t, histories):
        return 5.0 * toy_solver.prices(economy, t, histories)

    assert all(r.passed for r in reg.assert_budgets_balance(scaled))
    with pytest.raises(CheckFailed, match="budgets_balance"):
        reg.assert_budgets_balance(toy_solver_wrong.prices)


def test_functions_that_raise_or_misshape_fail_cleanly():
    def boom(*args):
        raise RuntimeError("solver diverged")

    results = [reg.check_allocation(boom, c) for c in reg.default_allocation_cases()[:1]]
    assert not results[0].passed and "solver diverged" in results[0].observed
    with pytest.raises(CheckFailed, match="solver diverged"):
        reg.assert_shares_match_theory(boom, reg.default_simulation_cases()[:1])
    with pytest.raises(CheckFailed, match="one price per history"):
        reg.assert_budgets_balance(lambda e, t, h: np.ones(2))
    bad_shape = reg.check_allocation(lambda w, d, g, y: np.ones(3),
                                     reg.default_allocation_cases()[0])
    assert not bad_shape.passed


def test_plugin_formats_failures():
    result = reg.check_allocation(toy_solver_wrong.allocation, reg.default_allocation_cases()[1])
    text = format_failure(result)
    assert text.startswith("foresight check FAILED: regression.allocation")
    assert "expected:" in text and "tolerance" in text and "worst_point" in text

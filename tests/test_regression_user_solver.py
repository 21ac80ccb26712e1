"""Issue 12: the regression API as a user with their own solver (docs/examples/my_be_solver.py).

Each test pins one finding: a bug class the defaults missed, prices checked
only through budgets, shapes, messages outside pytest, other signatures, and
results as data.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from foresight.verify import regression as reg
from foresight.verify.check import CheckFailed, compare_close

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "examples"))
import my_be_solver as ok  # noqa: E402
import my_be_solver_bugs as bugs  # noqa: E402

SIM = reg.simulator_from_densities(fixed=ok.simulate_blume_easley, learning=ok.simulate_learning)


@pytest.fixture(scope="module")
def cases():
    return reg.default_simulation_cases()


def test_the_users_correct_solver_passes_every_default_case(cases):
    assert all(r.passed for r in reg.assert_allocation_matches(ok.allocation))
    assert all(r.passed for r in reg.assert_shares_match_theory(SIM, cases))
    assert all(r.passed for r in reg.assert_long_run_shares(SIM, cases))
    assert all(r.passed for r in reg.assert_budgets_balance(ok.prices))
    assert all(r.passed for r in reg.assert_prices_match_theory(ok.prices))


@pytest.mark.parametrize("bug", ["simulate_products_without_logs", "simulate_ratio_product"])
def test_products_without_logs_fail_the_long_default_case(cases, bug):
    sim = reg.simulator_from_densities(fixed=getattr(bugs, bug), learning=ok.simulate_learning)
    with pytest.raises(CheckFailed) as info:
        reg.assert_shares_match_theory(sim, cases)
    result = info.value.result
    assert "long horizon T = 3000, both beliefs wrong" in result.name
    assert result.details["non_finite"] > 0  # 0/0 or inf/inf, reported as such
    with pytest.raises(CheckFailed, match="long_run_share.long horizon"):
        reg.assert_long_run_shares(sim, cases)


def test_learning_with_unlogged_likelihoods_fails_the_long_learning_case(cases):
    sim = reg.simulator_from_densities(fixed=ok.simulate_blume_easley,
                                       learning=bugs.simulate_learning_products)
    with pytest.raises(CheckFailed, match=r"long horizon T = 3000, learning agents"):
        reg.assert_shares_match_theory(sim, cases)


def test_long_cases_stay_cheap_and_have_both_beliefs_wrong(cases):
    long = [c for c in cases if c.n_periods >= 3000]
    assert len(long) == 2 and all(c.n_paths <= 32 for c in long)
    for c in long:
        models = {m for b in c.economy.beliefs for m in b.models}
        assert c.nature not in models


def test_transposed_output_fails_on_its_shape_not_on_a_value(cases):
    sim = reg.simulator_from_densities(fixed=bugs.simulate_transposed)
    case = cases[0]
    shares, _ = reg._run_simulator(sim, case, case.states())
    result = reg.check_long_run_shares(shares, case)
    assert not result.passed
    assert result.expected == f"shape (N, T) = ({case.n_paths}, {case.n_periods})"
    assert "transposed" in result.basis
    assert result.details == {"paths (N)": case.n_paths, "periods (T)": case.n_periods}
    assert "transposed" in reg.check_shares(shares, case).basis


def test_a_price_without_discounting_fails_the_ratio_over_dates():
    results = [reg.check_prices(bugs.prices_forget_discounting, c)
               for c in reg.default_price_cases()]
    assert all(not dates.passed and across.passed for dates, across in results)
    first = results[0][0]
    assert first.error == pytest.approx(-np.log(0.5))  # log delta is missing
    assert "history " in first.details["worst"] and " -> " in first.details["worst"]


def test_price_cases_cover_gamma_and_state_kinds():
    cases = reg.default_price_cases()
    kinds = {(c.economy.gamma, hasattr(c.nature, "probs")) for c in cases}
    assert {0.5, 1.0, 2.0} == {g for g, _ in kinds}
    assert {True, False} == {d for _, d in kinds}
    assert any(c.economy.n_agents == 3 for c in cases)


def test_log_utility_prices_fail_for_crra_in_prices_and_budgets():
    verdicts = [all(r.passed for r in reg.check_prices(bugs.prices_log_formula_for_crra, c))
                for c in reg.default_price_cases()]
    assert verdicts == [c.economy.gamma == 1.0 for c in reg.default_price_cases()]
    crra = [e for e in reg.default_budget_economies() if e.gamma != 1.0]
    assert {e.gamma for e in crra} == {0.5, 2.0}
    assert not reg.check_budgets(bugs.prices_log_formula_for_crra, crra[0]).passed
    assert reg.check_budgets(ok.prices, crra[0]).passed


def test_str_of_check_failed_is_the_record_pytest_shows(cases):
    sim = reg.simulator_from_densities(fixed=ok.simulate_blume_easley,
                                       learning=bugs.simulate_learning_updates_first)
    with pytest.raises(CheckFailed) as info:
        reg.assert_shares_match_theory(sim, cases)
    text = str(info.value)
    assert text.startswith("foresight check FAILED: regression.shares_vs_allocation_rule")
    assert "  worst: path " in text and ", t = " in text and "derived" in text
    assert "array(" not in text
    r = info.value.result
    assert isinstance(r.expected, float) and isinstance(r.observed, float)
    assert r.details["worst_entry"].startswith("index (")


def test_array_comparisons_report_values_at_the_worst_entry():
    r = compare_close("demo", "x", np.zeros((40, 2)), np.eye(40, 2) * 0.5, atol=1e-9,
                      basis="exact")
    assert (r.expected, r.observed) == (0.0, 0.5)
    assert r.details["worst_entry"] == "index (0, 0) of shape (40, 2)"


def test_another_signature_raises_an_error_naming_the_expected_one_and_the_adapter():
    def simulate(f, g, lam, T, N, seed):
        raise AssertionError("never called")

    with pytest.raises(reg.SignatureError) as info:
        reg.assert_shares_match_theory(simulate)
    message = str(info.value)
    assert "simulate(f, g, lam, T, N, seed)" in message
    assert reg.SIGNATURES["simulator"] in message
    assert "simulator_from_seeded" in message and "simulator_from_densities" in message
    assert isinstance(info.value, TypeError)
    with pytest.raises(reg.SignatureError, match=r"prices\(economy, t, histories"):
        reg.assert_prices_match_theory(lambda histories: histories)
    with pytest.raises(reg.SignatureError, match="allocation"):
        reg.assert_allocation_matches(lambda weights, densities: densities)


def test_seeded_adapter_checks_the_users_own_draws(cases):
    def simulate(f, g, lam, T, N, seed, nature=None):
        s = (nature or f).rvs((N, T), seed)
        return s, ok.simulate_blume_easley(s, f, g, lam)[1]

    fixed_log = [c for c in reg.default_simulation_cases(learning=False) if c.economy.gamma == 1]
    sim = reg.simulator_from_seeded(simulate)
    assert all(r.passed for r in reg.assert_shares_match_theory(sim, fixed_log))
    assert all(r.passed for r in reg.assert_long_run_shares(sim, fixed_log))
    # a case the adapter cannot run says why instead of raising a bare error
    with pytest.raises(CheckFailed, match="UnsupportedCase: case .* gamma = 2"):
        reg.assert_shares_match_theory(sim, reg.default_simulation_cases(learning=False))


def test_check_all_returns_every_cases_record_without_stopping():
    rows = reg.check_all(allocation=bugs.allocation_forgets_one_over_gamma,
                         prices=bugs.prices_forget_discounting, as_frame=False)
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    n_price = len(reg.default_price_cases())
    assert len(rows) == (len(reg.default_allocation_cases()) + len(reg.default_budget_economies())
                         + 2 * n_price)
    assert [r["passed"] for r in rows[:4]] == [True, False, True, False]
    assert {"assertion", "case", "check", "passed", "expected", "observed", "error",
            "tolerance", "basis", "details", "seconds"} <= set(rows[0])
    dates = [r for r in rows if r["check"].startswith("regression.price_ratio_dates")]
    assert len(dates) == n_price and not any(r["passed"] for r in dates)


def test_check_all_gives_a_dataframe_when_pandas_is_present():
    pd = pytest.importorskip("pandas")
    frame = reg.check_all(allocation=ok.allocation)
    assert isinstance(frame, pd.DataFrame) and frame["passed"].all()

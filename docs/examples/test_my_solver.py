"""Regression tests of a (toy) solver against foresight's derived theory.

Copy this file into your own test suite and replace ``solver`` with your code.
The fixtures come from foresight's pytest plugin (installed with foresight);
a failing check prints expected, observed, tolerance and its basis.

Run it:

    pytest docs/examples/test_my_solver.py                        # the correct toy solver
    FORESIGHT_EXAMPLE_SOLVER=toy_solver_wrong pytest docs/examples  # a wrong one: 4 failures
"""

import importlib
import os

from foresight.verify import regression

solver = importlib.import_module(os.environ.get("FORESIGHT_EXAMPLE_SOLVER", "toy_solver"))


def test_allocation_matches_the_derived_rule(foresight_economies):
    regression.assert_allocation_matches(solver.allocation, foresight_economies)


def test_shares_match_theory_on_the_same_draws(foresight_simulation_cases):
    regression.assert_shares_match_theory(solver.simulate_shares, foresight_simulation_cases)


def test_long_run_shares_match_the_derived_limits(foresight_simulation_cases):
    regression.assert_long_run_shares(solver.simulate_shares, foresight_simulation_cases)


def test_prices_balance_budgets_at_the_negishi_weight(foresight_budget_economies):
    regression.assert_budgets_balance(solver.prices, foresight_budget_economies)

"""Regression tests of an economist's own solver (``my_be_solver.py``) against foresight's theory.

The solver keeps its own signatures (the lecture's ``simulate_blume_easley(sequences,
f_belief, g_belief, lam)``); foresight's adapter calls it.  Run it:

    pytest docs/examples/test_my_be_solver.py                      # the correct solver
    FORESIGHT_EXAMPLE_BUG=simulate_ratio_product pytest docs/examples/test_my_be_solver.py

``my_be_solver_bugs.BUGS`` lists the planted bugs; each fails at least one test here.
"""

import os

import my_be_solver as solver
from my_be_solver_bugs import BUGS

from foresight.verify import regression

functions = {"allocation": solver.allocation, "simulate": solver.simulate_blume_easley,
             "learning": solver.simulate_learning, "prices": solver.prices}
if os.environ.get("FORESIGHT_EXAMPLE_BUG"):
    role, bug = BUGS[os.environ["FORESIGHT_EXAMPLE_BUG"]]
    functions[role] = bug

simulator = regression.simulator_from_densities(fixed=functions["simulate"],
                                                learning=functions["learning"])


def test_allocation(foresight_economies):
    regression.assert_allocation_matches(functions["allocation"], foresight_economies)


def test_shares_on_the_same_draws(foresight_simulation_cases):
    regression.assert_shares_match_theory(simulator, foresight_simulation_cases)


def test_long_run_shares(foresight_simulation_cases):
    regression.assert_long_run_shares(simulator, foresight_simulation_cases)


def test_budgets_balance(foresight_budget_economies):
    regression.assert_budgets_balance(functions["prices"], foresight_budget_economies)


def test_prices_match_the_derived_formula(foresight_price_cases):
    regression.assert_prices_match_theory(functions["prices"], foresight_price_cases)

"""pytest plugin of foresight: fixtures of default cases and readable check failures.

Registered as the ``pytest11`` entry point ``foresight``, so it is active in
any pytest run once foresight is installed (``-p no:foresight`` turns it off).

Fixtures (each returns the defaults of :mod:`foresight.verify.regression`):

* ``foresight_economies`` -- :class:`~foresight.verify.regression.AllocationCase`
  list for ``assert_allocation_matches``;
* ``foresight_simulation_cases`` -- economies, nature and sample sizes for
  ``assert_shares_match_theory`` / ``assert_long_run_shares``;
* ``foresight_budget_economies`` -- discrete-state economies for
  ``assert_budgets_balance``;
* ``foresight_price_cases`` -- :class:`~foresight.verify.regression.PriceCase`
  list for ``assert_prices_match_theory``.

A test that fails with :class:`foresight.verify.check.CheckFailed` is
reported as the check's record (name, statement, expected, observed, error,
tolerance, basis, details) instead of a traceback through foresight.

Examples
--------
>>> import foresight.verify.pytest_plugin as plugin
>>> print(plugin.format_failure(plugin._demo_failure()))  # doctest: +ELLIPSIS
foresight check FAILED: demo.check
  theory:    1 + 1 = 2
  expected:  2
  observed:  3
  error:     1 > tolerance 1e-12 (float64 round-off)
"""

from __future__ import annotations

import pytest

from foresight.verify.check import format_failure

__all__ = ["format_failure"]


def _demo_failure():
    from foresight.verify.check import compare_close

    return compare_close("demo.check", "1 + 1 = 2", 2.0, 3.0, atol=1e-12,
                         basis="float64 round-off")


@pytest.fixture(scope="session")
def foresight_economies():
    """Default economies for ``regression.assert_allocation_matches``."""
    from foresight.verify.regression import default_allocation_cases

    return default_allocation_cases()


@pytest.fixture(scope="session")
def foresight_simulation_cases():
    """Default cases for ``assert_shares_match_theory`` and ``assert_long_run_shares``."""
    from foresight.verify.regression import default_simulation_cases

    return default_simulation_cases()


@pytest.fixture(scope="session")
def foresight_budget_economies():
    """Default discrete-state economies for ``regression.assert_budgets_balance``."""
    from foresight.verify.regression import default_budget_economies

    return default_budget_economies()


@pytest.fixture(scope="session")
def foresight_price_cases():
    """Default cases for ``regression.assert_prices_match_theory``."""
    from foresight.verify.regression import default_price_cases

    return default_price_cases()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is None or report.when != "call":
        return
    from foresight.verify.check import CheckFailed

    exc = call.excinfo.value
    if isinstance(exc, CheckFailed):
        where = f"{item.location[0]}:{item.location[1] + 1}: {item.name}"
        report.longrepr = f"{where}\n{format_failure(exc.result)}"

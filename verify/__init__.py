"""Verification: theory (derived expressions, theorems) vs independent numerical routes.

Check functions take explicit inputs and return
:class:`~foresight.verify.check.CheckResult`; users run them on their own
solvers.  ``foresight verify`` runs the registered default cases.
"""

from foresight.verify.check import CheckFailed, CheckResult, assert_passed, compare_close

__all__ = ["CheckFailed", "CheckResult", "assert_passed", "compare_close"]

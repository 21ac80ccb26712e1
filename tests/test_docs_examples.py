"""docs/examples/test_my_solver.py runs under pytest (with foresight's plugin) in CI.

Against the correct toy solver it passes; against the deliberately wrong one
every test fails with the structured message of the failing check.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _start(solver: str, target: str = "docs/examples/test_my_solver.py", select: str = "",
           **env_extra) -> subprocess.Popen:
    env = {**os.environ, "FORESIGHT_EXAMPLE_SOLVER": solver, **env_extra}
    # the planted-bug runs select only the tests that must catch the bug (CI time)
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", target,
         *(["-k", select] if select else [])],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class _Done:
    def __init__(self, proc):
        self.stdout, self.stderr = proc.communicate(timeout=600)
        self.returncode = proc.returncode


@pytest.fixture(scope="module")
def runs():
    """Both runs at once (each is a fresh interpreter deriving the theory)."""
    procs = {s: _start(s) for s in ("toy_solver", "toy_solver_wrong")}
    user = "docs/examples/test_my_be_solver.py"
    procs["user"] = _start("toy_solver", user)
    procs["user_overflow"] = _start("toy_solver", user, "shares",
                                    FORESIGHT_EXAMPLE_BUG="simulate_products_without_logs")
    procs["user_no_delta"] = _start("toy_solver", user, "prices",
                                    FORESIGHT_EXAMPLE_BUG="prices_forget_discounting")
    return {s: _Done(p) for s, p in procs.items()}


def test_example_passes_with_the_correct_solver(runs):
    out = runs["toy_solver"]
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4 passed" in out.stdout


def test_example_fails_with_the_wrong_solver_and_says_why(runs):
    out = runs["toy_solver_wrong"]
    assert out.returncode == 1, out.stdout + out.stderr
    assert "4 failed" in out.stdout
    for expected in (
        "foresight check FAILED: regression.allocation[two agents, CRRA gamma = 2]",
        "foresight check FAILED: regression.shares_vs_allocation_rule[learning agents",
        "foresight check FAILED: regression.long_run_share[learning agents",
        "c^1_T -> 0.3 almost surely",
        "foresight check FAILED: regression.budgets_balance[2 states, delta = 0.5]",
    ):
        assert expected in out.stdout, out.stdout


def test_the_users_own_solver_passes_through_the_adapter(runs):
    out = runs["user"]
    assert out.returncode == 0, out.stdout + out.stderr
    assert "5 passed" in out.stdout


def test_the_users_planted_bugs_fail_with_the_check_that_catches_them(runs):
    overflow = runs["user_overflow"]
    assert "2 failed, 3 deselected" in overflow.stdout, overflow.stdout
    assert "long horizon T = 3000, both beliefs wrong" in overflow.stdout
    assert "non_finite:" in overflow.stdout
    no_delta = runs["user_no_delta"]
    assert "1 failed, 4 deselected" in no_delta.stdout, no_delta.stdout
    assert "foresight check FAILED: regression.price_ratio_dates[" in no_delta.stdout


def test_python_blocks_of_the_regression_page_run():
    import re

    text = (ROOT / "docs" / "regression.md").read_text()
    namespace: dict = {}
    for block in re.findall(r"```python\n(.*?)```", text, flags=re.S):
        exec(compile(block, "docs/regression.md", "exec"), namespace)  # our own docs
    assert all(r.passed for r in namespace["results"])

"""The sandbox runs user code in a separate, limited process and always comes back."""

import sys
import textwrap

import numpy as np
import pytest

from foresight.verify.sandbox import Limits, SandboxError, parse_target, run_function

SOLUTION = textwrap.dedent("""
    import numpy as np

    def ok(x, f):
        return {'π_1': 2 * x, 'density': f(np.array([0.5]))}

    def as_tuple(x, f):
        return x, x + 1

    def loops(x, f):
        while True:
            pass

    def raises(x, f):
        return x / 0 if False else 1 / 0

    def one_arg(x):
        return x

    def huge(x, f):
        return np.zeros(4 * 2**20)

    def prints(x, f):
        while True:
            print("x" * 10000)

    def text(x, f):
        return {'a': 'hello'}

    def exits(x, f):
        raise SystemExit(3)

    def spawns(x, f):
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        while True:
            pass
""")

CALLS = [{"args": [{"array": "x"}, {"beta": [2.0, 1.0]}], "names": ["x", "f"]}]
ARRAYS = {"x": np.arange(3.0)}
LIMITS = Limits(timeout=60, cpu_seconds=60, memory_mb=2048, output_mb=8)


@pytest.fixture(scope="module")
def solution(tmp_path_factory):
    path = tmp_path_factory.mktemp("student") / "solution.py"
    path.write_text(SOLUTION)
    return path


def run(solution, name, limits=LIMITS, calls=CALLS):
    return run_function(f"{solution}:{name}", calls, ARRAYS, limits=limits)


def test_results_come_back_as_float_arrays(solution):
    out = run(solution, "ok")
    assert out.ok, out.error
    assert out.results[0]["pi_1"].tolist() == [0.0, 2.0, 4.0]  # π spelt pi
    np.testing.assert_allclose(out.results[0]["density"], [1.0])  # Beta(2, 1) at 0.5
    assert "user_solution" not in sys.modules  # never imported here
    tup = run(solution, "as_tuple")
    assert sorted(tup.results[0]) == ["0", "1"]


@pytest.mark.parametrize("name, kind, words", [
    ("raises", "raised", "ZeroDivisionError"),
    ("one_arg", "signature", "wrong signature: one_arg(x) cannot be called with the 2 arguments"),
    ("huge", "output", "output larger than 8 MiB"),
    ("prints", "output", "wrote more than 8 MiB"),
    ("text", "output", "not an array of numbers"),
    ("exits", "raised", "SystemExit"),
    ("nope", "load", "defines no function 'nope'"),
])
def test_failures_are_one_line_verdicts(solution, name, kind, words):
    out = run(solution, name)
    assert not out.ok and out.kind == kind
    assert words in out.error and "\n" not in out.error


def test_raises_says_where(solution):
    assert "line" in run(solution, "raises").error


def test_infinite_loop_is_killed_with_its_children(solution):
    limits = Limits(timeout=1.5, cpu_seconds=5, memory_mb=2048, output_mb=8)
    out = run(solution, "spawns", limits)
    assert not out.ok and out.kind == "timeout" and "timed out after 1.5 s" in out.error


def test_bad_targets(tmp_path):
    with pytest.raises(SandboxError, match="does not exist"):
        parse_target(str(tmp_path / "missing.py") + ":f")
    with pytest.raises(SandboxError, match="expected PATH.py:FUNCTION"):
        parse_target("solution.py")
    with pytest.raises(SandboxError, match="not a Python function name"):
        parse_target(f"{tmp_path}/x.py:1bad")
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    out = run_function(f"{broken}:f", CALLS, ARRAYS, limits=LIMITS)
    assert out.kind == "load" and "SyntaxError" in out.error


def test_numba_solutions_get_compiled_densities(tmp_path):
    path = tmp_path / "jitted.py"
    path.write_text(textwrap.dedent("""
        import numpy as np
        from numba import njit

        @njit
        def apply(x, f):
            out = np.empty_like(x)
            for i in range(x.size):
                out[i] = f(x[i])
            return out
    """))
    calls = [{"args": [{"array": "x"}, {"mixture": {"weights": [0.5, 0.5],
                                                    "betas": [[2.0, 1.0], [1.0, 1.0]]}}]}]
    out = run_function(f"{path}:apply", calls, {"x": np.array([0.25, 0.5])}, limits=LIMITS)
    assert out.ok, out.error
    np.testing.assert_allclose(out.results[0]["result"], [0.75, 1.0])

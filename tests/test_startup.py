"""Start-up: what the command line imports, and the float64 theory it prints instead of SymPy's.

No wall-clock assertions here (timings on a shared machine are noise); the
times are measured by ``benchmarks/bench_startup.py``.  What can be asserted
is which libraries a command loads: SymPy, Dask, matplotlib and SciPy's
special-function and integration packages each cost a noticeable part of a
second and ``foresight simulate`` needs none of them.
"""

import math
import subprocess
import sys

import numpy as np
import pytest

from foresight.derivations.distributions import Beta, Mixture, parse_distribution
from foresight.derivations.economy import Belief, ExchangeEconomy, fixed_belief
from foresight.derivations.kl import kl_divergence
from foresight.derivations.learning import learning_limits
from foresight.numerics.blume_easley import learning_limits_float, limits
from foresight.numerics.distributions import kl_float

HEAVY = ("sympy", "dask", "distributed", "matplotlib", "scipy.special", "scipy.integrate",
         "scipy.stats", "mpmath", "tqdm")


def _imported(*args) -> tuple[set[str], subprocess.CompletedProcess]:
    """Modules a ``python -X importtime -m foresight ARGS`` run imports, and the run."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "foresight", *args],
                         capture_output=True, text=True, timeout=600)
    modules = {line.split("|")[-1].strip() for line in out.stderr.splitlines()
               if line.startswith("import time:") and "self [us]" not in line}
    return modules, out


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("args", [
    ("simulate", "--paths", "10", "--periods", "10"),
    ("simulate", "--paths", "10", "--periods", "10", "--json"),
    ("simulate", "--paths", "10", "--periods", "10",
     "--nature", "mix(0.5*beta(1,1), 0.5*beta(3,1.2))"),
    ("simulate", "--paths", "10", "--periods", "10", "--models", "beta(1.5,1); beta(1,1.5)",
     "--prior", "0.3,0.7", "--prior", "0.7,0.3", "--nature", "beta(1.5,1)"),
])
def test_simulate_imports_no_symbolic_or_plotting_library(args):
    modules, out = _imported(*args)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "foresight.numerics.blume_easley" in modules  # the run did happen
    assert _heavy(modules) == []


@pytest.mark.parametrize("args", [
    ("simulate", "--paths", "10", "--periods", "10"),
    ("simulate", "--paths", "256", "--periods", "128", "--json"),
    ("simulate", "--paths", "1000", "--periods", "30"),  # 4 streams sampled on threads
    ("simulate", "--paths", "10", "--periods", "10", "--belief", "beta(2,2)",
     "--belief", "beta(1,3)", "--nature", "beta(1,2)", "--gamma", "2"),
])
def test_small_fixed_belief_simulate_loads_no_numba_nor_scipy(args):
    """Two fixed Beta believers, <= 2**15 path-periods: NumPy and the
    numba-free generated twins only (numba with SciPy's linalg costs ~0.45 s)."""
    modules, out = _imported(*args)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "foresight.numerics.blume_easley.split_route" in modules
    assert not {"numba", "scipy", "llvmlite"} & modules


def test_larger_or_learning_runs_still_compile():
    for args in (("simulate", "--paths", "300", "--periods", "200", "--json"),
                 ("simulate", "--paths", "10", "--periods", "10", "--models",
                  "beta(1.5,1); beta(1,1.5)", "--prior", "0.3,0.7", "--prior", "0.7,0.3")):
        modules, out = _imported(*args)
        assert out.returncode == 0, out.stderr[-2000:]
        assert "numba" in modules


@pytest.mark.parametrize("args", [("--help",), ("simulate", "--help")])
def test_help_imports_no_numerics(args):
    modules, out = _imported(*args)
    assert out.returncode == 0
    assert not {"numpy", "numba", "sympy", "scipy"} & modules


def test_simulate_prints_the_same_theory_as_the_symbolic_route():
    out = subprocess.run([sys.executable, "-m", "foresight", "simulate", "--paths", "10",
                          "--periods", "10", "--nature", "mix(0.5*beta(1,1), 0.5*beta(3,1.2))"],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    h = parse_distribution("mix(0.5*beta(1,1), 0.5*beta(3,1.2))")
    expected = [kl_divergence(h, Beta(1, 1)).value, kl_divergence(h, Beta(3, 1.2)).value]
    line = next(x for x in out.splitlines() if "KL(nature || limiting model)" in x)
    assert line.split(": ")[1] == ", ".join(f"{v:.6g}" for v in expected)


f, g = Beta(1, 1), Beta(3, 1.2)
h = Mixture((0.5, 0.5), (f, g))
f1, g1 = Beta(1.5, 1), Beta(1, 1.5)
ECONOMIES = {
    "fixed, nature f": (ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (0.5, 0.5)), f),
    "fixed, mixture nature": (ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (0.3, 0.7),
                                              gamma=2.5), h),
    "mixture belief": (ExchangeEconomy((fixed_belief(h), fixed_belief(f)), (0.5, 0.5)),
                       Beta(2, 1.5)),
    "learners, same limit": (ExchangeEconomy((Belief((f1, g1), (0.3, 0.7)),
                                              Belief((f1, g1), (0.7, 0.3))), (0.4, 0.6),
                                             gamma=0.5), f1),
    "learners, tie on different models": (ExchangeEconomy((fixed_belief(f1), fixed_belief(g1)),
                                                          (0.5, 0.5)), Beta(1, 1)),
    "three agents": (ExchangeEconomy((Belief((f1, g1), (0.5, 0.5)), fixed_belief(f1),
                                      Belief((f1, g1), (0.2, 0.8))), (0.2, 0.3, 0.5),
                                     gamma=3.0, endowment_intercepts=(0.0, 0.5, 0.5),
                                     endowment_slopes=(1.0, -0.5, -0.5)), f1),
}


@pytest.mark.parametrize("name", sorted(ECONOMIES))
def test_float_learning_limits_match_the_symbolic_ones(name):
    econ, nature = ECONOMIES[name]
    exact, fast = learning_limits(econ, nature), learning_limits_float(econ, nature)
    assert fast.survivors == exact.survivors and fast.reason == exact.reason
    assert fast.limiting_models == exact.limiting_models
    np.testing.assert_allclose([v for row in fast.kl_to_nature for v in row],
                               [v for row in exact.kl_to_nature for v in row],
                               rtol=1e-12, atol=1e-14)
    assert fast.drift == pytest.approx(exact.drift, rel=1e-12, abs=1e-14)
    if exact.share_limits is None:
        assert fast.share_limits is None
    else:
        np.testing.assert_allclose(fast.share_limits, exact.share_limits, rtol=1e-12,
                                   atol=1e-15)


@pytest.mark.parametrize("p,q", [
    ("mix(0.5*beta(1,1), 0.5*beta(3,1.2))", "beta(1,1)"),
    ("beta(1,1)", "mix(0.5*beta(1,1), 0.5*beta(3,1.2))"),
    ("mix(0.3*beta(0.2,0.5), 0.7*beta(5,0.3))", "beta(0.1,0.05)"),
    ("mix(0.5*beta(0.01,2), 0.5*beta(2,0.01))", "beta(1,1)"),
    ("mix(0.5*beta(200,300), 0.5*beta(250,250))", "beta(240,260)"),
    ("beta(0.3,0.2)", "mix(0.5*beta(1,1), 0.5*beta(3,1.2))"),
    ("beta(3,1.2)", "beta(1,1)"),
])
def test_kl_float_is_within_its_error_estimate_of_mpmath(p, q):
    value, error = kl_float(p, q)
    exact = kl_divergence(p, q, method="quadrature", dps=30).value
    assert abs(value - exact) <= error
    assert error < 1e-11 * max(1.0, exact)


def test_kl_value_falls_back_to_the_exact_route(monkeypatch):
    # Beta(1e10, 1e10) vs a neighbour: float64 cancels ~1e11-sized log-gamma terms.
    p, q = Beta(1e10, 1e10), Beta(1.001e10, 1e10)
    value, error = kl_float(p, q)
    assert error > limits.KL_TOLERANCE * max(1.0, abs(value))
    assert limits.kl_value(p, q) == kl_divergence(p, q).value
    monkeypatch.setattr(limits, "KL_TOLERANCE", 0.0)  # every value now goes the exact way
    assert limits.kl_value(f, g) == kl_divergence(f, g).value


@pytest.mark.parametrize("a,b", [(1.0, 1.0), (3.0, 1.2), (0.01, 2.0), (7.0, 9.0), (30.0, 40.0),
                                 (1e8, 1.0)])
def test_table_log_beta_matches_scipy_on_both_routes(a, b):
    from scipy.special import betaln

    from foresight.numerics.blume_easley.tables import _log_beta

    got = _log_beta(np.array([a]), np.array([b]))[0]
    assert got == pytest.approx(float(betaln(a, b)), rel=4e-15, abs=4e-15)
    assert math.isfinite(got)

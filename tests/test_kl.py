"""KL divergence: derivation, generated kernel, mpmath/scipy routes, checks, CLI."""

from __future__ import annotations

import json
import math

import mpmath as mp
import numpy as np
import pytest
import scipy.integrate as si
import scipy.stats as st
import sympy as sp

from foresight.derivations import kl as dkl
from foresight.derivations.codegen import render_module
from foresight.derivations.distributions import Beta, parse_distribution
from foresight.errors import ParameterError, SpecError
from foresight.numerics.distributions import kl_closed_form_float, kl_lecture_truncated
from foresight.numerics.generated import beta_kl as gen
from foresight.verify import kl as vkl

PAIRS = [
    ((1, 1), (3, 1.2)),
    ((3, 1.2), (1, 1)),
    ((1, 1), (1.1, 1.05)),
    ((1.2, 1.1), (3, 1.2)),
    ((0.5, 0.5), (2, 5)),
    ((0.3, 4.0), (2.5, 0.7)),
    ((50, 20), (48, 21)),
]
H = "mix(0.5*beta(1,1), 0.5*beta(3,1.2))"


def scipy_kl(p, q):
    """Independent reference: scipy.stats densities, scipy quad on (0, 1)."""

    def f(x):
        lp = st.beta.logpdf(x, *p)
        return math.exp(lp) * (lp - st.beta.logpdf(x, *q))

    v1, e1 = si.quad(f, 0, 0.5, limit=200)
    v2, e2 = si.quad(f, 0.5, 1, limit=200)
    return v1 + v2, e1 + e2


# ----------------------------------------------------------------- derivation


def test_derivation_steps_and_expectations():
    d = dkl.beta_kl_derivation()
    titles = [s.title for s in d.steps]
    assert "Normalising identity" in titles
    assert any("Differentiate under the integral" in t for t in titles)
    a, b = dkl.a, dkl.b
    assert sp.simplify(d["E_log_x"] - (sp.digamma(a) - sp.digamma(a + b))) == 0
    assert sp.simplify(d["E_log_1mx"] - (sp.digamma(b) - sp.digamma(a + b))) == 0


def test_expectation_of_log_by_direct_integration():
    # E[log X] under Beta(2, 3) by SymPy integration equals psi(2) - psi(5)
    x = dkl.x
    dens = x * (1 - x) ** 2 / sp.beta(2, 3)
    direct = sp.integrate(sp.log(x) * dens, (x, 0, 1))
    derived = dkl.beta_kl_derivation()["E_log_x"].subs({dkl.a: 2, dkl.b: 3})
    assert sp.simplify(sp.expand_func(direct - derived)) == 0


def test_closed_form_matches_textbook_formula():
    a1, b1, a2, b2 = dkl.a1, dkl.b1, dkl.a2, dkl.b2
    psi = sp.digamma
    textbook = (
        sp.log(sp.beta(a2, b2) / sp.beta(a1, b1))
        + (a1 - a2) * psi(a1) + (b1 - b2) * psi(b1) + (a2 - a1 + b2 - b1) * psi(a1 + b1)
    )
    diff = sp.expand_func(dkl.beta_kl_expr()) - sp.expand_func(sp.expand_log(
        sp.expand_func(textbook), force=True))
    vals = {a1: sp.Rational(3, 2), b1: sp.Rational(7, 3), a2: 5, b2: sp.Rational(1, 4)}
    assert abs(sp.N(diff.subs(vals), 40)) < 1e-35


# ----------------------------------------------------------------- generated kernel


def test_generated_module_is_current_and_compiles():
    from foresight.derivations.codegen import generated_dir

    text = (generated_dir() / "beta_kl.py").read_text()
    assert text == render_module(dkl.kernel_module())
    compile(text, "beta_kl.py", "exec")


@pytest.mark.parametrize("p, q", PAIRS)
def test_generated_kernel_vs_scipy_quadrature(p, q):
    ref, err = scipy_kl(p, q)
    v = gen.beta_kl(float(p[0]), float(p[1]), float(q[0]), float(q[1]))
    assert abs(v - ref) <= 1e-10 * max(1, abs(ref)) + err


@pytest.mark.parametrize("p, q", PAIRS)
def test_closed_form_vs_mpmath(p, q):
    exact = dkl.kl_closed_form(Beta(*p), Beta(*q), dps=40)
    quad = dkl.kl_quadrature(Beta(*p), Beta(*q), dps=30)
    assert abs(exact.value - quad.value) <= quad.error_estimate + 4 * math.ulp(exact.value)
    # float64 kernel vs the 40-digit evaluation: a few ulps of the term magnitudes
    f64 = kl_closed_form_float(Beta(*p), Beta(*q))
    assert abs(f64 - exact.value) < 1e-13 * max(1.0, abs(math.lgamma(sum(p))))


def test_kl_identical_betas_is_zero():
    # floats: numerics.special.digamma segfaults when loaded from numba's cache
    # with an int64 signature (recursive njit function), so kernels get floats.
    for a, b in ((1.0, 1.0), (3.0, 1.2), (0.2, 7.5), (1e3, 2e3)):
        assert gen.beta_kl(a, b, a, b) == 0.0
        assert dkl.kl_divergence(Beta(a, b), Beta(a, b)).value == 0.0
    assert abs(dkl.kl_quadrature(H, H).value) < 1e-25


def test_kl_positive_and_asymmetric():
    f, g = Beta(1, 1), Beta(3, 1.2)
    assert dkl.kl_divergence(f, g).value > dkl.kl_divergence(g, f).value > 0


def test_beta_log_density_kernel_vs_scipy():
    for x in (1e-300, 1e-8, 0.25, 0.5, 0.999, 1 - 1e-15):
        for a, b in ((1, 1), (3, 1.2), (0.5, 0.5), (2, 1), (1, 2)):
            assert math.isclose(gen.beta_log_density(x, float(a), float(b)),
                                st.beta.logpdf(x, a, b),
                                rel_tol=1e-12, abs_tol=1e-13)


# ----------------------------------------------------------------- quadrature / dispatch


def test_mixture_quadrature_matches_scipy_and_has_error_estimate():
    r = dkl.kl_quadrature(H, "beta(1,1)")
    h = parse_distribution(H)

    def f(x):
        ph = 0.5 * st.beta.pdf(x, 1, 1) + 0.5 * st.beta.pdf(x, 3, 1.2)
        return ph * math.log(ph)

    ref, err = si.quad(f, 0, 1, limit=200)
    assert abs(r.value - ref) < err + 1e-12
    assert 0 < r.error_estimate < 1e-14
    assert r.method == "quadrature" and r.p == h.spec()


def test_quadrature_precision_increases_with_dps():
    with mp.workdps(50):
        r50 = dkl.kl_quadrature("beta(0.5,0.5)", "beta(2,5)", dps=50)
    r30 = dkl.kl_quadrature("beta(0.5,0.5)", "beta(2,5)", dps=30)
    assert abs(r50.value - r30.value) <= r30.error_estimate + r50.error_estimate


def test_kl_divergence_dispatch_and_errors():
    assert dkl.kl_divergence("beta(1,1)", "beta(3,1.2)").method == "closed"
    assert dkl.kl_divergence(H, "beta(3,1.2)").method == "quadrature"
    assert dkl.kl_divergence("beta(1,1)", "beta(3,1.2)", method="quadrature").method == "quadrature"
    with pytest.raises(ParameterError):
        dkl.kl_divergence(H, "beta(1,1)", method="closed")
    with pytest.raises(ParameterError):
        dkl.kl_divergence("beta(1,1)", "beta(1,1)", method="exact")
    with pytest.raises(ParameterError):
        dkl.kl_divergence("beta(1,1)", "beta(1,1)", dps=0)
    with pytest.raises(SpecError):
        dkl.kl_divergence("beta(1,1", "beta(1,1)")


def test_mp_function_rejects_unknown_functions():
    with pytest.raises(ParameterError):
        dkl.mp_function(sp.sin(dkl.x), (dkl.x,))


# ----------------------------------------------------------------- lecture values


LECTURE = [
    ("beta(1,1)", "beta(3,1.2)", 0.759, 3),
    ("beta(3,1.2)", "beta(1,1)", 0.344, 3),
    (H, "beta(1,1)", 0.073, 3),
    (H, "beta(3,1.2)", 0.281, 3),
    ("beta(1,1)", "beta(1.1,1.05)", 0.003, 3),
    ("beta(1.1,1.05)", "beta(1,1)", 0.003, 3),
    (H, "beta(1.1,1.05)", 0.061, 3),  # the close block's h is the far mixture
    ("beta(1.2,1.1)", "beta(1,1)", 0.0092, 4),
    ("beta(1.2,1.1)", "beta(3,1.2)", 0.5514, 4),
    ("beta(3,1.2)", "beta(1.2,1.1)", 0.2919, 4),
]


@pytest.mark.parametrize("p, q, printed, digits", LECTURE)
def test_lecture_printed_values(p, q, printed, digits):
    assert round(dkl.kl_divergence(p, q).value, digits) == printed
    assert round(kl_lecture_truncated(p, q)[0], digits) == printed


def test_lecture_kl_f_h_exercise_is_a_truncation_artifact():
    # lecture prints KL(f, h) = 0.0105 for h = Beta(1.2, 1.1); exact rounds to 0.0106
    exact = dkl.kl_divergence("beta(1,1)", "beta(1.2,1.1)").value
    trunc, _ = kl_lecture_truncated("beta(1,1)", "beta(1.2,1.1)")
    assert round(exact, 4) == 0.0106 and round(trunc, 4) == 0.0105


def test_lecture_kl_table():
    rows = vkl.lecture_kl_table()
    assert len(rows) == 18
    printed = [r for r in rows if r.lecture is not None]
    assert all(r.abs_diff < 6e-4 for r in printed)
    bad = [r.label for r in printed if not r.exact_rounds_to_printed]
    assert bad == ["ex 23.5: KL(f,h)"]
    sim = {r.label: r for r in rows}
    # the h the close-beliefs simulation actually draws from, Beta(2, 1.5)
    r = sim["close: KL(h,f), h = Beta(2,1.5) simulated"]
    assert r.method == "closed" and round(r.exact, 4) == 0.1081
    assert round(sim["close: KL(h,g_close), h = Beta(2,1.5) simulated"].exact, 4) == 0.0822
    # truncation error of the lecture's [1e-5, 1-1e-5] quadrature is visible
    assert max(abs(r.truncated - r.exact) for r in rows) > 1e-4


# ----------------------------------------------------------------- checks


def test_check_closed_form_passes_and_fails_on_wrong_value():
    assert vkl.check_kl_closed_form("beta(1,1)", "beta(3,1.2)").passed
    assert vkl.check_kl_closed_form("beta(0.5,0.5)", "beta(2,5)").passed
    wrong = vkl.check_kl_closed_form(
        "beta(1,1)", "beta(3,1.2)", kl_function=lambda p, q: kl_closed_form_float(p, q) + 1e-9)
    assert not wrong.passed
    swapped = vkl.check_kl_closed_form(
        "beta(1,1)", "beta(3,1.2)", kl_function=lambda p, q: kl_closed_form_float(q, p))
    assert not swapped.passed
    with pytest.raises(ParameterError):
        vkl.check_kl_closed_form(H, "beta(1,1)")


def test_check_quadrature_float_fails_on_wrong_density(monkeypatch):
    assert vkl.check_kl_quadrature_float(H, "beta(3,1.2)").passed
    real = vkl.log_density
    monkeypatch.setattr(vkl, "log_density", lambda d, x: real(d, x) + 1e-6)
    assert not vkl.check_kl_quadrature_float(H, "beta(3,1.2)").passed


def test_check_monte_carlo_passes_and_fails():
    assert vkl.check_kl_monte_carlo(H, "beta(1,1)", n=50_000).passed
    assert not vkl.check_kl_monte_carlo(H, "beta(1,1)", n=50_000, kl_value=0.1).passed


def test_registered_cases():
    from foresight.verify.registry import registered

    names = [k for k in registered() if k.startswith("kl.")]
    assert sorted(names) == [
        "kl.closed_form_lecture_pairs",
        "kl.mixture_quadrature_routes",
        "kl.monte_carlo_lecture_pairs",
    ]


# ----------------------------------------------------------------- CLI


def test_cli_kl(capsys):
    from foresight.reports.cli import main

    assert main(["kl", "beta(1,1)", "beta(3,1.2)", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "closed" and abs(out["value"] - 0.7592174535960396) < 1e-15
    assert {"value", "method", "error_estimate", "p", "q"} <= set(out)
    assert main(["kl", H, "uniform"]) == 0
    text = capsys.readouterr().out
    assert "quadrature" in text and "error estimate" in text
    assert main(["kl", "bta(1,1)", "uniform"]) == 2
    err = capsys.readouterr().err.strip()
    assert "did you mean 'beta'" in err and "position 0" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert main(["kl", H, "uniform", "--method", "closed"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert main(["kl", "beta(1,1", "uniform"]) == 2
    assert "position 8" in capsys.readouterr().err


def test_numba_loop_over_kernel():
    from numba import njit

    @njit
    def total(a1, b1, a2, b2):
        s = 0.0
        for i in range(a1.shape[0]):
            s += gen.beta_kl(a1[i], b1[i], a2[i], b2[i])
        return s

    a = np.linspace(0.5, 3, 10)
    ref = sum(gen.beta_kl(x, 1.2, 1.0, 1.0) for x in a)
    assert math.isclose(total(a, np.full(10, 1.2), np.ones(10), np.ones(10)), ref,
                        rel_tol=1e-14)

"""Beta / mixture objects, the safe spec parser, numba densities and the sampler."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp

from foresight.derivations.distributions import (
    Beta,
    Mixture,
    as_distribution,
    parse_distribution,
)
from foresight.errors import ParameterError, SpecError
from foresight.numerics.distributions import (
    component_arrays,
    log_density,
    log_density_mixture,
    sample,
)

H = "mix(0.5*beta(1,1), 0.5*beta(3,1.2))"


# ----------------------------------------------------------------- objects


def test_beta_validation_names_parameter():
    with pytest.raises(ParameterError) as e:
        Beta(0, 1)
    assert e.value.name == "beta.a"
    with pytest.raises(ParameterError) as e:
        Beta(1, -2)
    assert e.value.name == "beta.b"
    with pytest.raises(ParameterError):
        Beta(float("nan"), 1)
    with pytest.raises(ParameterError):
        Beta(math.inf, 1)


def test_mixture_validation_names_parameter():
    with pytest.raises(ParameterError) as e:
        Mixture((0.5, 0.6), (Beta(1, 1), Beta(3, 1.2)))
    assert "mix.weights" in e.value.name
    with pytest.raises(ParameterError) as e:
        Mixture((1.5, -0.5), (Beta(1, 1), Beta(3, 1.2)))
    assert e.value.name == "mix.weights[1]"
    with pytest.raises(ParameterError) as e:
        Mixture((0.5, 0.5), (Beta(1, 1),))
    assert e.value.name == "mix.components"
    with pytest.raises(ParameterError) as e:
        Mixture((1.0,), ("beta(1,1)",))
    assert e.value.name == "mix.components[0]"


def test_exact_means():
    assert Beta(3, 1.2).mean() == sp.Rational(5, 7)
    assert Beta(1, 1).mean() == sp.Rational(1, 2)
    h = parse_distribution(H)
    assert h.mean() == sp.Rational(1, 4) + sp.Rational(5, 14)
    assert math.isclose(float(h.mean()), 0.5 * st.beta.mean(1, 1) + 0.5 * st.beta.mean(3, 1.2))


def test_sympy_log_density_matches_scipy():
    x = sp.Symbol("x", positive=True)
    for d in (Beta(3, 1.2), Beta(0.5, 2), parse_distribution(H)):
        e = d.sympy_log_density(x)
        for xv in (0.1, 0.5, 0.93):
            w, a, b = d.components_arrays()
            ref = math.log(sum(wi * st.beta.pdf(xv, ai, bi) for wi, ai, bi in zip(w, a, b,
                                                                               strict=True)))
            assert math.isclose(float(e.subs(x, sp.Float(xv, 30))), ref, rel_tol=1e-12)


def test_components_arrays():
    assert Beta(2, 5).components_arrays() == ((1.0,), (2.0,), (5.0,))
    assert parse_distribution(H).components_arrays() == ((0.5, 0.5), (1.0, 3.0), (1.0, 1.2))


# ----------------------------------------------------------------- parser


@pytest.mark.parametrize(
    "text, expected",
    [
        ("beta(1,1)", Beta(1, 1)),
        ("Beta(3, 1.2)", Beta(3, 1.2)),
        ("BETA( 3 ,1.2 )", Beta(3, 1.2)),
        ("uniform", Beta(1, 1)),
        ("uniform()", Beta(1, 1)),
        ("beta(1e0, 2.5E-1)", Beta(1, 0.25)),
        ("beta(.5, 5.)", Beta(0.5, 5)),
        (H, Mixture((0.5, 0.5), (Beta(1, 1), Beta(3, 1.2)))),
        ("mixture(0.25*uniform, 0.75*beta(2,5))", Mixture((0.25, 0.75), (Beta(1, 1), Beta(2, 5)))),
        ("mix(1/3*uniform, 2/3*beta(2,5))", Mixture((1 / 3, 2 / 3), (Beta(1, 1), Beta(2, 5)))),
        ("mix(1*beta(2,2))", Mixture((1.0,), (Beta(2, 2),))),
    ],
)
def test_parse_and_round_trip(text, expected):
    d = parse_distribution(text)
    assert d == expected
    assert parse_distribution(d.spec()) == d
    assert as_distribution(text) == d


def test_round_trip_awkward_floats():
    for d in (Beta(0.1 + 0.2, 1e-7), Beta(123456789.5, 3), Mixture((0.1, 0.9), (Beta(1, 2),
                                                                              Beta(2, 1)))):
        assert parse_distribution(d.spec()) == d


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("", 0, "empty"),
        ("bta(1,1)", 0, "did you mean 'beta'"),
        ("unifrom", 0, "did you mean 'uniform'"),
        ("mix(0.5*beta(1,1), 0.5*bata(3,1.2))", 23, "did you mean 'beta'"),
        ("beta(1,1", 8, "expected ')'"),
        ("beta(1 1)", 7, "expected ','"),
        ("beta(1,)", 7, "expected a number"),
        ("beta(0,1)", 5, "beta.a"),
        ("beta(1,-2)", 7, "beta.b"),
        ("beta(1,1) x", 10, "unexpected 'x'"),
        ("beta(1,1)$", 9, "unexpected character"),
        ("mix(0.5*beta(1,1), 0.6*beta(3,1.2))", 3, "sum(mix.weights)"),
        ("mix(-0.5*beta(1,1), 1.5*beta(3,1.2))", 4, "negative"),
        ("mix(0.5*mix(1*beta(1,1)), 0.5*beta(1,1))", 8, "not allowed here"),
        ("mix(0.5 beta(1,1))", 8, "expected '*'"),
        ("beta(1,1/0)", 9, "division by zero"),
        ("beta(1e, 1)", 5, "malformed number"),
        ("beta(1e999, 1)", 5, "not finite"),
        ("__import__('os')", 11, "unexpected character"),
        ("__import__(1)", 0, "unknown distribution"),
    ],
)
def test_parse_errors_point_at_position(text, position, words):
    with pytest.raises(SpecError) as e:
        parse_distribution(text)
    assert e.value.position == position, str(e.value)
    assert words in e.value.reason


def test_parser_never_evaluates(monkeypatch):
    import builtins

    def boom(*args, **kwargs):
        raise AssertionError("eval called")

    monkeypatch.setattr(builtins, "eval", boom)
    monkeypatch.setattr(sp, "sympify", boom)
    assert parse_distribution(H).weights == (0.5, 0.5)


# ----------------------------------------------------------------- numerics


def test_log_density_matches_scipy():
    xs = np.array([1e-12, 1e-3, 0.2, 0.5, 0.8, 1 - 1e-9])
    for a, b in ((1, 1), (3, 1.2), (0.5, 0.5), (2, 5), (1.1, 1.05)):
        np.testing.assert_allclose(log_density(Beta(a, b), xs), st.beta.logpdf(xs, a, b),
                                   rtol=1e-12, atol=1e-13)
    h = parse_distribution(H)
    ref = np.log(0.5 * st.beta.pdf(xs, 1, 1) + 0.5 * st.beta.pdf(xs, 3, 1.2))
    np.testing.assert_allclose(log_density(h, xs), ref, rtol=1e-12, atol=1e-14)


def test_log_density_support_and_edges():
    assert log_density("beta(2,2)", -0.1) == -np.inf
    assert log_density("beta(2,2)", 1.5) == -np.inf
    assert log_density("uniform", 0.0) == 0.0  # no 0 * log 0 = NaN
    assert log_density("uniform", 1.0) == 0.0
    assert log_density("beta(2,1)", 0.0) == -np.inf
    assert log_density("beta(0.5,1)", 0.0) == np.inf
    with pytest.raises(ParameterError):
        log_density("uniform", np.nan)


def test_log_density_mixture_underflow_safe():
    # components whose densities underflow float64 separately
    w, a, b = np.array([0.5, 0.5]), np.array([800.0, 900.0]), np.array([1.0, 1.0])
    v = log_density_mixture(0.01, w, a, b)
    ref = math.log(0.5) + math.log(800) + 799 * math.log(0.01)
    assert math.isfinite(v) and math.isclose(v, ref, rel_tol=1e-12)


def test_sample_moments_and_seed_reproducibility():
    rng = np.random.default_rng(np.random.SeedSequence(7))
    h = parse_distribution(H)
    x = sample(h, 400_000, rng)
    assert x.shape == (400_000,) and np.all((x >= 0) & (x <= 1))
    mean = float(h.mean())
    # 5-sigma band on the mean; variance of the mixture from its components
    var = 0.5 * (st.beta.var(1, 1) + st.beta.mean(1, 1) ** 2) + 0.5 * (
        st.beta.var(3, 1.2) + st.beta.mean(3, 1.2) ** 2) - mean**2
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / x.size)
    a = sample("beta(2,5)", (3, 4), np.random.default_rng(np.random.SeedSequence(1)))
    b = sample("beta(2,5)", (3, 4), np.random.default_rng(np.random.SeedSequence(1)))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 4)


def test_sample_component_frequencies():
    # weights 0.2 / 0.8 on supports concentrated near 0 and near 1
    d = Mixture((0.2, 0.8), (Beta(1, 400), Beta(400, 1)))
    x = sample(d, 100_000, np.random.default_rng(3))
    frac = float(np.mean(x < 0.5))
    assert abs(frac - 0.2) < 5 * math.sqrt(0.2 * 0.8 / x.size)


def test_sample_and_arrays_validation():
    with pytest.raises(ParameterError):
        sample("beta(1,1)", 3, np.random.RandomState(0))
    with pytest.raises(ParameterError):
        sample(((0.5, 0.6), (1, 2), (1, 2)), 3, np.random.default_rng(0))
    with pytest.raises(ParameterError) as e:
        component_arrays(((1.0,), (0.0,), (1.0,)))
    assert e.value.name == "beta.a[0]"
    with pytest.raises(ParameterError):
        component_arrays(((0.5, 0.5), (1.0,), (1.0, 2.0)))
    with pytest.raises(ParameterError):
        sample("beta(1,1)", -1, np.random.default_rng(0))
    w, a, b = component_arrays(((0.5, 0.5), (1, 3), (1, 1.2)))
    assert w.dtype == float and a.tolist() == [1.0, 3.0]

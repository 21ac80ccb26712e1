"""Almost-sure limits of learning economies (derived theory) on the lecture's exercises."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from foresight.derivations.blume_easley import Belief, ExchangeEconomy, fixed_belief
from foresight.derivations.distributions import Beta, Mixture
from foresight.derivations.learning import learning_limits
from foresight.verify.blume_easley import scipy_logpdf


def kl(p, q):
    """KL by SciPy quadrature (an independent route from the KL module)."""
    def integrand(x):
        lp = float(scipy_logpdf(p, np.array([x]))[0])
        return math.exp(lp) * (lp - float(scipy_logpdf(q, np.array([x]))[0]))

    return quad(integrand, 0, 1, limit=200, epsabs=1e-13)[0]


F, G = Beta(1.5, 1), Beta(1, 1.5)


@pytest.mark.parametrize("priors,nature,expected", [
    ((0.3, 0.7), F, 0.3),  # lambda w1/(lambda w1 + (1-lambda) w2) with w = prior on f
    ((0.3, 0.7), G, 0.7),
    ((0.1, 0.9), F, 0.1),
    ((0.7, 0.3), F, 0.7),
])
def test_exercise_23_2_interior_limits(priors, nature, expected):
    p1, p2 = priors
    econ = ExchangeEconomy((Belief((F, G), (p1, 1 - p1)), Belief((F, G), (p2, 1 - p2))), (0.5, 0.5))
    lim = learning_limits(econ, nature, kl=kl)
    assert lim.drift == 0.0 and lim.survivors == (0, 1)
    assert lim.share_limits[0] == pytest.approx(expected, abs=1e-14)


def test_interior_limit_depends_on_pareto_weight_and_gamma():
    econ = ExchangeEconomy((Belief((F, G), (0.3, 0.7)), Belief((F, G), (0.7, 0.3))), (0.25, 0.75),
                           gamma=2.0)
    lim = learning_limits(econ, F, kl=kl)
    a, b = math.sqrt(0.25 * 0.3), math.sqrt(0.75 * 0.7)
    assert lim.share_limits[0] == pytest.approx(a / (a + b), abs=1e-14)


def test_exercise_23_4_three_models():
    f, g = Beta(3, 2), Beta(2, 3)
    h = Mixture((0.5, 0.5), (f, g))
    econ = ExchangeEconomy(
        (Belief((f, g, h), (0.5, 0.5, 0.0)), Belief((f, g, h), (1 / 3, 1 / 3, 1 / 3))), (0.5, 0.5)
    )
    lim = learning_limits(econ, f, kl=kl)
    assert lim.limiting_models == ((0,), (0,))
    assert lim.share_limits[0] == pytest.approx(0.5 * 0.5 / (0.5 * 0.5 + 0.5 / 3), abs=1e-14)
    # Nature h: agent 1 cannot represent it, agent 2 can: agent 2 survives.
    lim_h = learning_limits(econ, h, kl=kl)
    assert lim_h.survivors == (1,) and lim_h.share_limits == (0.0, 1.0)
    assert lim_h.drift < 0


def test_fixed_beliefs_survivor_is_kl_minimiser():
    f, g = Beta(1, 1), Beta(3, 1.2)
    econ = ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (0.5, 0.5))
    h = Mixture((0.5, 0.5), (f, g))
    lim = learning_limits(econ, h, kl=kl)
    assert lim.survivors == (0,)
    assert lim.drift == pytest.approx(kl(h, g) - kl(h, f), abs=1e-12)
    assert lim.log_likelihood_ratio_limit == math.inf


def test_tie_between_different_models_is_indeterminate():
    f, g = Beta(2, 1), Beta(1, 2)
    econ = ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (0.5, 0.5))
    lim = learning_limits(econ, Beta(1, 1), kl=kl)  # KL(U||f) = KL(U||g) by symmetry
    assert lim.share_limits is None and lim.drift == 0.0
    assert "random walk" in lim.reason

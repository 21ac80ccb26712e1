"""The split SIMD/numba fixed-belief route agrees with the general kernel."""

import numpy as np

from foresight.derivations.distributions import Beta, Mixture
from foresight.numerics import blume_easley as nb
from foresight.numerics.blume_easley_fast import fixed_beta_two_agents


def test_fast_route_matches_the_kernel_on_the_same_draws():
    f, g = Beta(1, 1), Beta(3, 1.2)
    states = nb.sample_states(Mixture((0.5, 0.5), (f, g)), 200, 50, seed=3)
    for lam in (0.5, 0.2):
        shares, log_l = fixed_beta_two_agents(states, f, g, lam)
        sim = nb.simulate_on_states(nb.lecture_economy(f, g, pareto_weight=lam), states,
                                    outputs=("shares", "log_likelihood_ratio"))
        np.testing.assert_allclose(log_l, sim.log_likelihood_ratio, rtol=0, atol=1e-11)
        np.testing.assert_allclose(shares, sim.shares, rtol=0, atol=1e-13)
        assert np.all(shares >= 0) and np.allclose(shares.sum(axis=2), 1.0)

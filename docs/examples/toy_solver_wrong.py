"""A deliberately wrong toy solver: three classic mistakes, each caught by a regression check.

* ``allocation`` forgets the 1/gamma exponent (right only for log utility);
* ``simulate_shares`` updates beliefs with s_t before pricing s_t;
* ``prices`` uses agent 1's beliefs only (p_t = delta^t pi^1_t).
"""

import numpy as np
import toy_solver


def allocation(pareto_weights, densities, gamma, aggregate_endowment):
    w = np.asarray(pareto_weights)[None, :] * densities
    return aggregate_endowment * w / w.sum(axis=1, keepdims=True)


def simulate_shares(economy, states):
    return toy_solver.simulate_shares(economy, states, update_first=True)


def prices(economy, t, histories):
    return economy.discount ** t * toy_solver._joint(economy.beliefs[0], histories)

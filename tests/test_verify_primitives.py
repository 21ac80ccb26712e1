"""Issue 10: checks against the paper's primitives fail on perturbed inputs."""

from __future__ import annotations

import types

import numpy as np

from foresight.numerics.bfe import BFESolver, CapacityModel
from foresight.verify import bfe as vb


def test_table2_passes_and_fails_on_wrong_demand():
    assert vb.check_capacity_table2().passed
    assert not vb.check_capacity_table2(CapacityModel(e=76.0)).passed
    assert not vb.check_capacity_table2(CapacityModel(m=0.25)).passed
    model = CapacityModel()
    # A model whose inverse demand drops the 1/f in the slope: Q/m instead of Q/(m f).
    wrong = types.SimpleNamespace(**{k: getattr(model, k) for k in
                                     ("beta", "m", "e", "f", "cost", "delta", "z_values",
                                      "n_states")})
    wrong.profit_at = lambda z, q: (np.asarray(z)[:, None] * (7.5 - np.asarray(q)[:, None] / 0.125)
                                    * np.arange(11.0)[None, :])
    assert not vb.check_capacity_table2(wrong).passed


def test_transitions_fail_when_edge_or_probability_wrong():
    model = CapacityModel()
    assert vb.check_ladder_transitions(model).passed
    wrong = types.SimpleNamespace(n_states=model.n_states, a_max=model.a_max, delta=model.delta)

    def swapped(policy):
        t = model.transition_matrix(policy)
        return t[:, ::-1]  # up and down exchanged

    wrong.transition_matrix = swapped
    assert not vb.check_ladder_transitions(wrong).passed


def test_policies_brute_force_fails_on_perturbed_policy():
    model = CapacityModel()
    solver = BFESolver(model, 1)
    eq = solver.solve(np.full(11, 1 / 11), 1)
    assert vb.check_policies_brute_force(model, solver, eq).passed
    bumped = [np.array(p, dtype=float) for p in eq.policies]
    bumped[1] = bumped[1] + 1e-4 * (bumped[1] < model.a_max - 1e-3)
    assert not vb.check_policies_brute_force(model, solver, eq, policies=bumped).passed

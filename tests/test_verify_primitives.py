"""Issue 10: checks against the paper's primitives fail on perturbed inputs."""

from __future__ import annotations

import types

import numpy as np
import pytest

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


# ---------------------------------------------------------------- Blume-Easley routes


def _learning_sim():
    from foresight.derivations.blume_easley import Belief, ExchangeEconomy
    from foresight.derivations.distributions import Beta
    from foresight.numerics.blume_easley import simulate

    f, g = Beta(1.5, 1), Beta(1, 1.5)
    econ = ExchangeEconomy((Belief((f, g), (0.3, 0.7)), Belief((f, g), (0.6, 0.4))), (0.5, 0.5))
    return econ, simulate(econ, f, 2, 30, seed=1, outputs=("posteriors",))


def test_posteriors_vs_bayes_fails_without_prior():
    from foresight.verify import blume_easley as vbe

    econ, sim = _learning_sim()
    belief = econ.beliefs[0]
    assert vbe.check_posteriors_vs_bayes(sim.states, sim.posteriors[:, :, 0], belief).passed
    # The mutation issue 10 names: the posterior computed as if the prior were uniform.
    from foresight.derivations.blume_easley import Belief

    flat = Belief(belief.models, (0.5, 0.5))
    assert not vbe.check_posteriors_vs_bayes(sim.states, sim.posteriors[:, :, 0], flat).passed
    off_by_one = np.concatenate([sim.posteriors[:, :1, 0], sim.posteriors[:, :-1, 0]], axis=1)
    assert not vbe.check_posteriors_vs_bayes(sim.states, off_by_one, belief).passed


def test_planner_numeric_fails_on_wrong_gamma_shares():
    from foresight.numerics.blume_easley import simulate
    from foresight.verify import blume_easley as vbe

    econ = vbe._three_agent_economy(2.0)
    _, _, h = vbe._lecture_pair()
    sim = simulate(econ, h, 1, 6, seed=2, outputs=("shares", "log_prices"))
    good = vbe.check_planner_numeric(econ, sim.states, sim.shares, sim.log_prices, dates=(0, 5))
    assert all(r.passed for r in good)
    # Shares and prices of the same economy simulated at gamma = 1 (exponent 1/gamma dropped).
    wrong = simulate(vbe._three_agent_economy(1.0), h, 1, 6, seed=2,
                     outputs=("shares", "log_prices"))
    bad = vbe.check_planner_numeric(econ, sim.states, wrong.shares, wrong.log_prices,
                                    dates=(0, 5))
    assert not bad[0].passed and not bad[1].passed
    shifted = vbe.check_planner_numeric(econ, sim.states, sim.shares, sim.log_prices + 1e-6,
                                        dates=(0, 5))
    assert shifted[0].passed and not shifted[1].passed


def test_derived_policies_pass_and_cover_every_regime():
    r = vb.check_derived_policies()
    assert r.passed, str(r)
    for where, counts in r.details["cases"].items():
        assert counts["zero"] > 0 and counts["interior"] > 0, (where, counts)
    assert r.details["cases"]["top"]["a_max"] > 0


@pytest.mark.parametrize("wrong", ["swap boundaries", "top gain from the down move",
                                   "interior exponent"])
def test_derived_policies_fail_on_a_wrong_derivation(wrong):
    import copy

    import sympy as sp

    from foresight.derivations.capacity import capacity_derivation

    # A copy: capacity_derivation() is cached, and the other tests need the true one.
    d = copy.copy(capacity_derivation())
    d.results = dict(d.results)
    sym = {s.name: s for s in d["optimal_investment_top"].free_symbols
           | d["optimal_investment"].free_symbols}
    if wrong == "swap boundaries":
        d.results["optimal_investment_top"], d.results["optimal_investment_bottom"] = (
            d.results["optimal_investment_bottom"], d.results["optimal_investment_top"])
    elif wrong == "top gain from the down move":  # the mutation run's der-capacity-boundary-swap
        d.results["optimal_investment_top"] = d["optimal_investment_top"].subs(
            sym["w_down"], sym["w_stay"])
    else:  # the root of beta C/(1+a) - d = 0 instead of beta C/(1+a)^2 - d = 0
        root = sym["beta"] * sym["C"] / sym["cost"] - 1
        d.results["optimal_investment"] = sp.Piecewise(
            (0, sym["C"] <= 0), (sp.Min(sym["a_max"], sp.Max(0, root)), True))
    assert not vb.check_derived_policies(d).passed
    assert vb.check_derived_policies().passed  # the cached derivation is untouched

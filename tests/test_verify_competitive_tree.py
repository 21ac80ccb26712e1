"""Event-tree Negishi weights and budgets vs the route from primitives: pass, and fail on errors."""

import dataclasses

import pytest

from foresight.numerics.event_tree import budgets, negishi_weights_numeric
from foresight.verify import blume_easley as vbe
from foresight.verify import competitive_tree as ct
from foresight.verify.registry import run_cases


def test_registered_case_passes_at_gamma_half_and_two_with_two_and_three_agents():
    results = run_cases("blume_easley.negishi_direct")
    assert len(results) == 8
    assert all(r.passed for r in results), [str(r) for r in results if not r.passed]


@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_weights_check_fails_when_the_compiled_route_uses_another_gamma(gamma):
    """A wrong exponent in the allocation that the numerics follow faithfully."""
    for econ in vbe._tree_economies(gamma):
        wrong = dataclasses.replace(econ, gamma=gamma * 1.02)
        compiled = negishi_weights_numeric(wrong, 8)
        assert not ct.check_negishi_weights_direct(econ, 8, compiled.weights,
                                                   tolerance=1e-10).passed


def test_budget_check_fails_when_the_learner_forgets_its_prior():
    """The compiled budgets of a learner whose posterior starts from a flat prior."""
    econ = vbe._tree_economies(2.0)[1]
    learner = econ.beliefs[2]
    flat = dataclasses.replace(learner, prior=(0.5, 0.5))
    wrong = dataclasses.replace(econ, beliefs=(*econ.beliefs[:2], flat))
    assert ct.check_budgets_direct(econ, 8, budgets(econ, 8).values).passed
    assert not ct.check_budgets_direct(econ, 8, budgets(wrong, 8).values).passed


def test_direct_route_agrees_with_the_log_closed_form():
    """At gamma = 1 the direct root equals the derived closed-form Negishi weights."""
    from foresight.derivations.blume_easley import negishi_weight_closed_form

    two = vbe._tree_economies(1.0)[0]
    # Log utility, fixed beliefs: c^i = share_i Y per node and every date's budget is
    # zero at the same weights, so truncation does not move the root at all.
    closed = negishi_weight_closed_form(two)
    for depth in (6, 10):
        assert abs(ct.negishi_weights_direct(two, depth) - closed).max() < 1e-12

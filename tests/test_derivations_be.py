"""Blume–Easley derivations against the lecture and against numerical optimisation."""

import itertools
import math

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize

from foresight.derivations import blume_easley as be
from foresight.errors import ParameterError


def test_two_agent_log_share_is_the_lecture_rule():
    lam, l = be.lam, be.l_sym
    share = be.two_agent_allocation(1)["share"]
    assert sp.simplify(share - lam * l / (1 - lam + lam * l)) == 0


@pytest.mark.parametrize("gamma", [1, 2, sp.Rational(1, 2), "symbolic"])
def test_share_limits(gamma):
    d = be.two_agent_allocation(gamma)
    assert d["limit_l_0"] == 0 and d["limit_l_inf"] == 1
    if gamma == 1:
        assert d["limit_l_1"] == be.lam


@pytest.mark.parametrize("n,gamma", [(2, 1), (3, 2), (4, sp.Rational(1, 2))])
def test_planner_allocation_solves_the_planning_problem_numerically(n, gamma):
    """Derived closed form vs SciPy maximising the planner's welfare directly."""
    rng = np.random.default_rng(n)
    d = be.planner_allocation(n, gamma)
    lams = rng.dirichlet(np.ones(n))
    pis = rng.uniform(0.2, 3.0, n)
    aggregate = 1.7
    subs = {sp.Symbol("Y", positive=True): aggregate}
    for i in range(n):
        subs[sp.Symbol(f"lambda_{i + 1}", positive=True)] = lams[i]
        subs[sp.Symbol(f"pi_{i + 1}", positive=True)] = pis[i]
    derived = np.array([float(c.subs(subs)) for c in d["consumption"]])

    g = float(gamma)

    def negative_welfare(c):
        u = np.log(c) if g == 1 else c ** (1 - g) / (1 - g)
        return -np.sum(lams * pis * u)

    res = minimize(
        negative_welfare, np.full(n, aggregate / n), method="SLSQP",
        bounds=[(1e-9, aggregate)] * n,
        constraints=[{"type": "eq", "fun": lambda c: np.sum(c) - aggregate}],
        options={"ftol": 1e-15, "maxiter": 500},
    )
    assert res.success
    # SLSQP stops at ~1e-8 in absolute terms; the closed form is exact.
    np.testing.assert_allclose(derived, res.x, rtol=2e-5, atol=1e-7)
    assert derived.sum() == pytest.approx(aggregate, rel=1e-14)


def test_n_agent_prices_are_the_planner_multiplier_and_support_every_foc():
    d = be.competitive_prices(3, 2)
    assert d["multiplier_ratio"].rhs == sp.Symbol("lambda_2", positive=True) / sp.Symbol(
        "lambda_1", positive=True
    )


def test_exercise_23_1_price_and_limits():
    d = be.competitive_prices(2, 1)
    lam = be.lam
    pi1, pi2 = sp.symbols("pi_1 pi_2", positive=True)
    expected = be.delta**be.t * (lam * pi1 + (1 - lam) * pi2) / (lam * (1 - lam))
    assert sp.simplify(d["price_two_agent"] - expected) == 0
    # l -> 0: price proportional to delta^t pi^2 (factor 1/lambda); l -> oo: to pi^1.
    assert sp.simplify(d["price_limit_l_0"] - 1 / lam) == 0
    assert sp.simplify(d["price_limit_l_inf"] - 1 / (1 - lam)) == 0


def test_negishi_closed_form_balances_budgets_on_a_brute_force_event_tree():
    """Budgets summed over every history of a 2-state tree in plain Python."""
    lo, hi = 0.2, 0.9
    agent1 = be.DiscreteStates((lo, hi), (0.6, 0.4))
    agent2 = be.DiscreteStates((lo, hi), (0.3, 0.7))
    econ = be.ExchangeEconomy(
        (be.fixed_belief(agent1), be.fixed_belief(agent2)), (0.5, 0.5), discount=0.6
    )
    lam = be.negishi_weight_closed_form(econ)
    depth = 12
    budget = [0.0, 0.0]
    for t in range(depth + 1):
        for history in itertools.product(range(2), repeat=t + 1):
            pi = [math.prod(m.probs[k] for k in history) for m in (agent1, agent2)]
            weighted = [lam[i] * pi[i] for i in range(2)]
            price = econ.discount**t * sum(weighted)  # Y = 1
            s = (lo, hi)[history[-1]]
            endowment = (s, 1 - s)
            for i in range(2):
                budget[i] += price * (weighted[i] / sum(weighted) - endowment[i])
    tail = econ.discount ** (depth + 1) / (1 - econ.discount)
    assert abs(budget[0]) < tail and abs(budget[1]) < tail
    # And a wrong weight does not balance them.
    assert abs(lam[0] - 0.5) > 0.01


def test_negishi_three_agents_sum_to_one():
    w = be.negishi_weights(3)["weights"]
    subs = {sp.Symbol("Y", positive=True): 1}
    for i, (a, b, m) in enumerate([(0.2, 0.5, 0.4), (0.3, -0.2, 0.6), (0.5, -0.3, 0.5)]):
        subs[sp.Symbol(f"a_{i + 1}", real=True)] = a
        subs[sp.Symbol(f"b_{i + 1}", real=True)] = b
        subs[sp.Symbol(f"m_{i + 1}", positive=True)] = m
    assert sum(float(x.subs(subs)) for x in w) == pytest.approx(1.0, abs=1e-14)


def test_bayesian_identities():
    d = be.bayesian_learning(3)
    assert d["chain_rule_holds"] is True and d["recursive_update_holds"] is True


def test_identical_detects_a_difference():
    x = sp.Symbol("x", positive=True)
    assert not be.identical(x ** (1 / be.gamma_sym), x)


@pytest.mark.parametrize(
    "kwargs,parameter",
    [
        ({"pareto_weights": (1.2, -0.2)}, "pareto_weights[1]"),
        ({"pareto_weights": (0.5, 0.6)}, "sum(pareto_weights)"),
        ({"gamma": 0.0}, "gamma"),
        ({"discount": 1.0}, "discount"),
        ({"endowment_slopes": (1.0, -0.5)}, "sum(endowment_slopes)"),
    ],
)
def test_bad_economies_name_the_parameter(kwargs, parameter):
    coin = be.DiscreteStates((0.0, 1.0), (0.5, 0.5))
    args = {"beliefs": (be.fixed_belief(coin), be.fixed_belief(coin)), "pareto_weights": (0.5, 0.5)}
    args.update(kwargs)
    with pytest.raises(ParameterError) as err:
        be.ExchangeEconomy(**args)
    assert err.value.name == parameter


def test_bad_prior_names_the_parameter():
    coin = be.DiscreteStates((0.0, 1.0), (0.5, 0.5))
    with pytest.raises(ParameterError, match="prior"):
        be.Belief((coin, coin), (0.7, 0.7))
    with pytest.raises(ParameterError, match=r"prior\[0\]"):
        be.Belief((coin, coin), (-0.5, 1.5))

"""Regression-test your own Blume–Easley solver against the derived theory.

Call these from your own test suite (plain ``assert``-style functions that
raise :class:`foresight.verify.check.CheckFailed`, an ``AssertionError``, with
the same structured message as ``foresight verify``: name, what theory says,
expected, observed, error, tolerance and how the tolerance was set).  The
pytest plugin (:mod:`foresight.verify.pytest_plugin`, active once foresight is
installed) provides the default cases as fixtures.

* :func:`assert_allocation_matches` -- ``fn(pareto_weights, densities, gamma,
  aggregate_endowment) -> (M, n)`` vs the planner's allocation derived with
  SymPy (30 digits);
* :func:`assert_shares_match_theory` -- ``simulate(economy, states) -> (N, T)``
  vs Bayes' law and the derived allocation rule on the same draws;
* :func:`assert_long_run_shares` -- the same simulator vs the derived
  almost-sure limits;
* :func:`assert_budgets_balance` -- ``prices(economy, t, histories) -> (M,)``:
  every agent's budget over every history of an event tree at the Negishi
  weight.

Conventions (also in ``docs/regression.md``):

* ``densities[m, i]`` is agent i's joint density ``pi^i_t(s^t)`` of a history;
  the allocation returned is consumption, ``(M, n)``.
* ``states[:, t]`` is ``s_t`` for ``t = 0 .. T-1``; a simulator returns agent
  1's consumption share after ``s_0 .. s_t`` (shape ``(N, T)``, or
  ``(N, T, n)`` for every agent).  Learning agents price ``s_t`` with the
  posterior formed from ``s_0 .. s_{t-1}`` (the prior at t = 0).
* A price function gets the economy (its ``pareto_weights`` are the Negishi
  weights when checking budgets), a date ``t`` and every history of length
  ``t + 1`` as rows of states ``s_0 .. s_t``; prices need only be right up to
  a positive factor independent of date and history.

Examples
--------
>>> import numpy as np
>>> def my_allocation(weights, densities, gamma, endowment):
...     w = (np.asarray(weights) * densities) ** (1 / gamma)
...     return endowment * w / w.sum(axis=1, keepdims=True)
>>> results = assert_allocation_matches(my_allocation)
>>> all(r.passed for r in results)
True
>>> def wrong(weights, densities, gamma, endowment):
...     w = np.asarray(weights) * densities  # forgets 1/gamma
...     return endowment * w / w.sum(axis=1, keepdims=True)
>>> assert_allocation_matches(wrong)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
foresight.verify.check.CheckFailed: [FAIL] regression.allocation[two agents, CRRA gamma = 2]: ...
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from foresight.verify.check import CheckFailed, CheckResult, compare_close

__all__ = [
    "AllocationCase",
    "SimulationCase",
    "CheckFailed",
    "default_allocation_cases",
    "default_simulation_cases",
    "default_budget_economies",
    "check_allocation",
    "check_shares",
    "check_long_run_shares",
    "check_budgets",
    "assert_allocation_matches",
    "assert_shares_match_theory",
    "assert_long_run_shares",
    "assert_budgets_balance",
]


def _raise_first_failure(results: list[CheckResult]) -> list[CheckResult]:
    failed = [r for r in results if not r.passed]
    if failed:
        raise CheckFailed(failed[0])
    return results


def _crashed(name: str, statement: str, exc: BaseException) -> CheckResult:
    return CheckResult(name, statement, "a result", f"{type(exc).__name__}: {exc}"[:300], 0.0,
                       "your function raised", False)


# --------------------------------------------------------------------------
# Allocation rule
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationCase:
    """Economies at which an allocation function is compared with the derived rule.

    Attributes
    ----------
    name : str
    pareto_weights : tuple of float
    gamma : float
        Relative risk aversion (1 = log).
    aggregate_endowment : float
    densities : numpy.ndarray
        ``(M, n)`` joint densities ``pi^i_t(s^t)``, spread over many orders
        of magnitude (long histories make them tiny or huge).
    """

    name: str
    pareto_weights: tuple
    gamma: float
    aggregate_endowment: float
    densities: np.ndarray

    def __hash__(self):
        return hash((self.name, self.pareto_weights, self.gamma, self.aggregate_endowment))


def default_allocation_cases(points: int = 40, seed: int = 20251123) -> list[AllocationCase]:
    """Two and three agents, log and CRRA utility, densities from 1e-12 to 1e12.

    Examples
    --------
    >>> [c.name for c in default_allocation_cases()][:2]
    ['two agents, log utility (the lecture)', 'two agents, CRRA gamma = 2']
    """
    rng = np.random.default_rng(seed)
    specs = [
        ("two agents, log utility (the lecture)", (0.5, 0.5), 1.0, 1.0),
        ("two agents, CRRA gamma = 2", (0.3, 0.7), 2.0, 2.0),
        ("three agents, log utility", (0.2, 0.3, 0.5), 1.0, 1.0),
        ("three agents, CRRA gamma = 0.5", (0.25, 0.25, 0.5), 0.5, 3.0),
    ]
    cases = []
    for name, weights, gamma, endowment in specs:
        dens = 10.0 ** rng.uniform(-12, 12, size=(points, len(weights)))
        cases.append(AllocationCase(name, weights, gamma, endowment, dens))
    return cases


@cache
def _allocation_rule(n: int):
    import sympy as sp

    from foresight.derivations.blume_easley import Y, gamma_sym, planner_allocation

    consumption = planner_allocation(n, "symbolic")["consumption"]
    lams = sp.symbols(f"lambda_1:{n + 1}", positive=True)
    pis = sp.symbols(f"pi_1:{n + 1}", positive=True)
    return sp.lambdify((Y, gamma_sym, *lams, *pis), consumption, modules="mpmath")


def derived_allocation(case: AllocationCase) -> np.ndarray:
    """The planner's allocation of `case` from the SymPy derivation, at 30 digits.

    Examples
    --------
    >>> c = AllocationCase("demo", (0.5, 0.5), 1.0, 1.0, np.array([[1.0, 3.0]]))
    >>> derived_allocation(c).tolist()
    [[0.25, 0.75]]
    """
    import mpmath

    n = len(case.pareto_weights)
    rule = _allocation_rule(n)
    out = np.empty(case.densities.shape)
    with mpmath.workdps(30):
        lams = [mpmath.mpf(w) for w in case.pareto_weights]
        for m, row in enumerate(case.densities):
            values = rule(mpmath.mpf(case.aggregate_endowment), mpmath.mpf(case.gamma), *lams,
                          *[mpmath.mpf(float(p)) for p in row])
            out[m] = [float(v) for v in values]
    return out


def check_allocation(my_allocation: Callable, case: AllocationCase) -> CheckResult:
    """Your allocation vs the derived planner's allocation at the points of `case`.

    Tolerance: ``1e-12`` relative to the aggregate endowment (float64
    evaluation of a few powers and a sum; the reference is 30-digit).
    """
    name = f"regression.allocation[{case.name}]"
    statement = ("c_i = Y (lambda_i pi^i)^(1/gamma) / sum_j (lambda_j pi^j)^(1/gamma) "
                 "(planner's FOCs and feasibility, derived)")
    try:
        observed = np.asarray(my_allocation(np.asarray(case.pareto_weights),
                                            case.densities.copy(), float(case.gamma),
                                            float(case.aggregate_endowment)), dtype=float)
    except Exception as exc:  # the user's code: report, do not crash the suite
        return _crashed(name, statement, exc)
    expected = derived_allocation(case)
    result = compare_close(name, statement, expected, observed,
                           atol=1e-12 * case.aggregate_endowment,
                           basis="float64 evaluation vs 30-digit reference, 1e-12 x Y",
                           details={"points": int(case.densities.shape[0])})
    if not result.passed and observed.shape == expected.shape:
        m = int(np.nanargmax(np.max(np.abs(np.nan_to_num(observed - expected, nan=np.inf)),
                                    axis=1)))
        result = dataclasses.replace(result, details={
            **result.details, "worst_point": {
                "pareto_weights": case.pareto_weights, "gamma": case.gamma,
                "densities": case.densities[m].tolist(),
                "derived": expected[m].tolist(), "yours": observed[m].tolist()}})
    return result


def assert_allocation_matches(my_allocation: Callable,
                              economies: Sequence[AllocationCase] | None = None):
    """Assert ``my_allocation(weights, densities, gamma, endowment)`` is the derived rule.

    Parameters
    ----------
    my_allocation : callable
        ``(pareto_weights (n,), densities (M, n), gamma, aggregate_endowment)
        -> consumption (M, n)``.
    economies : sequence of AllocationCase, optional
        Default :func:`default_allocation_cases`.

    Returns
    -------
    list of CheckResult
        When all pass.

    Raises
    ------
    CheckFailed
        With the first failing check.
    """
    cases = default_allocation_cases() if economies is None else economies
    return _raise_first_failure([check_allocation(my_allocation, c) for c in cases])


# --------------------------------------------------------------------------
# Simulations: shares on the same draws, long-run limits
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulationCase:
    """An economy, nature's distribution and a sample size for a simulator.

    Attributes
    ----------
    name : str
    economy : foresight.derivations.blume_easley.ExchangeEconomy
        Two agents, iid Beta/Mixture models, fixed or learning beliefs.
    nature : Beta or Mixture
    n_paths, n_periods : int
    seed : int
    """

    name: str
    economy: object
    nature: object
    n_paths: int = 64
    n_periods: int = 200
    seed: int = 1

    def states(self) -> np.ndarray:
        """Nature's draws, ``(n_paths, n_periods)``, from the case's seed."""
        rng = np.random.default_rng(np.random.SeedSequence(self.seed))
        weights, a, b = self.nature.components_arrays()
        pick = rng.choice(len(weights), p=weights, size=(self.n_paths, self.n_periods))
        return rng.beta(np.asarray(a)[pick], np.asarray(b)[pick])


def default_simulation_cases() -> list[SimulationCase]:
    """Fixed beliefs (the lecture's f, g), CRRA, and learning agents (Exercise 23.2).

    Examples
    --------
    >>> [c.name for c in default_simulation_cases()][0]
    'fixed beliefs f = Beta(1, 1), g = Beta(3, 1.2), nature f'
    """
    from foresight.derivations.blume_easley import Belief, ExchangeEconomy, fixed_belief
    from foresight.derivations.distributions import Beta

    f, g = Beta(1, 1), Beta(3, 1.2)
    fixed = ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (0.5, 0.5))
    crra = ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (0.4, 0.6), gamma=2.0)
    f2, g2 = Beta(1.5, 1), Beta(1, 1.5)
    learning = ExchangeEconomy((Belief((f2, g2), (0.3, 0.7)), Belief((f2, g2), (0.7, 0.3))),
                               (0.5, 0.5))
    return [
        SimulationCase("fixed beliefs f = Beta(1, 1), g = Beta(3, 1.2), nature f", fixed, f,
                       64, 120, 1),
        SimulationCase("CRRA gamma = 2, fixed beliefs, nature g", crra, g, 64, 150, 2),
        SimulationCase("learning agents (Exercise 23.2), priors on f (0.3, 0.7), nature f",
                       learning, f2, 64, 200, 3),
    ]


def _union_models(economy):
    models, priors = [], []
    for belief in economy.beliefs:
        for m in belief.models:
            if m not in models:
                models.append(m)
    for belief in economy.beliefs:
        row = [0.0] * len(models)
        for w, m in zip(belief.prior, belief.models, strict=True):
            row[models.index(m)] += w
        priors.append(tuple(row))
    return tuple(models), tuple(priors)


def _run_simulator(simulator, case: SimulationCase, states):
    out = np.asarray(simulator(case.economy, states.copy()), dtype=float)
    if out.ndim == 3:
        out = out[..., 0]
    return out


def check_shares(shares, case: SimulationCase, states=None) -> CheckResult:
    """Simulated agent-1 shares vs the derived rule at Bayes' likelihood ratio, same draws.

    Tolerance ``1e-12 + 64 T eps`` (float64 running products of T ratios).
    """
    from foresight.verify.exercises import learning_theory, share_rule

    econ = case.economy
    states = case.states() if states is None else states
    models, priors = _union_models(econ)
    theory = learning_theory(states, models, priors, skip_first=False)
    expected = share_rule(theory.log_l, econ.pareto_weights[0], econ.gamma)
    t = states.shape[1]
    atol = 1e-12 + 64 * t * np.finfo(float).eps
    shares = np.asarray(shares, dtype=float)
    result = compare_close(
        f"regression.shares_vs_allocation_rule[{case.name}]",
        "c^1_t = derived two-agent rule at l_t = pi^1_t(s^t) / pi^2_t(s^t), joint densities "
        "by Bayes' law on the same draws (beliefs for s_t from s^{t-1})",
        expected, shares, atol=atol,
        basis=f"float64 running products over T = {t}: 1e-12 + 64 T eps",
        details={"paths": int(states.shape[0]), "periods": t})
    if not result.passed and shares.shape == expected.shape:
        p, q = np.unravel_index(int(np.argmax(np.nan_to_num(np.abs(shares - expected),
                                                            nan=np.inf))), shares.shape)
        result = dataclasses.replace(result, details={
            **result.details, "worst": f"path {p}, t = {q}: yours {shares[p, q]:.10g}, "
                                       f"derived {expected[p, q]:.10g}"})
    return result


def check_long_run_shares(shares, case: SimulationCase) -> CheckResult:
    """Median final share vs the derived almost-sure limit, with the bound of
    :func:`foresight.verify.exercises.long_run_bound` as tolerance."""
    from foresight.verify.exercises import long_run_bound

    econ = case.economy
    models, priors = _union_models(econ)
    limit, bound, basis, reason, _ = long_run_bound(
        models, priors, econ.pareto_weights[0], econ.gamma, case.nature, case.n_periods)
    final = np.asarray(shares, dtype=float)[:, -1]
    if limit is None:
        return CheckResult(f"regression.long_run_share[{case.name}]", reason, "no a.s. limit",
                           float(np.median(final)), 0.0, basis, False)
    return compare_close(
        f"regression.long_run_share[{case.name}]",
        f"c^1_T -> {limit:.6g} almost surely ({reason})", limit, float(np.median(final)),
        atol=bound, basis=basis,
        details={"paths": int(final.size), "periods": int(case.n_periods)})


def assert_shares_match_theory(my_simulator: Callable,
                               cases: Sequence[SimulationCase] | None = None):
    """Assert ``my_simulator(economy, states)`` gives the derived shares on the same draws.

    Raises
    ------
    CheckFailed
        With the first failing check (a simulator that raises fails too).
    """
    results = []
    for case in default_simulation_cases() if cases is None else cases:
        states = case.states()
        try:
            shares = _run_simulator(my_simulator, case, states)
        except Exception as exc:
            results.append(_crashed(f"regression.shares_vs_allocation_rule[{case.name}]",
                                    "the simulator returns shares", exc))
            continue
        results.append(check_shares(shares, case, states))
    return _raise_first_failure(results)


def assert_long_run_shares(my_simulator: Callable,
                           cases: Sequence[SimulationCase] | None = None):
    """Assert the median long-run share of ``my_simulator`` is the derived a.s. limit.

    Raises
    ------
    CheckFailed
        With the first failing check.
    """
    results = []
    for case in default_simulation_cases() if cases is None else cases:
        try:
            shares = _run_simulator(my_simulator, case, case.states())
        except Exception as exc:
            results.append(_crashed(f"regression.long_run_share[{case.name}]",
                                    "the simulator returns shares", exc))
            continue
        results.append(check_long_run_shares(shares, case))
    return _raise_first_failure(results)


# --------------------------------------------------------------------------
# Budgets at the Negishi weight (event trees)
# --------------------------------------------------------------------------


def default_budget_economies():
    """Discrete-state economies (two or three states; fixed and learning beliefs).

    Examples
    --------
    >>> len(default_budget_economies())
    3
    """
    from foresight.derivations.blume_easley import (
        Belief,
        DiscreteStates,
        ExchangeEconomy,
        fixed_belief,
    )

    a = DiscreteStates((0.2, 0.9), (0.6, 0.4))
    b = DiscreteStates((0.2, 0.9), (0.3, 0.7))
    c = DiscreteStates((0.1, 0.5, 0.8), (0.2, 0.5, 0.3))
    d = DiscreteStates((0.1, 0.5, 0.8), (0.5, 0.3, 0.2))
    return [
        ExchangeEconomy((fixed_belief(a), fixed_belief(b)), (0.5, 0.5), discount=0.5),
        ExchangeEconomy((fixed_belief(c), fixed_belief(d)), (0.5, 0.5), discount=0.4),
        ExchangeEconomy((Belief((a, b), (0.5, 0.5)), fixed_belief(b)), (0.5, 0.5),
                        discount=0.5),
    ]


def _joint_density(belief, histories: np.ndarray) -> np.ndarray:
    total = np.zeros(histories.shape[0])
    for w, model in zip(belief.prior, belief.models, strict=True):
        if w == 0:
            continue
        like = np.ones(histories.shape[0])
        for value, prob in zip(model.values, model.probs, strict=True):
            like *= prob ** np.count_nonzero(histories == value, axis=1)
        total += w * like
    return total


def check_budgets(my_prices: Callable, economy, depth: int | None = None) -> CheckResult:
    """Budgets ``sum_t sum_{s^t} p_t (c_i - y_i)`` at the Negishi weight, every history.

    The Negishi weights come from the closed form derived in
    :func:`foresight.derivations.blume_easley.negishi_weights` (log utility);
    the allocation from the derived planner rule; the prices from your
    function.  Budgets are divided by the value of the aggregate endowment
    (so any positive normalisation of prices is fine).  Tolerance: the
    truncated tail, ``delta^(D+1) / (1 - delta^(D+1))`` of that value.
    """
    from foresight.derivations.blume_easley import negishi_weight_closed_form
    from foresight.verify.blume_easley import check_budgets_balance

    weights = negishi_weight_closed_form(economy)
    econ = dataclasses.replace(economy, pareto_weights=weights)
    states = econ.beliefs[0].models[0].values
    n = econ.n_agents
    if depth is None:  # tail below 1e-5 of the total, at most ~2e5 histories
        depth = min(int(math.ceil(math.log(1e-5) / math.log(econ.discount))),
                    int(math.log(2e5) / math.log(len(states))) - 1)
    name = f"regression.budgets_balance[{len(states)} states, delta = {econ.discount:g}]"
    budgets, value = np.zeros(n), 0.0
    a, b = np.asarray(econ.endowment_intercepts), np.asarray(econ.endowment_slopes)
    total = econ.aggregate_endowment
    for t in range(depth + 1):
        hist = np.array(list(itertools.product(states, repeat=t + 1)), dtype=float)
        dens = np.stack([_joint_density(bel, hist) for bel in econ.beliefs], axis=1)
        case = AllocationCase("budget", weights, 1.0, total, dens)
        consumption = derived_allocation(case) if t < 3 else _fast_log_allocation(case)
        try:
            p = np.asarray(my_prices(econ, t, hist.copy()), dtype=float).reshape(-1)
        except Exception as exc:
            return _crashed(name, "the price function returns prices", exc)
        if p.shape != (hist.shape[0],):
            return CheckResult(name, "one price per history", f"shape ({hist.shape[0]},)",
                               f"shape {p.shape}", 0.0, "shape", False)
        endow = a[None, :] + b[None, :] * hist[:, -1:]
        budgets += p @ (consumption - endow)
        value += float(p.sum()) * total
    tail = econ.discount ** (depth + 1) / (1 - econ.discount ** (depth + 1))
    result = check_budgets_balance(budgets / value, tail, name=name)
    return dataclasses.replace(result, details={"depth": depth, "negishi_weights": weights,
                                                "budgets_over_value": (budgets / value).tolist()})


def _fast_log_allocation(case: AllocationCase) -> np.ndarray:
    """The derived log-utility rule lambdified for numpy (float64; long histories)."""
    n = len(case.pareto_weights)
    rule = _numpy_rule(n)
    lams = [np.full(case.densities.shape[0], w) for w in case.pareto_weights]
    out = np.stack([np.broadcast_to(np.asarray(c, dtype=float), (case.densities.shape[0],))
                    for c in rule(case.aggregate_endowment, *lams, *case.densities.T)], axis=1)
    return out


@cache
def _numpy_rule(n: int):
    import sympy as sp

    from foresight.derivations.blume_easley import Y, planner_allocation

    consumption = planner_allocation(n, 1)["consumption"]
    lams = sp.symbols(f"lambda_1:{n + 1}", positive=True)
    pis = sp.symbols(f"pi_1:{n + 1}", positive=True)
    return sp.lambdify((Y, *lams, *pis), consumption, modules="numpy")


def assert_budgets_balance(my_prices: Callable, economies=None, depth: int | None = None):
    """Assert every agent's budget balances at the Negishi weight under ``my_prices``.

    Parameters
    ----------
    my_prices : callable
        ``(economy, t, histories (M, t+1)) -> prices (M,)``; ``economy`` is
        an :class:`~foresight.derivations.blume_easley.ExchangeEconomy` with
        discrete states whose ``pareto_weights`` are the Negishi weights.
    economies : sequence of ExchangeEconomy, optional
        Log utility, :class:`DiscreteStates` beliefs; default
        :func:`default_budget_economies`.
    depth : int, optional
        Last date of the event tree (default: tail below 1e-5).

    Raises
    ------
    CheckFailed
        With the first failing check.
    """
    econs = default_budget_economies() if economies is None else economies
    return _raise_first_failure([check_budgets(my_prices, e, depth) for e in econs])

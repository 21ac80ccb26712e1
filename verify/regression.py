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
  weight (log utility: closed form; CRRA: the numerical Negishi weights);
* :func:`assert_prices_match_theory` -- the same price function vs the derived
  competitive price (:func:`foresight.derivations.blume_easley.competitive_prices`):
  ratios ``p_{t+1}/p_t`` along each history and ``p_t(s^t)/p_t(r^t)`` across
  histories, gamma in {0.5, 1, 2}, discrete and Beta states.

:func:`check_all` runs every case of every assertion without stopping and
returns one record per case (a list of dicts, or a pandas DataFrame).  A
function with another signature fails at once with a :class:`SignatureError`
naming the signature expected and the adapters
(:func:`simulator_from_densities`, :func:`simulator_from_seeded`).

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
foresight.verify.check.CheckFailed: foresight check FAILED: regression.allocation[two agents, ...
  theory:    c_i = Y (lambda_i pi^i)^(1/gamma) / sum_j (lambda_j pi^j)^(1/gamma) ...
  expected:  ...
  observed:  ...
  error:     ... > tolerance ...
  points: 40
  worst_entry: index (..., ...) of shape (40, 2)
  worst_point: {'pareto_weights': (0.3, 0.7), 'gamma': 2.0, ...}
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from foresight.errors import ParameterError
from foresight.verify.check import CheckFailed, CheckResult, compare_close

__all__ = [
    "AllocationCase",
    "SimulationCase",
    "PriceCase",
    "CheckFailed",
    "SignatureError",
    "UnsupportedCase",
    "SIGNATURES",
    "Density",
    "default_allocation_cases",
    "default_simulation_cases",
    "default_budget_economies",
    "default_price_cases",
    "check_allocation",
    "check_shares",
    "check_long_run_shares",
    "check_budgets",
    "check_prices",
    "check_all",
    "to_records",
    "assert_allocation_matches",
    "assert_shares_match_theory",
    "assert_long_run_shares",
    "assert_budgets_balance",
    "assert_prices_match_theory",
    "simulator_from_densities",
    "simulator_from_seeded",
]

#: The call each assertion makes, by role (also the table of docs/regression.md).
SIGNATURES = {
    "allocation": "allocation(pareto_weights (n,), densities (M, n), gamma, "
                  "aggregate_endowment) -> consumption (M, n)",
    "simulator": "simulator(economy, states (N, T)) -> agent 1's share (N, T) or every "
                 "agent's (N, T, n)",
    "prices": "prices(economy, t, histories (M, t + 1)) -> p_t (M,)",
}

_ADAPTER_HINT = {
    "allocation": "wrap it: lambda weights, densities, gamma, endowment: "
                  "your_function(...) in your argument order",
    "simulator": "a simulator written like the lecture's simulate_blume_easley(sequences, "
                 "f_belief, g_belief, lam) -> (l, c1): "
                 "regression.simulator_from_densities(fixed=your_function) (learning agents: "
                 "learning=fn(sequences, models, prior_1, prior_2, lam)); one that draws its "
                 "own states, simulate(f, g, lam, T, N, seed) -> (states, shares): "
                 "regression.simulator_from_seeded(your_function)",
    "prices": "wrap it: lambda economy, t, histories: your_function(...) in your argument "
              "order",
}


class SignatureError(TypeError):
    """Your function cannot be called the way an assertion calls it.

    The message names your function's signature, the expected one
    (:data:`SIGNATURES`) and the adapter to use.

    Examples
    --------
    >>> def simulate(f, g, lam, T, N, seed):
    ...     pass
    >>> assert_shares_match_theory(simulate)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    foresight.verify.regression.SignatureError: your simulator simulate(f, g, lam, T, N, seed) ...
    """


class UnsupportedCase(ValueError):
    """An adapted solver cannot handle a case (learning agents, CRRA, long-run limits).

    Raised by the adapters; the assertion records it as a failing case whose
    message says what to pass instead (e.g. ``default_simulation_cases(learning=False)``).
    """


def _require_signature(fn: Callable, role: str) -> None:
    """Raise SignatureError unless `fn` accepts the positional arguments of `role`."""
    n_args = {"allocation": 4, "simulator": 2, "prices": 3}[role]
    if not callable(fn):
        raise SignatureError(f"your {role} {fn!r} is not callable; expected {SIGNATURES[role]}")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins, some compiled callables: just call them
        return
    try:
        sig.bind(*range(n_args))
    except TypeError as exc:
        name = getattr(fn, "__name__", type(fn).__name__)
        raise SignatureError(
            f"your {role} {name}{sig} cannot be called as {SIGNATURES[role]} ({exc}); "
            f"{_ADAPTER_HINT[role]}. See docs/regression.md, 'Other signatures'.") from None


def _raise_first_failure(results: list[CheckResult]) -> list[CheckResult]:
    failed = [r for r in results if not r.passed]
    if failed:
        raise CheckFailed(failed[0])
    return results


def _crashed(name: str, statement: str, exc: BaseException, role: str | None = None
             ) -> CheckResult:
    details = {} if role is None else {"expected_signature": SIGNATURES[role]}
    basis = ("the adapter cannot run this case" if isinstance(exc, UnsupportedCase)
             else "your function raised")
    return CheckResult(name, statement, "a result", f"{type(exc).__name__}: {exc}"[:400], 0.0,
                       basis, False, details=details)


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
    return _raise_first_failure([run() for *_, run in _allocation_results(my_allocation,
                                                                           economies)])


def _allocation_results(my_allocation, economies=None):
    _require_signature(my_allocation, "allocation")
    cases = default_allocation_cases() if economies is None else economies
    for case in cases:
        yield "assert_allocation_matches", case.name, lambda c=case: check_allocation(
            my_allocation, c)


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
        return _draw(self.nature, self.n_paths, self.n_periods, self.seed)

    @property
    def learning(self) -> bool:
        """True when some agent learns (more than one model with positive prior)."""
        return any(b.is_learning for b in self.economy.beliefs)


def _draw(nature, n_paths: int, n_periods: int, seed: int) -> np.ndarray:
    """``(n_paths, n_periods)`` iid draws from `nature` (Beta, Mixture or DiscreteStates)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    if hasattr(nature, "probs"):
        return rng.choice(np.asarray(nature.values), p=np.asarray(nature.probs),
                          size=(n_paths, n_periods))
    weights, a, b = nature.components_arrays()
    pick = rng.choice(len(weights), p=weights, size=(n_paths, n_periods))
    return rng.beta(np.asarray(a)[pick], np.asarray(b)[pick])


def default_simulation_cases(learning: bool | None = None) -> list[SimulationCase]:
    """Fixed beliefs (the lecture's f, g), CRRA, learning agents, and two long horizons.

    The two long cases (T = 3000, 32 paths) have *both* agents' beliefs wrong:
    every joint density then leaves float64 range (it shrinks or grows like
    ``exp(-T KL)``), so a simulator that multiplies densities or likelihood
    ratios without logs returns 0/0 or inf/inf there, while the shares on the
    same draws stay well defined.  In the lecture's economy (f = Beta(1, 1),
    density 1) only one product can leave the range and the shares round to
    the right 0 or 1, which is why short or lecture cases cannot catch it.

    Parameters
    ----------
    learning : bool, optional
        ``True``: only cases with learning agents; ``False``: only fixed
        beliefs (for a simulator that handles fixed beliefs only); default all.

    Returns
    -------
    list of SimulationCase

    Examples
    --------
    >>> [c.name for c in default_simulation_cases()][0]
    'fixed beliefs f = Beta(1, 1), g = Beta(3, 1.2), nature f'
    >>> [(c.n_paths, c.n_periods) for c in default_simulation_cases(learning=True)]
    [(64, 200), (32, 3000)]
    """
    from foresight.derivations.blume_easley import Belief, ExchangeEconomy, fixed_belief
    from foresight.derivations.distributions import Beta

    f, g = Beta(1, 1), Beta(3, 1.2)
    fixed = ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (0.5, 0.5))
    crra = ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (0.4, 0.6), gamma=2.0)
    f2, g2 = Beta(1.5, 1), Beta(1, 1.5)
    learning_econ = ExchangeEconomy(
        (Belief((f2, g2), (0.3, 0.7)), Belief((f2, g2), (0.7, 0.3))), (0.5, 0.5))
    # Long horizons, nature Beta(1.3, 1) believed by nobody: E log f3 = -0.49 and
    # E log g3 = -0.96 per date, so unlogged products of f3 (g3) underflow near
    # t = 1500 (780) and their ratio, or l_t = prod f3/g3, is 0/0 or inf/inf
    # from there on; log l_t itself drifts by +0.47 (agent 1 survives).
    f3, g3, h3 = Beta(4, 2), Beta(2, 3.5), Beta(1.3, 1)
    long_fixed = ExchangeEconomy((fixed_belief(f3), fixed_belief(g3)), (0.5, 0.5))
    long_learning = ExchangeEconomy(
        (Belief((f3, g3), (0.2, 0.8)), Belief((f3, g3), (0.8, 0.2))), (0.5, 0.5), gamma=2.0)
    cases = [
        SimulationCase("fixed beliefs f = Beta(1, 1), g = Beta(3, 1.2), nature f", fixed, f,
                       64, 120, 1),
        SimulationCase("CRRA gamma = 2, fixed beliefs, nature g", crra, g, 64, 150, 2),
        SimulationCase("learning agents (Exercise 23.2), priors on f (0.3, 0.7), nature f",
                       learning_econ, f2, 64, 200, 3),
        SimulationCase("long horizon T = 3000, both beliefs wrong: f = Beta(4, 2), "
                       "g = Beta(2, 3.5), nature Beta(1.3, 1)", long_fixed, h3, 32, 3000, 4),
        SimulationCase("long horizon T = 3000, learning agents, CRRA gamma = 2, neither model "
                       "is nature Beta(1.3, 1)", long_learning, h3, 32, 3000, 5),
    ]
    if learning is None:
        return cases
    return [c for c in cases if c.learning == bool(learning)]


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


@dataclass(frozen=True)
class _Drawn:
    """What an adapter returns for a simulator that drew its own states."""

    states: np.ndarray
    shares: np.ndarray


def _run_simulator(simulator, case: SimulationCase, states, purpose: str = "shares"):
    """Call `simulator` on the case's draws; return ``(agent 1's shares, the draws used)``."""
    if getattr(simulator, "_foresight_wants_case", False):
        out = simulator(case.economy, states.copy(), case=case, purpose=purpose)
    else:
        out = simulator(case.economy, states.copy())
    if isinstance(out, _Drawn):
        states, out = out.states, out.shares
    out = np.asarray(out, dtype=float)
    if out.ndim == 3 and out.shape[:2] == states.shape:
        out = out[..., 0]
    return out, states


def _shape_failure(name: str, statement: str, shares: np.ndarray, n_paths: int,
                   n_periods: int) -> CheckResult | None:
    """A failing record when `shares` is not ``(n_paths, n_periods)``; None when it is."""
    if shares.shape == (n_paths, n_periods):
        return None
    hint = ("(T, N): transposed? paths are rows, dates are columns"
            if shares.shape == (n_periods, n_paths) else
            "one row per path, one column per date (or (N, T, n) for every agent)")
    return CheckResult(name, statement, f"shape (N, T) = ({n_paths}, {n_periods})",
                       f"shape {shares.shape}", 0.0, f"shape check: {hint}", False,
                       details={"paths (N)": n_paths, "periods (T)": n_periods})


def check_shares(shares, case: SimulationCase, states=None) -> CheckResult:
    """Simulated agent-1 shares vs the derived rule at Bayes' likelihood ratio, same draws.

    Tolerance ``1e-12 + 64 T eps`` (float64 running products of T ratios).

    Parameters
    ----------
    shares : array_like (N, T)
        Agent 1's consumption share after ``s_0 .. s_t``.
    case : SimulationCase
    states : numpy.ndarray (N, T), optional
        The draws the shares were computed on (default ``case.states()``).

    Returns
    -------
    CheckResult
        Failing with the worst point (path, t, yours vs derived) in
        ``details["worst"]``, or with the shape expected.
    """
    from foresight.verify.exercises import learning_theory, share_rule

    econ = case.economy
    states = case.states() if states is None else np.asarray(states, dtype=float)
    name = f"regression.shares_vs_allocation_rule[{case.name}]"
    statement = ("c^1_t = derived two-agent rule at l_t = pi^1_t(s^t) / pi^2_t(s^t), joint "
                 "densities by Bayes' law on the same draws (beliefs for s_t from s^{t-1})")
    shares = np.asarray(shares, dtype=float)
    bad = _shape_failure(name, statement, shares, *states.shape)
    if bad is not None:
        return bad
    models, priors = _union_models(econ)
    theory = learning_theory(states, models, priors, skip_first=False)
    expected = share_rule(theory.log_l, econ.pareto_weights[0], econ.gamma)
    t = states.shape[1]
    atol = 1e-12 + 64 * t * np.finfo(float).eps
    result = compare_close(
        name, statement, expected, shares, atol=atol,
        basis=f"float64 running products over T = {t}: 1e-12 + 64 T eps",
        details={"paths": int(states.shape[0]), "periods": t})
    if not result.passed:
        p, q = np.unravel_index(int(np.argmax(np.nan_to_num(np.abs(shares - expected),
                                                            nan=np.inf, posinf=np.inf))),
                                shares.shape)
        result = dataclasses.replace(result, details={
            **result.details, "worst": f"path {p}, t = {q}: yours {shares[p, q]:.10g}, "
                                       f"derived {expected[p, q]:.10g}",
            "non_finite": int(np.count_nonzero(~np.isfinite(shares)))})
    return result


def check_long_run_shares(shares, case: SimulationCase) -> CheckResult:
    """Median final share vs the derived almost-sure limit, with the bound of
    :func:`foresight.verify.exercises.long_run_bound` as tolerance.

    Parameters
    ----------
    shares : array_like (N, T)
        Agent 1's shares, paths in rows (the shape is checked first).
    case : SimulationCase

    Returns
    -------
    CheckResult
    """
    from foresight.verify.exercises import long_run_bound

    econ = case.economy
    name = f"regression.long_run_share[{case.name}]"
    shares = np.asarray(shares, dtype=float)
    bad = _shape_failure(name, "c^1_T -> the derived almost-sure limit", shares,
                         case.n_paths, case.n_periods)
    if bad is not None:
        return bad
    models, priors = _union_models(econ)
    limit, bound, basis, reason, _ = long_run_bound(
        models, priors, econ.pareto_weights[0], econ.gamma, case.nature, case.n_periods)
    final = shares[:, -1]
    if limit is None:
        return CheckResult(name, reason, "no a.s. limit", float(np.median(final)), 0.0, basis,
                           False)
    return compare_close(
        name, f"c^1_T -> {limit:.6g} almost surely ({reason})", limit, float(np.median(final)),
        atol=bound, basis=basis,
        details={"paths": int(final.size), "periods": int(case.n_periods)})


def _simulation_results(my_simulator, cases, which=("shares", "long_run")):
    _require_signature(my_simulator, "simulator")
    for case in default_simulation_cases() if cases is None else cases:
        names = {"shares": f"regression.shares_vs_allocation_rule[{case.name}]",
                 "long_run": f"regression.long_run_share[{case.name}]"}
        assertion = {"shares": "assert_shares_match_theory",
                     "long_run": "assert_long_run_shares"}
        for kind in which:
            def one(case=case, kind=kind, names=names):
                try:
                    shares, states = _run_simulator(my_simulator, case, case.states(), kind)
                except Exception as exc:  # the user's code: report, do not crash the suite
                    return _crashed(names[kind], "the simulator returns shares", exc,
                                    "simulator")
                if kind == "shares":
                    return check_shares(shares, case, states)
                return check_long_run_shares(shares, case)
            yield assertion[kind], case.name, one


def assert_shares_match_theory(my_simulator: Callable,
                               cases: Sequence[SimulationCase] | None = None):
    """Assert ``my_simulator(economy, states)`` gives the derived shares on the same draws.

    Parameters
    ----------
    my_simulator : callable
        ``(economy, states (N, T)) -> agent 1's share (N, T)`` (or ``(N, T, n)``);
        see :func:`simulator_from_densities` and :func:`simulator_from_seeded`
        for other signatures.
    cases : sequence of SimulationCase, optional
        Default :func:`default_simulation_cases` (five cases, two of them
        T = 3000).

    Returns
    -------
    list of CheckResult
        When all pass.

    Raises
    ------
    CheckFailed
        With the first failing check (a simulator that raises fails too).
    SignatureError
        When `my_simulator` cannot be called with two positional arguments.
    """
    return _raise_first_failure([run() for *_, run in _simulation_results(
        my_simulator, cases, ("shares",))])


def assert_long_run_shares(my_simulator: Callable,
                           cases: Sequence[SimulationCase] | None = None):
    """Assert the median long-run share of ``my_simulator`` is the derived a.s. limit.

    Parameters
    ----------
    my_simulator : callable
        As for :func:`assert_shares_match_theory`; its output must be
        ``(N, T)`` (paths in rows), checked before the limit.
    cases : sequence of SimulationCase, optional
        Default :func:`default_simulation_cases`.

    Returns
    -------
    list of CheckResult
        When all pass.

    Raises
    ------
    CheckFailed
        With the first failing check.
    SignatureError
        When `my_simulator` cannot be called with two positional arguments.
    """
    return _raise_first_failure([run() for *_, run in _simulation_results(
        my_simulator, cases, ("long_run",))])


# --------------------------------------------------------------------------
# Adapters for simulators with other signatures
# --------------------------------------------------------------------------


class Density:
    """A belief model as a vectorised density callable, for simulators written with ``f(s)``.

    Parameters
    ----------
    model : Beta or Mixture
        A model of :mod:`foresight.derivations.distributions`.

    Examples
    --------
    >>> from foresight.derivations.distributions import Beta
    >>> f = Density(Beta(2, 1))
    >>> f(np.array([0.25, 0.5])).tolist()
    [0.5, 1.0]
    >>> f.rvs((2, 3), np.random.default_rng(0)).shape
    (2, 3)
    """

    def __init__(self, model):
        self.model = model

    def logpdf(self, s):
        """log density at `s` (SciPy)."""
        from foresight.verify.blume_easley import scipy_logpdf

        return scipy_logpdf(self.model, np.asarray(s, dtype=float))

    def pdf(self, s):
        """Density at `s`."""
        return np.exp(self.logpdf(s))

    __call__ = pdf

    def rvs(self, size, random_state=None):
        """Draws of shape `size` (``random_state``: a seed or a numpy Generator)."""
        rng = np.random.default_rng(random_state)
        weights, a, b = self.model.components_arrays()
        pick = rng.choice(len(weights), p=weights, size=size)
        return rng.beta(np.asarray(a)[pick], np.asarray(b)[pick])

    def __repr__(self) -> str:
        return f"Density({self.model})"


def _accepts(fn, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _pick_output(out, output, what: str):
    if output is not None:
        return out[output]
    if isinstance(out, tuple | list) and not isinstance(out, np.ndarray):
        return out[-1]  # the lecture's simulate_blume_easley returns (l, c1)
    return out


def _gamma_kwargs(fn, economy, case_name: str) -> dict:
    if _accepts(fn, "gamma"):
        return {"gamma": economy.gamma}
    if economy.gamma != 1.0:
        raise UnsupportedCase(
            f"case '{case_name}' has gamma = {economy.gamma:g} and your simulator takes no "
            "`gamma` argument: add one, or run the log-utility cases only "
            "([c for c in default_simulation_cases() if c.economy.gamma == 1])")
    return {}


def simulator_from_densities(fixed: Callable | None = None, learning: Callable | None = None,
                             *, output: int | None = None) -> Callable:
    """Adapt simulators that take draws and density callables (the lecture's style).

    Parameters
    ----------
    fixed : callable, optional
        ``fixed(states (N, T), f, g, lam[, gamma]) -> shares`` for agents with
        fixed beliefs ``f`` and ``g`` (vectorised density callables,
        :class:`Density`), like the lecture's
        ``simulate_blume_easley(sequences, f_belief, g_belief, λ)``.
    learning : callable, optional
        ``learning(states, models, prior_1, prior_2, lam[, gamma]) -> shares``
        for agents learning over the same list of ``models`` (Density
        callables) from their priors.
    output : int, optional
        When your function returns a tuple, the position of agent 1's shares
        (default: the last element, as in the lecture's ``(l, c1)``).

    Returns
    -------
    callable
        ``simulator(economy, states)`` for :func:`assert_shares_match_theory`
        and :func:`assert_long_run_shares`.  A case it cannot run (learning
        agents without `learning`, gamma != 1 without a ``gamma`` argument)
        fails with :class:`UnsupportedCase` saying so.

    Examples
    --------
    >>> def simulate_blume_easley(sequences, f_belief, g_belief, lam):
    ...     log_l = np.cumsum(np.log(f_belief(sequences) / g_belief(sequences)), axis=1)
    ...     return log_l, 1 / (1 + (1 - lam) / lam * np.exp(-log_l))
    >>> sim = simulator_from_densities(fixed=simulate_blume_easley)
    >>> cases = [default_simulation_cases()[0]]
    >>> [r.passed for r in assert_shares_match_theory(sim, cases)]
    [True]
    """
    if fixed is None and learning is None:
        raise ParameterError("fixed, learning", None, "at least one simulator function")

    def simulator(economy, states):
        if economy.n_agents != 2:
            raise UnsupportedCase(f"{economy.n_agents} agents: these signatures take two")
        b1, b2 = economy.beliefs
        lam = economy.pareto_weights[0]
        if not (b1.is_learning or b2.is_learning):
            if fixed is None:
                raise UnsupportedCase("fixed beliefs and no `fixed` simulator was given: run "
                                      "default_simulation_cases(learning=True) only")
            f, g = Density(b1.models[0]), Density(b2.models[0])
            out = fixed(states, f, g, lam, **_gamma_kwargs(fixed, economy, "this"))
            return _pick_output(out, output, "shares")
        if learning is None:
            raise UnsupportedCase("learning agents and no `learning` simulator was given: run "
                                  "default_simulation_cases(learning=False) only")
        models, priors = _union_models(economy)
        out = learning(states, [Density(m) for m in models], priors[0], priors[1], lam,
                       **_gamma_kwargs(learning, economy, "this"))
        return _pick_output(out, output, "shares")

    simulator.__name__ = "simulator_from_densities"
    return simulator


def simulator_from_seeded(fn: Callable, *, output: int | None = None) -> Callable:
    """Adapt ``simulate(f, g, lam, T, N, seed) -> (states, shares)``: a simulator that draws.

    The derived shares are recomputed on the draws your function returns, so
    the same-draws check is as exact as with foresight's draws.  The long-run
    check needs draws from the case's nature: give your function a ``nature``
    argument (a :class:`Density` with ``rvs(size, random_state)``) or that
    check fails with :class:`UnsupportedCase`.

    Parameters
    ----------
    fn : callable
        ``fn(f, g, lam, T, N, seed[, gamma][, nature])`` returning the draws
        ``(N, T)`` and agent 1's shares ``(N, T)`` (a tuple; `output` picks
        the shares, default the last element).  ``f``, ``g``: each agent's
        fixed belief as a :class:`Density`.
    output : int, optional
        Position of the shares in the returned tuple.

    Returns
    -------
    callable
        A simulator for :func:`assert_shares_match_theory` and
        :func:`assert_long_run_shares` (fixed beliefs only).

    Examples
    --------
    >>> def simulate(f, g, lam, T, N, seed, nature=None):
    ...     s = (nature or f).rvs((N, T), seed)
    ...     log_l = np.cumsum(f.logpdf(s) - g.logpdf(s), axis=1)
    ...     return s, 1 / (1 + (1 - lam) / lam * np.exp(-log_l))
    >>> sim = simulator_from_seeded(simulate)
    >>> [r.passed for r in assert_long_run_shares(sim, default_simulation_cases()[:1])]
    [True]
    """
    def simulator(economy, states, *, case=None, purpose="shares"):
        b1, b2 = economy.beliefs
        if b1.is_learning or b2.is_learning or economy.n_agents != 2:
            raise UnsupportedCase("simulate(f, g, lam, T, N, seed) takes two fixed beliefs: "
                                  "run default_simulation_cases(learning=False) only")
        kwargs = _gamma_kwargs(fn, economy, case.name)
        if _accepts(fn, "nature"):
            kwargs["nature"] = Density(case.nature)
        elif purpose == "long_run":
            raise UnsupportedCase("the long-run limit is that of the case's nature "
                                  f"({case.nature}); your simulate() draws from its own: give "
                                  "it a `nature` argument (a Density with .rvs)")
        n, t = states.shape
        out = fn(Density(b1.models[0]), Density(b2.models[0]), economy.pareto_weights[0], t, n,
                 case.seed, **kwargs)
        if not (isinstance(out, tuple | list) and len(out) >= 2):
            raise UnsupportedCase("simulator_from_seeded needs (states, shares) back: the "
                                  "derived shares are computed on your draws")
        drawn = np.asarray(out[0], dtype=float)
        return _Drawn(drawn, np.asarray(_pick_output(out[1:], output, "shares"), dtype=float))

    simulator._foresight_wants_case = True
    simulator.__name__ = "simulator_from_seeded"
    return simulator


# --------------------------------------------------------------------------
# Budgets at the Negishi weight (event trees)
# --------------------------------------------------------------------------


def default_budget_economies():
    """Discrete-state economies: two or three states, fixed and learning beliefs, gamma != 1.

    The first three have log utility (closed-form Negishi weights); the last
    two have CRRA gamma = 2 and 0.5, where the Negishi weights are found
    numerically on the same event tree
    (:func:`foresight.numerics.event_tree.negishi_weights_numeric`).

    Returns
    -------
    list of ExchangeEconomy

    Examples
    --------
    >>> [e.gamma for e in default_budget_economies()]
    [1.0, 1.0, 1.0, 2.0, 0.5]
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
        ExchangeEconomy((fixed_belief(a), fixed_belief(b)), (0.5, 0.5), gamma=2.0,
                        discount=0.5),
        ExchangeEconomy((Belief((a, b), (0.5, 0.5)), fixed_belief(b)), (0.5, 0.5), gamma=0.5,
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
    :func:`foresight.derivations.blume_easley.negishi_weights` (log utility)
    or, for gamma != 1, from the numerical root of the truncated budgets
    (:func:`foresight.numerics.event_tree.negishi_weights_numeric`); the
    allocation from the derived planner rule; the prices from your
    function.  Budgets are divided by the value of the aggregate endowment
    (so any positive normalisation of prices is fine).  Tolerance: the
    truncated tail, ``delta^(D+1) / (1 - delta^(D+1))`` of that value.

    Parameters
    ----------
    my_prices : callable
        ``(economy, t, histories (M, t+1)) -> prices (M,)``.
    economy : ExchangeEconomy
        Discrete states (:class:`DiscreteStates` models).
    depth : int, optional
        Last date of the tree (default: tail below 1e-5, at most ~2e5 histories).

    Returns
    -------
    CheckResult
    """
    from foresight.derivations.blume_easley import negishi_weight_closed_form
    from foresight.verify.blume_easley import check_budgets_balance

    states = economy.beliefs[0].models[0].values
    if depth is None:  # tail below 1e-5 of the total, at most ~2e5 histories
        depth = min(int(math.ceil(math.log(1e-5) / math.log(economy.discount))),
                    int(math.log(2e5) / math.log(len(states))) - 1)
    if economy.gamma == 1.0:
        weights = negishi_weight_closed_form(economy)
    else:  # no closed form: the weights that zero the budgets on the same tree
        from foresight.numerics.event_tree import negishi_weights_numeric

        weights = tuple(float(w) for w in negishi_weights_numeric(economy, depth).weights)
    econ = dataclasses.replace(economy, pareto_weights=weights)
    n = econ.n_agents
    name = f"regression.budgets_balance[{len(states)} states, delta = {econ.discount:g}" + (
        "]" if econ.gamma == 1.0 else f", gamma = {econ.gamma:g}]")
    budgets, value = np.zeros(n), 0.0
    a, b = np.asarray(econ.endowment_intercepts), np.asarray(econ.endowment_slopes)
    total = econ.aggregate_endowment
    for t in range(depth + 1):
        hist = np.array(list(itertools.product(states, repeat=t + 1)), dtype=float)
        dens = np.stack([_joint_density(bel, hist) for bel in econ.beliefs], axis=1)
        case = AllocationCase("budget", weights, econ.gamma, total, dens)
        consumption = derived_allocation(case) if t < 3 else _fast_allocation(case)
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


def _fast_allocation(case: AllocationCase) -> np.ndarray:
    """The derived CRRA rule lambdified for numpy (float64; many histories)."""
    n = len(case.pareto_weights)
    rule = _numpy_rule(n)
    lams = [np.full(case.densities.shape[0], w) for w in case.pareto_weights]
    out = np.stack([np.broadcast_to(np.asarray(c, dtype=float), (case.densities.shape[0],))
                    for c in rule(case.aggregate_endowment, float(case.gamma), *lams,
                                  *case.densities.T)], axis=1)
    return out


@cache
def _numpy_rule(n: int):
    import sympy as sp

    from foresight.derivations.blume_easley import Y, gamma_sym, planner_allocation

    consumption = planner_allocation(n, "symbolic")["consumption"]
    lams = sp.symbols(f"lambda_1:{n + 1}", positive=True)
    pis = sp.symbols(f"pi_1:{n + 1}", positive=True)
    return sp.lambdify((Y, gamma_sym, *lams, *pis), consumption, modules="numpy")


def assert_budgets_balance(my_prices: Callable, economies=None, depth: int | None = None):
    """Assert every agent's budget balances at the Negishi weight under ``my_prices``.

    Budget balance alone cannot see a price missing ``delta^t`` in an iid
    economy (every date's budget term vanishes on its own); pair it with
    :func:`assert_prices_match_theory`.

    Parameters
    ----------
    my_prices : callable
        ``(economy, t, histories (M, t+1)) -> prices (M,)``; ``economy`` is
        an :class:`~foresight.derivations.blume_easley.ExchangeEconomy` with
        discrete states whose ``pareto_weights`` are the Negishi weights.
    economies : sequence of ExchangeEconomy, optional
        :class:`DiscreteStates` beliefs; default
        :func:`default_budget_economies` (log utility and gamma = 2, 0.5).
    depth : int, optional
        Last date of the event tree (default: tail below 1e-5).

    Returns
    -------
    list of CheckResult
        When all pass.

    Raises
    ------
    CheckFailed
        With the first failing check.
    SignatureError
        When `my_prices` cannot be called with three positional arguments.
    """
    return _raise_first_failure([run() for *_, run in _budget_results(my_prices, economies,
                                                                       depth)])


def _budget_results(my_prices, economies=None, depth=None):
    _require_signature(my_prices, "prices")
    for e in default_budget_economies() if economies is None else economies:
        label = (f"{len(e.beliefs[0].models[0].values)} states, delta = {e.discount:g}, "
                 f"gamma = {e.gamma:g}")
        yield "assert_budgets_balance", label, lambda e=e: check_budgets(my_prices, e, depth)


# --------------------------------------------------------------------------
# Prices against the derived formula (Exercise 23.1, CRRA)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceCase:
    """An economy and the histories at which a price function is compared with theory.

    Attributes
    ----------
    name : str
    economy : foresight.derivations.blume_easley.ExchangeEconomy
        Any number of agents, fixed or learning beliefs over Beta, Mixture or
        DiscreteStates models; its ``pareto_weights`` are the planner's.
    nature : Beta, Mixture or DiscreteStates
        Draws the histories.
    n_histories, n_dates : int
        ``M`` histories, each priced at dates ``t = 0 .. n_dates - 1``.
    seed : int
    """

    name: str
    economy: object
    nature: object
    n_histories: int = 16
    n_dates: int = 12
    seed: int = 1

    def histories(self) -> np.ndarray:
        """``(n_histories, n_dates)`` draws; row m's first t + 1 entries are ``s^t``."""
        return _draw(self.nature, self.n_histories, self.n_dates, self.seed)


def default_price_cases() -> list[PriceCase]:
    """gamma in {0.5, 1, 2}, discrete and Beta states, fixed and learning beliefs, 2 and 3 agents.

    Returns
    -------
    list of PriceCase

    Examples
    --------
    >>> sorted({c.economy.gamma for c in default_price_cases()})
    [0.5, 1.0, 2.0]
    """
    from foresight.derivations.blume_easley import (
        Belief,
        DiscreteStates,
        ExchangeEconomy,
        fixed_belief,
    )
    from foresight.derivations.distributions import Beta

    a = DiscreteStates((0.2, 0.9), (0.6, 0.4))
    b = DiscreteStates((0.2, 0.9), (0.3, 0.7))
    c = DiscreteStates((0.1, 0.5, 0.8), (0.2, 0.5, 0.3))
    d = DiscreteStates((0.1, 0.5, 0.8), (0.5, 0.3, 0.2))
    f, g = Beta(1, 1), Beta(3, 1.2)
    f2, g2 = Beta(1.5, 1), Beta(1, 1.5)
    econ = ExchangeEconomy
    return [
        PriceCase("two states, log utility, delta = 0.5",
                  econ((fixed_belief(a), fixed_belief(b)), (0.4, 0.6), discount=0.5), a),
        PriceCase("three states, CRRA gamma = 2, delta = 0.4",
                  econ((fixed_belief(c), fixed_belief(d)), (0.5, 0.5), gamma=2.0,
                       discount=0.4), c, seed=2),
        PriceCase("two states, agent 1 learning, CRRA gamma = 0.5",
                  econ((Belief((a, b), (0.5, 0.5)), fixed_belief(b)), (0.3, 0.7), gamma=0.5,
                       discount=0.5), b, seed=3),
        PriceCase("Beta states (the lecture's f, g), log utility, delta = 0.9",
                  econ((fixed_belief(f), fixed_belief(g)), (0.5, 0.5)), f, seed=4),
        PriceCase("Beta states, CRRA gamma = 2, learning agents",
                  econ((Belief((f2, g2), (0.3, 0.7)), Belief((f2, g2), (0.7, 0.3))),
                       (0.5, 0.5), gamma=2.0, discount=0.95), f2, seed=5),
        PriceCase("Beta states, CRRA gamma = 0.5, delta = 0.8",
                  econ((fixed_belief(f), fixed_belief(g)), (0.6, 0.4), gamma=0.5,
                       discount=0.8), g, seed=6),
        PriceCase("three agents, three states, CRRA gamma = 2",
                  econ((fixed_belief(c), fixed_belief(d), fixed_belief(c)), (0.2, 0.3, 0.5),
                       gamma=2.0, discount=0.6, endowment_intercepts=(0.0, 0.5, 0.5),
                       endowment_slopes=(1.0, -0.5, -0.5)), d, seed=7),
    ]


def _log_joint_density(belief, histories: np.ndarray) -> np.ndarray:
    """log pi(s^t) of each row: a prior-weighted mixture of products, in logs."""
    from scipy.special import logsumexp

    from foresight.verify.blume_easley import scipy_logpdf

    terms = []
    for w, model in zip(belief.prior, belief.models, strict=True):
        if w == 0:
            continue
        if hasattr(model, "probs"):
            logp = np.full(histories.shape, -np.inf)
            for value, prob in zip(model.values, model.probs, strict=True):
                logp[histories == value] = math.log(prob) if prob > 0 else -np.inf
        else:
            logp = scipy_logpdf(model, histories)
        terms.append(math.log(w) + logp.sum(axis=1))
    return logsumexp(np.stack(terms), axis=0)


@cache
def _price_rule(n: int):
    """The derived competitive price (mu_i = 1/lambda_i), lambdified for mpmath."""
    import sympy as sp

    from foresight.derivations.blume_easley import (
        Y,
        competitive_prices,
        delta,
        gamma_sym,
        t,
    )

    price = competitive_prices(n, "symbolic")["price"].rhs
    lams = sp.symbols(f"lambda_1:{n + 1}", positive=True)
    pis = sp.symbols(f"pi_1:{n + 1}", positive=True)
    return sp.lambdify((t, delta, Y, gamma_sym, *lams, *pis), price, modules="mpmath")


def derived_log_prices(case: PriceCase, histories: np.ndarray | None = None) -> np.ndarray:
    """log p_t(s^t) from the derived formula, ``(n_dates, n_histories)``, at 30 digits.

    Parameters
    ----------
    case : PriceCase
    histories : numpy.ndarray, optional
        Default ``case.histories()``.

    Returns
    -------
    numpy.ndarray
        Row t: the log price of every history's first t + 1 states.

    Examples
    --------
    >>> c = default_price_cases()[0]
    >>> lp = derived_log_prices(c)
    >>> round(float(lp[1, 0] - lp[0, 0] - np.log(c.economy.discount)), 6) != 0  # not just delta
    True
    """
    import mpmath

    econ = case.economy
    hist = case.histories() if histories is None else histories
    rule = _price_rule(econ.n_agents)
    out = np.empty((hist.shape[1], hist.shape[0]))
    with mpmath.workdps(30):
        lams = [mpmath.mpf(w) for w in econ.pareto_weights]
        for d in range(hist.shape[1]):
            log_pi = np.stack([_log_joint_density(b, hist[:, :d + 1]) for b in econ.beliefs])
            for m in range(hist.shape[0]):
                value = rule(d, mpmath.mpf(econ.discount), mpmath.mpf(econ.aggregate_endowment),
                             mpmath.mpf(econ.gamma), *lams,
                             *[mpmath.exp(mpmath.mpf(float(x))) for x in log_pi[:, m]])
                out[d, m] = float(mpmath.log(value))
    return out


#: Tolerance on log price ratios (float64 densities of <= 12 draws and one power).
PRICE_LOG_TOL = 1e-9


def check_prices(my_prices: Callable, case: PriceCase) -> list[CheckResult]:
    """Your prices vs the derived competitive price, as ratios (no normalisation needed).

    Two records: ``price_ratio_dates`` compares ``log p_{t+1}(s^{t+1}) - log
    p_t(s^t)`` along every history (a price without ``delta^t`` fails here)
    and ``price_ratio_histories`` compares ``log p_t(s^t) - log p_t(r^t)``
    with ``r`` the first history (wrong beliefs, weights or gamma fail here).
    Tolerance :data:`PRICE_LOG_TOL` on the log ratios.

    Parameters
    ----------
    my_prices : callable
        ``(economy, t, histories (M, t + 1)) -> p_t (M,)``, positive.
    case : PriceCase

    Returns
    -------
    list of CheckResult
        ``[dates, histories]``.
    """
    econ = case.economy
    hist = case.histories()
    names = [f"regression.price_ratio_dates[{case.name}]",
             f"regression.price_ratio_histories[{case.name}]"]
    statements = [
        "p_{t+1}(s^{t+1}) / p_t(s^t) = derived ratio: p_t = delta^t (sum_j (lambda_j "
        "pi^j_t)^(1/gamma))^gamma / Y^gamma (competitive_prices, mu_i = 1/lambda_i)",
        "p_t(s^t) / p_t(r^t) = derived ratio across histories of the same date "
        "(competitive_prices)",
    ]
    yours = np.empty((case.n_dates, case.n_histories))
    for d in range(case.n_dates):
        try:
            p = np.asarray(my_prices(econ, d, hist[:, :d + 1].copy()), dtype=float).reshape(-1)
        except Exception as exc:  # the user's code: report, do not crash the suite
            return [_crashed(n, "the price function returns prices", exc, "prices")
                    for n in names]
        if p.shape != (case.n_histories,):
            return [CheckResult(n, "one price per history", f"shape ({case.n_histories},)",
                                f"shape {p.shape} at t = {d}", 0.0, "shape", False)
                    for n in names]
        with np.errstate(divide="ignore", invalid="ignore"):
            yours[d] = np.log(p)  # non-positive prices give NaN / -inf: the check fails
    derived = derived_log_prices(case, hist)
    details = {"histories": case.n_histories, "dates": case.n_dates, "gamma": econ.gamma,
               "delta": econ.discount, "pareto_weights": econ.pareto_weights}
    basis = f"float64 densities of <= {case.n_dates} draws: {PRICE_LOG_TOL:g} on log ratios"
    out = []
    for name, statement, mine, theirs, where in (
        (names[0], statements[0], np.diff(yours, axis=0), np.diff(derived, axis=0),
         lambda i, m: f"history {m}, t = {i} -> {i + 1}"),
        (names[1], statements[1], yours - yours[:, :1], derived - derived[:, :1],
         lambda i, m: f"history {m} vs history 0, t = {i}"),
    ):
        r = compare_close(name, statement, theirs, mine, atol=PRICE_LOG_TOL, basis=basis,
                          details=dict(details))
        if not r.passed:
            i, m = np.unravel_index(int(np.argmax(np.nan_to_num(np.abs(mine - theirs),
                                                                nan=np.inf))), mine.shape)
            r = dataclasses.replace(r, details={
                **r.details, "worst": f"{where(i, m)}: log ratio yours {mine[i, m]:.10g}, "
                                      f"derived {theirs[i, m]:.10g} (ratio yours "
                                      f"{math.exp(min(mine[i, m], 700)):.6g}, derived "
                                      f"{math.exp(min(theirs[i, m], 700)):.6g})"})
        out.append(r)
    return out


def assert_prices_match_theory(my_prices: Callable, cases: Sequence[PriceCase] | None = None):
    """Assert ``my_prices`` is the derived competitive price up to one positive constant.

    Parameters
    ----------
    my_prices : callable
        ``(economy, t, histories (M, t + 1)) -> p_t (M,)`` for the economy's
        own Pareto weights (any states: discrete or Beta; prices of
        continuous states are densities).
    cases : sequence of PriceCase, optional
        Default :func:`default_price_cases` (gamma 0.5, 1, 2; discrete and
        Beta states; 16 histories x 12 dates each).

    Returns
    -------
    list of CheckResult
        Two per case (ratios over dates, across histories) when all pass.

    Raises
    ------
    CheckFailed
        With the first failing check.
    SignatureError
        When `my_prices` cannot be called with three positional arguments.

    Examples
    --------
    >>> def forgets_discounting(economy, t, histories):
    ...     lam = economy.pareto_weights
    ...     return sum(w * np.prod([[m.probs[m.values.index(x)] for x in row]
    ...                              for row in histories], axis=1)
    ...                for w, m in zip(lam, [b.models[0] for b in economy.beliefs]))
    >>> assert_prices_match_theory(forgets_discounting, default_price_cases()[:1])
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    foresight.verify.check.CheckFailed: foresight check FAILED: regression.price_ratio_dates[...
    """
    return _raise_first_failure([r for *_, run in _price_results(my_prices, cases)
                                 for r in run()])


def _price_results(my_prices, cases=None):
    _require_signature(my_prices, "prices")
    for case in default_price_cases() if cases is None else cases:
        yield "assert_prices_match_theory", case.name, lambda c=case: check_prices(my_prices, c)


# --------------------------------------------------------------------------
# Every case's record
# --------------------------------------------------------------------------


def to_records(results: Sequence[CheckResult], *, as_frame: bool | None = None):
    """Check results as a list of flat dicts, or a pandas DataFrame.

    Parameters
    ----------
    results : sequence of CheckResult
    as_frame : bool, optional
        ``None`` (default): a DataFrame when pandas is installed, else a list
        of dicts; ``True`` requires pandas; ``False``: always the list.

    Returns
    -------
    list of dict or pandas.DataFrame
        Columns ``check, passed, expected, observed, error, tolerance, basis,
        statement, details`` (plus whatever the caller added).

    Examples
    --------
    >>> r = compare_close("demo", "x = 1", 1.0, 1.0, atol=0.0, basis="exact")
    >>> to_records([r], as_frame=False)[0]["passed"]
    True
    """
    rows = []
    for r in results:
        rec = r if isinstance(r, dict) else {
            "check": r.name, "passed": bool(r.passed), "expected": r.expected,
            "observed": r.observed, "error": r.error, "tolerance": r.tolerance,
            "basis": r.basis, "statement": r.statement, "details": dict(r.details)}
        rows.append(rec)
    if as_frame is False:
        return rows
    try:
        import pandas as pd
    except ImportError:
        if as_frame:
            raise
        return rows
    return pd.DataFrame(rows)


def check_all(allocation: Callable | None = None, simulator: Callable | None = None,
              prices: Callable | None = None, *, allocation_cases=None, simulation_cases=None,
              budget_economies=None, price_cases=None, as_frame: bool | None = None):
    """Run every case of every assertion for the functions given; never stop at a failure.

    Parameters
    ----------
    allocation : callable, optional
        As for :func:`assert_allocation_matches`.
    simulator : callable, optional
        As for :func:`assert_shares_match_theory` (also run through
        :func:`assert_long_run_shares`'s check).
    prices : callable, optional
        As for :func:`assert_budgets_balance` and
        :func:`assert_prices_match_theory`.
    allocation_cases, simulation_cases, budget_economies, price_cases : sequence, optional
        Defaults: the ``default_*`` cases.
    as_frame : bool, optional
        See :func:`to_records`.

    Returns
    -------
    list of dict or pandas.DataFrame
        One row per case and check: ``assertion, case, check, passed,
        expected, observed, error, tolerance, basis, statement, details,
        seconds``.

    Raises
    ------
    SignatureError
        When a function has the wrong signature (nothing can be run).

    Examples
    --------
    >>> def alloc(weights, densities, gamma, endowment):
    ...     w = (np.asarray(weights) * densities) ** (1 / gamma)
    ...     return endowment * w / w.sum(axis=1, keepdims=True)
    >>> rows = check_all(allocation=alloc, as_frame=False)
    >>> [(row["case"], row["passed"]) for row in rows][:2]
    [('two agents, log utility (the lecture)', True), ('two agents, CRRA gamma = 2', True)]
    """
    jobs = []
    if allocation is not None:
        jobs += list(_allocation_results(allocation, allocation_cases))
    if simulator is not None:
        jobs += list(_simulation_results(simulator, simulation_cases))
    if prices is not None:
        jobs += list(_budget_results(prices, budget_economies))
        jobs += list(_price_results(prices, price_cases))
    rows = []
    for assertion, case, run in jobs:
        start = time.perf_counter()
        out = run()
        seconds = time.perf_counter() - start
        out = out if isinstance(out, list) else [out]
        for rec in to_records(out, as_frame=False):
            rows.append({"assertion": assertion, "case": case, **rec,
                         "seconds": round(seconds / len(out), 4)})
    return to_records(rows, as_frame=as_frame)

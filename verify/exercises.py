"""Exercise checker: symbolic answers and numerical code against derived theory.

Every reference answer is *derived at run time* from
:mod:`foresight.derivations.blume_easley` (and, for almost-sure limits, the
theory of :mod:`foresight.derivations.learning`); nothing here is a typed-in
formula.  The question table :data:`QUESTIONS` names, for each question, its
prompt, the symbols a student may use and the derivation that gives the
reference.

Symbolic answers (:func:`check_answer`) are parsed by the safe parser of
:mod:`foresight.derivations.answer_parser` (no ``eval``) and compared

* symbolically (``simplify`` of the difference), and
* numerically at random rational points (positive symbols, Pareto weights and
  priors in (0, 1)); a disagreement is reported with the point, the student's
  value and the derived value;
* for prices, up to a positive factor that does not depend on the date or the
  history (the theory determines prices only up to such a factor).

Numerical code answers (:func:`check_code`) run the student's function in an
isolated subprocess (:mod:`foresight.verify.sandbox`) on draws the checker
makes, and compare its output with Bayes' law (``scipy.stats.beta``), the
derived allocation rule and the derived almost-sure limits on the *same* draws.

Examples
--------
>>> v = check_answer("23.1.allocation", r"\\frac{\\lambda l_t}{1-\\lambda+\\lambda l_t}")
>>> v.status
'accepted'
>>> v = check_answer("23.2.limit_share_f", "lambda*pi_0^1")
>>> v.status
'rejected'
>>> print(v.message.splitlines()[0])
REJECTED (23.2.limit_share_f): your answer differs from the derived result.
"""

from __future__ import annotations

import math
import random
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import sympy as sp

from foresight.derivations.answer_parser import SymbolSpec, SymbolTable, parse_answer
from foresight.errors import ForesightError, ParameterError, SpecError, did_you_mean
from foresight.verify.registry import case

__all__ = [
    "Question",
    "Exercise",
    "Verdict",
    "QUESTIONS",
    "EXERCISES",
    "check_answer",
    "check_code",
    "show_solution",
    "exercise_statements",
    "resolve_question",
    "CALLING_CONVENTIONS",
    "SAMPLE_ANSWERS",
    "CODE_SCENARIOS",
    "learning_theory",
    "long_run_bound",
    "share_rule",
]

# --------------------------------------------------------------------------
# Symbols (the same SymPy symbols the derivations use, where they exist)
# --------------------------------------------------------------------------

LAM = sp.Symbol("lambda", positive=True)
L_AGENTS = sp.Symbol("l", positive=True)
DELTA = sp.Symbol("delta", positive=True)
T = sp.Symbol("t", integer=True, nonnegative=True)
GAMMA = sp.Symbol("gamma", positive=True)
Y = sp.Symbol("Y", positive=True)
PI1, PI2, PI3 = sp.symbols("pi_1:4", positive=True)
LAMS = sp.symbols("lambda_1:4", positive=True)
L_MODELS = sp.Symbol("L", positive=True)
PRIOR = sp.Symbol("pi_0", positive=True)
PRIOR1, PRIOR2 = sp.Symbol("pi^1_0", positive=True), sp.Symbol("pi^2_0", positive=True)
PRIOR_F = sp.Symbol("pi^f_0", positive=True)
POST = sp.Symbol("pi_{t-1}", positive=True)
F_VAL, G_VAL = sp.Symbol("f", positive=True), sp.Symbol("g", positive=True)
M1, M2 = sp.symbols("m_1 m_2", positive=True)

# Sample values for the numeric comparison: exact rationals, so the feedback
# prints points a student can check by hand.
_UNIT = [sp.Rational(k, 10) for k in (1, 2, 3, 4, 6, 7, 8, 9)]
_POSITIVE = [sp.Rational(1, 4), sp.Rational(1, 3), sp.Rational(1, 2), sp.Rational(2, 3),
             sp.Rational(3, 2), 2, sp.Rational(5, 2), 3, 4]
_DISCOUNT = [sp.Rational(1, 2), sp.Rational(4, 5), sp.Rational(9, 10), sp.Rational(19, 20)]
_DATES = [0, 1, 2, 3, 5, 8]
_GAMMAS = [sp.Rational(1, 2), 2, 3, sp.Rational(5, 2)]

DOMAINS = {
    LAM: _UNIT, PRIOR: _UNIT, PRIOR1: _UNIT, PRIOR2: _UNIT, PRIOR_F: _UNIT, POST: _UNIT,
    M1: _UNIT, M2: _UNIT, LAMS[0]: _UNIT, LAMS[1]: _UNIT, LAMS[2]: _UNIT,
    DELTA: _DISCOUNT, T: _DATES, GAMMA: _GAMMAS,
}


def _spec(symbol, base, indices=(), display=""):
    return SymbolSpec(symbol, base, tuple(indices), display)


S_LAMBDA = _spec(LAM, "lambda", (), "λ")
S_L = _spec(L_AGENTS, "l", (), "l_t")
S_DELTA = _spec(DELTA, "delta", (), "δ")
S_T = _spec(T, "t", (), "t")
S_PI1 = _spec(PI1, "pi", ("1",), "π^1_t")
S_PI2 = _spec(PI2, "pi", ("2",), "π^2_t")
S_GAMMA = _spec(GAMMA, "gamma", (), "γ")

# --------------------------------------------------------------------------
# Reference derivations (each returns a SymPy expression, derived at run time)
# --------------------------------------------------------------------------


def _be():
    from foresight.derivations import blume_easley

    return blume_easley


def ref_price() -> sp.Expr:
    """Exercise 23.1: p_t(s^t) from the agents' FOCs matched to the planner."""
    return _be().competitive_prices(2, 1)["price_two_agent"]


def ref_allocation() -> sp.Expr:
    """Exercise 23.1: c^1_t = lambda l_t / (1 - lambda + lambda l_t) (planner, log utility)."""
    return _be().two_agent_allocation(1)["share"]


def _posterior_step():
    d = _be().bayesian_learning(2)
    for s in d.steps:
        if s.title.startswith("Posterior after"):
            return s.expr.rhs
    raise AssertionError("bayesian_learning lost its posterior step")


def ref_posterior() -> sp.Expr:
    """Exercises 23.2/23.3: Bayes' law with prior pi_0 on f and L_t = prod f/g."""
    w1, w2 = sp.symbols("w_1 w_2", positive=True)
    f01, f02 = sp.symbols("f0_1 f0_2", positive=True)
    post = _posterior_step()
    # Cumulative likelihoods L_f = L_t * L_g; the common L_g cancels.
    post = post.subs({w1: PRIOR, w2: 1 - PRIOR, f01: L_MODELS * f02})
    return sp.simplify(post)


def ref_mixture() -> sp.Expr:
    """Exercises 23.2/23.3: one-step predictive density m^i_t(s) = sum_k post_k f_k(s)."""
    d = _be().bayesian_learning(2)
    w1, w2 = sp.symbols("w_1 w_2", positive=True)
    f01, f02, f11, f12 = sp.symbols("f0_1 f0_2 f1_1 f1_2", positive=True)
    (pred,) = [s.expr.rhs for s in d.steps if s.title.startswith("Predictive density")]
    # No data before the step: the posterior is the (current) prior pi_{t-1}.
    return sp.simplify(pred.subs({f01: 1, f02: 1}).subs(
        {w1: POST, w2: 1 - POST, f11: F_VAL, f12: G_VAL}))


def _limit_share(mass1, mass2) -> sp.Expr:
    """Planner's share with each agent's joint density replaced by its prior mass on f*.

    Theory (``foresight.derivations.learning``): both posteriors concentrate on
    the true model f*, ``pi^i_t(s^t) ~ w_i(f*) L*(s^t)``, and the common factor
    ``L*`` cancels from the derived allocation rule.
    """
    be = _be()
    c1 = be.planner_allocation(2, 1)["consumption"][0]
    lam1, lam2 = sp.symbols("lambda_1 lambda_2", positive=True)
    p1, p2 = sp.symbols("pi_1 pi_2", positive=True)
    return sp.simplify(c1.subs({lam1: LAM, lam2: 1 - LAM, p1: mass1, p2: mass2, Y: 1}))


def ref_limit_share_f() -> sp.Expr:
    return _limit_share(PRIOR1, PRIOR2)


def ref_limit_share_g() -> sp.Expr:
    return _limit_share(1 - PRIOR1, 1 - PRIOR2)


def _numeric_limit(exercise: str, nature: str) -> tuple[float, object]:
    """Share limit of agent 1 from learning_limits for a lecture economy."""
    from foresight.derivations.learning import learning_limits

    econ, natures = lecture_economy(exercise)
    return learning_limits(econ, nature=natures[nature])


def _as_exact(value: float) -> sp.Expr:
    return sp.nsimplify(value, tolerance=1e-12, rational=True)


def ref_23_3_limit_f() -> sp.Expr:
    return _as_exact(_numeric_limit("23.3", "f").share_limits[0])


def ref_23_3_limit_g() -> sp.Expr:
    return _as_exact(_numeric_limit("23.3", "g").share_limits[0])


def ref_23_4_limit_f() -> sp.Expr:
    # Agent 1: prior pi^f_0 on f, 1 - pi^f_0 on g, 0 on h; agent 2: 1/3 each.
    return _limit_share(PRIOR_F, sp.Rational(1, 3))


def ref_23_4_limit_g() -> sp.Expr:
    return _limit_share(1 - PRIOR_F, sp.Rational(1, 3))


def ref_23_5_limit_f() -> sp.Expr:
    return _as_exact(_numeric_limit("23.5", "f").share_limits[0])


def ref_23_5_drift_f() -> sp.Expr:
    """a.s. limit of log(l_t)/t under f: KL(f || h) - KL(f || f) (agent 2 stuck on h)."""
    return sp.Float(_numeric_limit("23.5", "f").drift, 15)


def ref_crra_share() -> sp.Expr:
    return _be().two_agent_allocation("symbolic")["share"]


def ref_three_agents() -> sp.Expr:
    c1 = _be().planner_allocation(3, 1)["consumption"][0]
    return c1


def ref_negishi() -> sp.Expr:
    w = _be().negishi_weights(2)["weights"][0]
    a1, b1 = sp.symbols("a_1 b_1", real=True)
    return sp.simplify(w.subs({a1: 0, b1: 1, Y: 1}))


# --------------------------------------------------------------------------
# The lecture's economies (for limits and code checks)
# --------------------------------------------------------------------------

LECTURE_PRIORS = ((0.3, 0.7), (0.7, 0.3), (0.1, 0.9))


def lecture_models(exercise: str) -> dict:
    """The lecture's models f, g (and h) of an exercise, as Beta/Mixture objects."""
    from foresight.derivations.distributions import Beta, Mixture

    if exercise == "23.2":
        return {"f": Beta(1.5, 1), "g": Beta(1, 1.5)}
    if exercise == "23.3":
        return {"f": Beta(2, 5), "g": Beta(5, 2)}
    if exercise == "23.4":
        f, g = Beta(3, 2), Beta(2, 3)
        return {"f": f, "g": g, "h": Mixture((0.5, 0.5), (f, g))}
    if exercise == "23.5":
        return {"f": Beta(1, 1), "g": Beta(3, 1.2), "h": Beta(1.2, 1.1)}
    raise ParameterError("exercise", exercise, "one of 23.2, 23.3, 23.4, 23.5")


def lecture_economy(exercise: str, priors=None, lam: float = 0.5):
    """(ExchangeEconomy, natures) of an exercise with the lecture's priors."""
    from foresight.derivations.blume_easley import Belief, ExchangeEconomy

    m = lecture_models(exercise)
    if exercise in ("23.2", "23.3"):
        p1, p2 = priors or LECTURE_PRIORS[2]
        beliefs = (Belief((m["f"], m["g"]), (p1, 1 - p1)), Belief((m["f"], m["g"]), (p2, 1 - p2)))
    elif exercise == "23.4":
        pf = 0.5 if priors is None else priors[0]
        beliefs = (Belief((m["f"], m["g"], m["h"]), (pf, 1 - pf, 0.0)),
                   Belief((m["f"], m["g"], m["h"]), (1 / 3, 1 / 3, 1 - 2 / 3)))
    else:
        eps = 0.01 if priors is None else priors[0]
        beliefs = (Belief((m["f"], m["g"], m["h"]), (eps / 2, eps / 2, 1 - eps)),
                   Belief((m["f"], m["g"], m["h"]), (0.0, 0.0, 1.0)))
    econ = ExchangeEconomy(beliefs, (lam, 1 - lam))
    return econ, {k: v for k, v in m.items() if k in ("f", "g")}


# --------------------------------------------------------------------------
# Question table
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One quantity a student is asked for.

    Attributes
    ----------
    qid : str
        ``"23.1.price"`` etc.
    prompt : str
        What to give, in words.
    symbols : tuple of SymbolSpec
        The symbols the answer may use.
    reference : callable
        ``() -> sympy.Expr``: the derivation that gives the answer.
    source : str
        Where the reference comes from (for the feedback and the docs).
    mode : str
        ``"exact"``, ``"up_to_factor"`` (prices: a positive factor independent
        of `history` is left free) or ``"numeric"`` (a number, to `tolerance`).
    history : tuple of Symbol
        Symbols the free factor may not depend on (date, history).
    aliases : dict
        Substitutions applied to answer and reference before comparing
        (``l -> pi_1/pi_2``: an answer may use either).
    tolerance : float
        Absolute tolerance of ``"numeric"`` questions.
    """

    qid: str
    prompt: str
    symbols: tuple
    reference: Callable
    source: str
    mode: str = "exact"
    history: tuple = ()
    aliases: dict = field(default_factory=dict)
    tolerance: float = 0.0

    @property
    def table(self) -> SymbolTable:
        return SymbolTable(list(self.symbols))

    def reference_expr(self) -> sp.Expr:
        return _reference(self.qid)


@dataclass(frozen=True)
class Exercise:
    """An exercise: statement, questions, optional code convention."""

    eid: str
    title: str
    statement: str
    questions: tuple
    code: str | None = None


PRIOR_SPECS = (
    _spec(PRIOR1, "pi", ("0", "1"), "π^1_0"),
    _spec(PRIOR2, "pi", ("0", "2"), "π^2_0"),
    S_LAMBDA,
)

_Q = [
    Question(
        "23.1.price",
        "Competitive equilibrium price p_t(s^t) of a claim to consumption at date t after "
        "history s^t (log utility, y^1 = s, y^2 = 1 - s), in terms of δ, t, λ, π^1_t(s^t), "
        "π^2_t(s^t) (or l_t = π^1_t/π^2_t).",
        (S_DELTA, S_T, S_LAMBDA, S_PI1, S_PI2, S_L),
        ref_price,
        "competitive_prices(2, 1)['price_two_agent']: agents' FOCs with mu_1 = 1 - lambda, "
        "mu_2 = lambda matched to the planner",
        mode="up_to_factor",
        history=(T, PI1, PI2),
        aliases={L_AGENTS: PI1 / PI2},
    ),
    Question(
        "23.1.allocation",
        "Agent 1's consumption c^1_t(s^t) in the planner's allocation (aggregate endowment 1), "
        "in terms of λ and l_t (or π^1_t, π^2_t).",
        (S_LAMBDA, S_L, S_PI1, S_PI2),
        ref_allocation,
        "two_agent_allocation(1)['share']: planner's Lagrangian, FOCs, feasibility",
        aliases={L_AGENTS: PI1 / PI2},
    ),
    Question(
        "23.2.posterior",
        "Posterior probability π_t that an agent with prior π_0 on model f puts on f after "
        "s^t, in terms of π_0 and the likelihood ratio L_t = f(s_1)/g(s_1) ... f(s_t)/g(s_t).",
        (_spec(PRIOR, "pi", ("0",), "π_0"), _spec(PRIOR, "pi", ("0", "i"), "π^i_0"),
         _spec(L_MODELS, "L", (), "L_t")),
        ref_posterior,
        "bayesian_learning(2): posterior w_1 f_1 / (w_1 f_1 + w_2 f_2) with w = (π_0, 1 - π_0)",
    ),
    Question(
        "23.2.mixture",
        "Agent i's density of the next draw s (its mixture model), in terms of its current "
        "posterior π (= π^i_{t-1}) and the model densities f(s), g(s).",
        (_spec(POST, "pi", (), "π"), _spec(POST, "pi", ("i",), "π^i_{t-1}"),
         _spec(F_VAL, "f", (), "f(s)"), _spec(G_VAL, "g", (), "g(s)")),
        ref_mixture,
        "bayesian_learning(2): one-step predictive density sum_k post_k f_k(s)",
    ),
    Question(
        "23.2.limit_share_f",
        "Almost-sure limit of agent 1's consumption share when nature draws from f, in terms "
        "of λ and the priors π^1_0, π^2_0 on f.",
        PRIOR_SPECS,
        ref_limit_share_f,
        "planner_allocation(2, 1) with each joint density replaced by the prior mass on the "
        "true model (learning.py: both posteriors concentrate on f)",
    ),
    Question(
        "23.2.limit_share_g",
        "Almost-sure limit of agent 1's consumption share when nature draws from g, in terms "
        "of λ and the priors π^1_0, π^2_0 on f.",
        PRIOR_SPECS,
        ref_limit_share_g,
        "planner_allocation(2, 1) with joint densities replaced by prior masses on g",
    ),
    Question(
        "23.3.limit_share_f",
        "Exercise 23.3 (f = Beta(2,5), g = Beta(5,2), λ = 0.5, priors (π^1_0, π^2_0) = "
        "(0.1, 0.9)): the number agent 1's share converges to when nature draws from f.",
        (),
        ref_23_3_limit_f,
        "learning_limits(economy, nature=f).share_limits[0]",
    ),
    Question(
        "23.3.limit_share_g",
        "Exercise 23.3 with priors (0.1, 0.9), λ = 0.5: the limit of agent 1's share when "
        "nature draws from g.",
        (),
        ref_23_3_limit_g,
        "learning_limits(economy, nature=g).share_limits[0]",
    ),
    Question(
        "23.4.limit_share_f",
        "Exercise 23.4 (agent 1: prior π^f_0 on f, 1 - π^f_0 on g, none on h; agent 2: 1/3 on "
        "each): the limit of agent 1's share when nature draws from f, in terms of λ, π^f_0.",
        (_spec(PRIOR_F, "pi", ("f", "0"), "π^f_0"), _spec(PRIOR_F, "pi", ("f",), "π^f_0"),
         S_LAMBDA),
        ref_23_4_limit_f,
        "planner_allocation(2, 1) with joint densities replaced by prior masses on f "
        "(π^f_0 for agent 1, 1/3 for agent 2)",
    ),
    Question(
        "23.4.limit_share_g",
        "Exercise 23.4: the limit of agent 1's share when nature draws from g, in terms of λ, "
        "π^f_0.",
        (_spec(PRIOR_F, "pi", ("f", "0"), "π^f_0"), _spec(PRIOR_F, "pi", ("f",), "π^f_0"),
         S_LAMBDA),
        ref_23_4_limit_g,
        "planner_allocation(2, 1) with joint densities replaced by prior masses on g",
    ),
    Question(
        "23.5.limit_share_f",
        "Exercise 23.5 (agent 1: ε/2 on f and g, ε = 0.01; agent 2 rigid on h = Beta(1.2,1.1); "
        "f = Beta(1,1)): the limit of agent 1's share when nature draws from f.",
        (),
        ref_23_5_limit_f,
        "learning_limits: agent 1 learns f (KL 0), agent 2 stays on h (KL(f||h) > 0)",
    ),
    Question(
        "23.5.drift_f",
        "Exercise 23.5, nature f: the almost-sure limit of (1/t) log l_t (a number, to 1e-4).",
        (),
        ref_23_5_drift_f,
        "learning_limits(...).drift = KL(f||h) - KL(f||f), KL from the Beta closed form",
        mode="numeric",
        tolerance=1e-4,
    ),
    Question(
        "F.1.share",
        "CRRA utility c^(1-γ)/(1-γ): agent 1's share c^1_t / Y in the planner's allocation, "
        "in terms of λ, l_t and γ.",
        (S_LAMBDA, S_L, S_GAMMA, S_PI1, S_PI2),
        ref_crra_share,
        "two_agent_allocation('symbolic')['share']",
        aliases={L_AGENTS: PI1 / PI2},
    ),
    Question(
        "F.2.allocation",
        "Three agents, log utility, Pareto weights λ_1, λ_2, λ_3, joint densities π^i_t and "
        "aggregate endowment Y: agent 1's consumption c^1_t.",
        (_spec(LAMS[0], "lambda", ("1",), "λ_1"), _spec(LAMS[1], "lambda", ("2",), "λ_2"),
         _spec(LAMS[2], "lambda", ("3",), "λ_3"), S_PI1, S_PI2,
         _spec(PI3, "pi", ("3",), "π^3_t"), _spec(Y, "Y", (), "Y")),
        ref_three_agents,
        "planner_allocation(3, 1)['consumption'][0]",
    ),
    Question(
        "F.3.negishi",
        "Log utility, y^1 = s, y^2 = 1 - s, iid (or learning) beliefs with predictive means "
        "m_1 = E^1[s], m_2 = E^2[s]: the Negishi weight λ* of agent 1.",
        (_spec(M1, "m", ("1",), "m_1"), _spec(M2, "m", ("2",), "m_2")),
        ref_negishi,
        "negishi_weights(2)['weights'][0] with a_1 = 0, b_1 = 1, Y = 1",
    ),
]

QUESTIONS: dict[str, Question] = {q.qid: q for q in _Q}


@cache
def _reference(qid: str) -> sp.Expr:
    return sp.sympify(QUESTIONS[qid].reference())


#: One accepted and one rejected sample answer per exercise (report table, tests, docs):
#: ``(question, accepted answer, rejected answer)``.  Verdicts are computed live.
SAMPLE_ANSWERS = (
    ("23.1.allocation", r"\frac{\lambda l_t}{1-\lambda+\lambda l_t}", "lambda*l_t"),
    ("23.1.price", "delta^t (lambda pi1 + (1-lambda) pi2)", "delta^t pi1"),
    ("23.2.limit_share_f", "lambda*pi^1_0/(lambda*pi^1_0 + (1-lambda)*pi^2_0)", "pi^1_0"),
    ("23.3.limit_share_f", "0.1", "0"),
    ("23.4.limit_share_f", r"\frac{3\lambda\pi^f_0}{3\lambda\pi^f_0+1-\lambda}", "lambda"),
    ("23.5.drift_f", "0.01056", "0.0092"),
    ("F.1.share",
     r"\frac{(\lambda l_t)^{1/\gamma}}{(\lambda l_t)^{1/\gamma}+(1-\lambda)^{1/\gamma}}",
     "lambda*l/(1-lambda+lambda*l)"),
    ("F.2.allocation", "Y lambda_1 pi1/(lambda_1 pi1 + lambda_2 pi2 + lambda_3 pi3)",
     "lambda_1 pi1/(lambda_1 pi1 + lambda_2 pi2 + lambda_3 pi3)"),
    ("F.3.negishi", "m_2/(1 + m_2 - m_1)", "m_1/(1 + m_1 - m_2)"),
)

STATEMENTS = {
    "23.1": ("Prices (lecture Exercise 23.1)",
             "Starting from the agents' first-order conditions "
             "δ^t π^i_t(s^t) u'(c^i_t) = μ_i p_t(s^t), show that competitive equilibrium "
             "prices supporting the planner's allocation are proportional to δ^t times a "
             "λ-weighted combination of π^1_t(s^t) and π^2_t(s^t); give the price and agent "
             "1's allocation."),
    "23.2": ("Learning agents, close models (lecture Exercise 23.2)",
             "Two agents hold priors π^1_0, π^2_0 on model f = Beta(1.5, 1) against "
             "g = Beta(1, 1.5) and update by Bayes' law; the planner uses their mixture "
             "models. Give the posterior, the mixture density and the almost-sure limits of "
             "agent 1's share under nature f and g; write "
             "simulate_learning_blume_easley(sequences, f_belief, g_belief, π_0_1, π_0_2, λ)."),
    "23.3": ("Learning agents, far models (lecture Exercise 23.3)",
             "As 23.2 with f = Beta(2, 5), g = Beta(5, 2)."),
    "23.4": ("Three models (lecture Exercise 23.4)",
             "Models f = Beta(3, 2), g = Beta(2, 3), h = 0.5 f + 0.5 g. Agent 1 puts prior "
             "π^f_0 on f and 1 - π^f_0 on g (none on h), agent 2 puts 1/3 on each. Give the "
             "limits of agent 1's share; write simulate_three_model_allocation(...)."),
    "23.5": ("Near-rigid priors (lecture Exercise 23.5)",
             "f = Beta(1, 1), g = Beta(3, 1.2), h = Beta(1.2, 1.1); agent 1 puts ε/2 on f and "
             "on g (ε = 0.01), agent 2 is rigid on h. Give the limit of agent 1's share and the "
             "growth rate of log l_t under nature f."),
    "F.1": ("CRRA utility (foresight exercise)",
            "Replace log utility by u(c) = c^(1-γ)/(1-γ), γ > 0. Derive agent 1's share of the "
            "aggregate endowment in the planner's allocation as a function of λ, l_t and γ, "
            "and check that it reduces to λ l_t / (1 - λ + λ l_t) at γ = 1."),
    "F.2": ("Three agents (foresight exercise)",
            "Three agents with log utility, Pareto weights λ_1, λ_2, λ_3 and joint densities "
            "π^1_t, π^2_t, π^3_t share an aggregate endowment Y. Derive the planner's "
            "allocation to agent 1."),
    "F.3": ("Negishi weight (foresight exercise)",
            "With log utility, endowments y^1 = s, y^2 = 1 - s and beliefs whose predictive "
            "means are m_1 and m_2, find the Pareto weight λ* at which the planner's "
            "allocation is a competitive equilibrium without transfers (every budget "
            "constraint holds)."),
}

_CODE = {"23.2": "learning2", "23.3": "learning2", "23.4": "learning3", "23.5": "learning3"}

EXERCISES: dict[str, Exercise] = {
    eid: Exercise(eid, title, statement,
                  tuple(q for q in QUESTIONS if q.startswith(eid + ".")), _CODE.get(eid))
    for eid, (title, statement) in STATEMENTS.items()
}


def exercise_statements() -> list[dict]:
    """Statements of every exercise (lecture and our own), for reports.

    Returns
    -------
    list of dict
        ``{"id", "title", "statement", "questions": [{"id", "prompt"}], "code"}``.

    Examples
    --------
    >>> [s["id"] for s in exercise_statements()][-3:]
    ['F.1', 'F.2', 'F.3']
    """
    out = []
    for ex in EXERCISES.values():
        out.append({
            "id": ex.eid, "title": ex.title, "statement": ex.statement,
            "questions": [{"id": q, "prompt": QUESTIONS[q].prompt} for q in ex.questions],
            "code": CALLING_CONVENTIONS.get(ex.code) if ex.code else None,
        })
    return out


def resolve_question(qid: str) -> list[Question]:
    """Questions named by `qid` (an exercise id names all its questions)."""
    qid = qid.strip()
    if qid in QUESTIONS:
        return [QUESTIONS[qid]]
    if qid in EXERCISES:
        return [QUESTIONS[q] for q in EXERCISES[qid].questions]
    hint = did_you_mean(qid, list(QUESTIONS) + list(EXERCISES))
    raise ParameterError("exercise", qid, "an exercise or question id (foresight "
                         "check-exercise --list)", hint=hint)


# --------------------------------------------------------------------------
# Verdicts and equivalence
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Outcome of checking one answer.

    Attributes
    ----------
    status : str
        ``"accepted"``, ``"accepted_up_to_factor"``, ``"rejected"`` or ``"unusable"``.
    qid : str
    message : str
        Feedback for the student; its first line is the verdict.
    answer : sympy.Expr or None
    reference : sympy.Expr or None
    counterexample : dict
        For rejections: the point (symbol label -> value), ``yours`` and ``derived``.
    checks : list
        CheckResults of code answers.
    """

    status: str
    qid: str
    message: str
    answer: object = None
    reference: object = None
    counterexample: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status.startswith("accepted")

    @property
    def exit_code(self) -> int:
        return {"accepted": 0, "accepted_up_to_factor": 0, "rejected": 1}.get(self.status, 2)

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        """JSON-safe record: status, exit code, message, answer, reference, checks."""
        return {
            "status": self.status, "accepted": self.accepted, "exit_code": self.exit_code,
            "question": self.qid, "message": self.message,
            "answer": None if self.answer is None else sp.sstr(self.answer),
            "reference": None if self.reference is None else sp.sstr(self.reference),
            "counterexample": {k: (v if isinstance(v, (dict, int, float)) else str(v))
                               for k, v in self.counterexample.items()},
            "checks": [c.to_dict() for c in self.checks],
        }


def _labels(question: Question) -> dict:
    out = {}
    for s in question.symbols:
        out.setdefault(s.symbol, s.label)
    return out


_FLOAT_LIMIT = 1e300


def _float_value(expr: sp.Expr, point: dict) -> float | None:
    """Float value of a whitelisted expression tree; None if undefined or out of range.

    A guard run before exact evaluation: ``exp(exp(exp(100)))`` would make
    SymPy/mpmath compute for ever, while here it is an overflow, at once.
    """
    if expr.is_Symbol:
        return float(point[expr]) if expr in point else None
    if expr.is_Number:
        v = float(expr)
        return v if math.isfinite(v) else None
    args = [_float_value(a, point) for a in expr.args]
    if any(a is None for a in args):
        return None
    try:
        if expr.is_Add:
            v = math.fsum(args)
        elif expr.is_Mul:
            v = math.prod(args)
        elif expr.is_Pow:
            base, exponent = args
            if base < 0 and not float(exponent).is_integer():
                return None
            v = math.pow(base, exponent)
        elif isinstance(expr, sp.exp):
            v = math.exp(args[0])
        elif isinstance(expr, sp.log):
            v = math.log(args[0])
        else:
            return None
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    return v if math.isfinite(v) and abs(v) < _FLOAT_LIMIT else None


def _value(expr: sp.Expr, point: dict):
    """Value of `expr` at `point`: exact when possible, else 30 digits; None if undefined."""
    if _float_value(expr, point) is None:
        return None
    try:
        v = expr.xreplace(point)
        if not v.is_Rational:
            v = sp.N(v, 30)
        if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not v.is_number:
            return None
        c = complex(v)
        if abs(c.imag) > 1e-20 * max(1.0, abs(c.real)):
            return None
        return v if v.is_Rational else sp.Float(c.real, 30)
    except (ZeroDivisionError, TypeError, ValueError, OverflowError):
        return None


def _close(a, b, rel=1e-12) -> bool:
    if a is None or b is None:
        return False
    if a.is_Rational and b.is_Rational:
        return a == b
    return abs(float(a) - float(b)) <= rel * max(1.0, abs(float(b)))


def _points(symbols, n, seed) -> list[dict]:
    rng = random.Random(seed)
    pts = []
    for _ in range(n):
        pts.append({s: sp.sympify(rng.choice(DOMAINS.get(s, _POSITIVE))) for s in symbols})
    return pts


def _fmt_point(point: dict, labels: dict) -> str:
    return ", ".join(f"{labels.get(s, str(s))} = {v}" for s, v in
                     sorted(point.items(), key=lambda kv: labels.get(kv[0], str(kv[0]))))


def _fmt_num(v) -> str:
    if v is None:
        return "undefined"
    if v.is_Rational:
        if v.q == 1 and abs(v.p) < 10**12:
            return str(v)
        if v.q < 10**6 and abs(v.p) < 10**12:
            return f"{v} (= {float(v):.6g})"
        return f"{float(v):.10g}"
    return f"{float(v):.10g}"


def _symbolically_zero(expr: sp.Expr) -> bool:
    if sp.count_ops(expr) > 400:  # simplify on adversarial input can take minutes
        return False
    try:
        return sp.simplify(sp.powsimp(expr, force=True)) == 0
    except (TypeError, ValueError, RecursionError):
        return False


def _alias_direction(question: Question, answer: sp.Expr) -> dict:
    """Substitutions that put answer and reference in the student's own symbols.

    An alias ``l -> pi_1/pi_2`` lets an answer use either; the comparison (and
    so a counter-example) is made in terms of the symbols the answer uses.
    """
    forward = dict(question.aliases)
    if not forward:
        return {}
    if any(answer.has(k) for k in forward):
        targets = set().union(*(v.free_symbols for v in forward.values()))
        if not answer.free_symbols & targets:
            reverse = {}
            for k, v in forward.items():
                head = sorted(v.free_symbols, key=sp.default_sort_key)[0]
                (solved,) = sp.solve(sp.Eq(v, k), head)
                reverse[head] = solved
            return reverse
    return forward


def _compare(question: Question, answer: sp.Expr, n_points=12, seed=20261123) -> Verdict:
    labels = _labels(question)
    ref = _reference(question.qid)
    subs = _alias_direction(question, answer)
    a, r = answer.subs(subs), ref.subs(subs)
    qid = question.qid
    shown_ref = sp.sstr(ref)

    if question.mode == "numeric":
        if a.free_symbols:
            return Verdict("rejected", qid, f"REJECTED ({qid}): expected a number, got "
                           f"{sp.sstr(answer)}.", answer, ref)
        va, vr = _value(a, {}), _value(r, {})
        if va is not None and abs(float(va) - float(vr)) <= question.tolerance:
            return Verdict("accepted", qid, f"ACCEPTED ({qid}): {_fmt_num(va)} agrees with the "
                           f"derived {float(vr):.10g} within {question.tolerance:g}.", answer, ref)
        return Verdict("rejected", qid, f"REJECTED ({qid}): yours = {_fmt_num(va)}, derived = "
                       f"{float(vr):.10g} (tolerance {question.tolerance:g}).\n  source: "
                       f"{question.source}", answer, ref,
                       {"yours": _fmt_num(va), "derived": float(vr)})

    symbols = sorted(a.free_symbols | r.free_symbols, key=sp.default_sort_key)
    if question.mode == "up_to_factor":
        return _compare_up_to_factor(question, answer, a, r, symbols, labels, n_points, seed)

    for point in _points(symbols, n_points, seed):
        va, vr = _value(a, point), _value(r, point)
        if not _close(va, vr):
            return Verdict(
                "rejected", qid,
                f"REJECTED ({qid}): your answer differs from the derived result.\n"
                + (f"  counter-example: at {_fmt_point(point, labels)}\n" if point else "")
                + f"    your answer   = {_fmt_num(va)}\n"
                f"    derived result = {_fmt_num(vr)}\n"
                f"  (the derived result comes from {question.source})",
                answer, ref,
                {"point": {labels.get(s, str(s)): str(v) for s, v in point.items()},
                 "yours": _fmt_num(va), "derived": _fmt_num(vr)},
            )
    how = ("symbolically identical" if _symbolically_zero(a - r) else
           f"equal at {n_points} random points (symbolic simplification inconclusive)")
    return Verdict("accepted", qid, f"ACCEPTED ({qid}): {how} to the derived result "
                   f"{shown_ref}.", answer, ref)


def _compare_up_to_factor(question, answer, a, r, symbols, labels, n_points, seed) -> Verdict:
    qid = question.qid
    history = [s for s in symbols if s in question.history]
    params = [s for s in symbols if s not in question.history]
    rng_seed = seed
    names = ", ".join(labels.get(s, str(s)) for s in history)
    first_ratio = None
    for k, ppoint in enumerate(_points(params, max(3, n_points // 3), rng_seed)):
        seen = None
        for hpoint in _points(history, 4, rng_seed + 1 + k):
            point = {**ppoint, **hpoint}
            va, vr = _value(a, point), _value(r, point)
            if va is None or vr is None:
                return Verdict("rejected", qid, f"REJECTED ({qid}): your answer is undefined at "
                               f"{_fmt_point(point, labels)}.", answer, _reference(qid),
                               {"point": _fmt_point(point, labels)})
            ratio = va / vr
            if not ratio > 0:
                return Verdict(
                    "rejected", qid,
                    f"REJECTED ({qid}): prices must be positive, but at "
                    f"{_fmt_point(point, labels)} your answer = {_fmt_num(va)} while the derived "
                    f"price = {_fmt_num(vr)} (ratio {_fmt_num(ratio)}).",
                    answer, _reference(qid),
                    {"point": _fmt_point(point, labels), "yours": _fmt_num(va),
                     "derived": _fmt_num(vr)})
            if seen is None:
                seen = (point, va, vr, ratio)
            elif not _close(ratio, seen[3], 1e-10):
                p0, va0, vr0, r0 = seen
                return Verdict(
                    "rejected", qid,
                    f"REJECTED ({qid}): your answer is not the derived price times a factor "
                    f"independent of the date and history ({names}).\n"
                    f"  counter-example: at {_fmt_point(p0, labels)}\n"
                    f"    your answer = {_fmt_num(va0)}, derived = {_fmt_num(vr0)}, "
                    f"ratio = {_fmt_num(r0)}\n"
                    f"  but at {_fmt_point(point, labels)}\n"
                    f"    your answer = {_fmt_num(va)}, derived = {_fmt_num(vr)}, "
                    f"ratio = {_fmt_num(ratio)}\n"
                    f"  (derived price {sp.sstr(_reference(qid))}, from {question.source})",
                    answer, _reference(qid),
                    {"point": _fmt_point(point, labels), "yours": _fmt_num(va),
                     "derived": _fmt_num(vr), "other_point": _fmt_point(p0, labels)})
        if first_ratio is None:
            first_ratio = seen[3]
    factor = sp.simplify(a / r) if sp.count_ops(a) < 400 else None
    if factor is not None and factor.free_symbols & set(question.history):
        factor = None
    if factor == 1 or (factor is None and first_ratio == 1):
        return Verdict("accepted", qid, f"ACCEPTED ({qid}): identical to the derived price "
                       f"{sp.sstr(_reference(qid))}.", answer, _reference(qid))
    shown = sp.sstr(factor) if factor is not None else "a constant"
    return Verdict(
        "accepted_up_to_factor", qid,
        f"ACCEPTED up to a positive factor ({qid}): your price = ({shown}) x the derived price "
        f"{sp.sstr(_reference(qid))}.\n"
        "  The theory determines prices only up to a positive factor that does not depend "
        "on the date or the history (a normalisation of the multipliers mu_i); yours differs "
        "from the lecture's normalisation mu_1 = 1 - lambda, mu_2 = lambda by such a factor.",
        answer, _reference(qid), {"factor": shown})


def check_answer(qid: str, text: str) -> Verdict:
    """Check a symbolic answer to a question (or to any question of an exercise).

    Parameters
    ----------
    qid : str
        A question id (``"23.1.price"``) or an exercise id (``"23.1"``: the
        answer is accepted if it is the answer to one of its questions).
    text : str
        The answer, plain text or LaTeX.

    Returns
    -------
    Verdict
        ``status`` is ``"unusable"`` for unparseable input (the message points
        at the position); never raises for bad answers.

    Examples
    --------
    >>> check_answer("23.1.price", r"\\delta^t(\\lambda \\pi^1_t + (1-\\lambda)\\pi^2_t)").status
    'accepted_up_to_factor'
    >>> check_answer("23.1.price", "delta^t * pi_1").status
    'rejected'
    >>> v = check_answer("23.1.allocation", "lamda*l/(1-lambda+lambda*l)")
    >>> print(v.message)  # doctest: +NORMALIZE_WHITESPACE
    UNUSABLE (23.1.allocation): unknown symbol 'lamda'; did you mean λ? at position 0 of
    'lamda*l/(1-lambda+lambda*l)'
    """
    try:
        questions = resolve_question(qid)
    except ForesightError as exc:
        return Verdict("unusable", qid, f"UNUSABLE: {exc.one_line()}")
    if not isinstance(text, str) or not text.strip():
        return Verdict("unusable", qid, f"UNUSABLE ({qid}): empty answer")
    verdicts = []
    for q in questions:
        try:
            expr = parse_answer(text, q.table)
        except SpecError as exc:
            verdicts.append(Verdict("unusable", q.qid, f"UNUSABLE ({q.qid}): {exc.one_line()}"))
            continue
        except (RecursionError, MemoryError, OverflowError) as exc:
            verdicts.append(Verdict("unusable", q.qid,
                                    f"UNUSABLE ({q.qid}): answer too large ({type(exc).__name__})"))
            continue
        verdicts.append(_compare(q, expr))
    for v in verdicts:
        if v.accepted:
            if len(questions) > 1:
                return Verdict(v.status, v.qid, v.message + f"\n  (matched question {v.qid} of "
                               f"exercise {qid})", v.answer, v.reference)
            return v
    usable = [v for v in verdicts if v.status == "rejected"]
    if usable:
        if len(questions) > 1:
            # Report against the question whose symbols the answer shares most.
            first = max(usable, key=lambda v: _overlap(QUESTIONS[v.qid], v.answer))
            others = ", ".join(v.qid for v in verdicts if v is not first)
            return Verdict("rejected", first.qid, first.message + f"\n  (also not the answer to "
                           f"{others}; name the question, e.g. {first.qid})", first.answer,
                           first.reference, first.counterexample)
        return usable[0]
    first = verdicts[0]
    if len(questions) > 1:  # unusable for every question: name the exercise asked about
        return Verdict("unusable", qid, first.message.replace(f"({first.qid})", f"({qid})", 1))
    return first


def _overlap(question: Question, answer) -> float:
    if answer is None:
        return 0.0
    subs = _alias_direction(question, answer)
    mine = answer.subs(subs).free_symbols
    theirs = _reference(question.qid).subs(subs).free_symbols
    return len(mine & theirs) / max(1, len(mine | theirs))


def show_solution(qid: str, latex: bool = False) -> str:
    """The derived reference solution(s) of a question or exercise, as text.

    Examples
    --------
    >>> print(show_solution("23.1.allocation"))
    23.1.allocation: Agent 1's consumption c^1_t(s^t) in the planner's allocation ...
      answer: l*lambda/(l*lambda - lambda + 1)
      derived by: two_agent_allocation(1)['share']: planner's Lagrangian, FOCs, feasibility
    """
    lines = []
    for q in resolve_question(qid):
        ref = _reference(q.qid)
        shown = sp.latex(ref) if latex else sp.sstr(ref)
        prompt = textwrap.shorten(q.prompt, 80, placeholder=" ...") if not latex else q.prompt
        lines.append(f"{q.qid}: {prompt}")
        lines.append(f"  answer: {shown}")
        if q.mode == "up_to_factor":
            lines.append("  (any positive factor independent of the date and history is "
                         "equally correct)")
        if q.mode == "numeric":
            lines.append(f"  (numerical value; answers within {q.tolerance:g} are accepted)")
        lines.append(f"  derived by: {q.source}")
    eid = qid.split(".")[0] if qid.count(".") >= 1 and not qid.startswith("F") else qid
    ex = EXERCISES.get(eid if eid in EXERCISES else ".".join(qid.split(".")[:2]))
    if ex and ex.code and qid == ex.eid:
        lines.append(f"  code: {CALLING_CONVENTIONS[ex.code]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Numerical code answers
# --------------------------------------------------------------------------

CALLING_CONVENTIONS = {
    "learning2": (
        "function(sequences, f_belief, g_belief, π_0_1, π_0_2, λ) -> dict, the lecture's "
        "simulate_learning_blume_easley.  Inputs: sequences, an (N, T) float array of draws "
        "(row n is one path; column 0 is not used, as in the lecture); f_belief, g_belief, "
        "the model densities (callables on a float or an array; numba-compiled versions are "
        "passed instead if your function is numba-compiled); π_0_1, π_0_2, the agents' "
        "priors on f; λ, agent 1's Pareto weight.  Outputs read: 'π_1', 'π_2' (each agent's "
        "posterior on f after s_1..s_t; column 0 holds the prior) and 'c1_share' (agent 1's "
        "consumption share at t; column 0 may be NaN), each (N, T); ASCII keys 'pi_1', "
        "'pi_2' and a tuple (π_1, π_2, c1_share) are accepted, other keys ignored.  Timing: "
        "s_t is priced with the beliefs formed from s_1..s_{t-1}, then the agents learn."
    ),
    "learning3": (
        "function(sequences, f_func, g_func, h_func, π_f_0_1, π_g_0_1, π_f_0_2, π_g_0_2, λ) "
        "-> dict, the lecture's simulate_three_model_allocation.  Inputs as for 23.2 plus "
        "h_func; the priors on h are 1 - π_f_0_i - π_g_0_i.  Outputs read: 'π_f_1', 'π_g_1', "
        "'π_h_1', 'π_f_2', 'π_g_2', 'π_h_2' (posteriors, column 0 the priors) and 'c1_share', "
        "each (N, T) (ASCII 'pi_f_1' ... accepted); same timing as 23.2."
    ),
}

_ARG_NAMES = {
    "learning2": ("sequences", "f_belief", "g_belief", "π_0_1", "π_0_2", "λ"),
    "learning3": ("sequences", "f_func", "g_func", "h_func", "π_f_0_1", "π_g_0_1", "π_f_0_2",
                  "π_g_0_2", "λ"),
}
_POSTERIOR_KEYS = {
    "learning2": (("pi_1", "0"), ("pi_2", "1")),  # (key, tuple position); model f only
    "learning3": (("pi_f_1", "0"), ("pi_g_1", "1"), ("pi_h_1", "2"), ("pi_f_2", "3"),
                  ("pi_g_2", "4"), ("pi_h_2", "5")),
}
_SHARE_KEY = {"learning2": ("c1_share", "2"), "learning3": ("c1_share", "6")}

# Paths per scenario (full, quick).  The long-run check compares the median of
# N paths; N >= 32 makes a false alarm of its bound less likely than 1e-6.
_PATHS = (64, 32)
# z of the per-path CLT band in the long-run bound (see _long_run_bound).
_Z_PATH = 3.0
# The long-run value check is used only when its bound is this tight;
# otherwise the survivor (KL ordering) check is used.
_INFORMATIVE = 0.05


@dataclass(frozen=True)
class CodeScenario:
    """One run of a student's simulation: nature, priors, horizon.

    ``priors`` holds each agent's prior over the exercise's models (in the
    order f, g[, h]); ``periods`` is T for a full check and a quick one.
    """

    nature: str
    priors: tuple
    periods: tuple
    lam: float = 0.5

    def label(self) -> str:
        if len(self.priors[0]) == 2:
            return (f"nature {self.nature}, priors on f ({self.priors[0][0]:g}, "
                    f"{self.priors[1][0]:g})")
        pri = "; ".join("(" + ", ".join(f"{w:.3g}" for w in p) + ")" for p in self.priors)
        return f"nature {self.nature}, priors on (f, g, h) {pri}"


def _two(p1, p2):
    return ((p1, 1 - p1), (p2, 1 - p2))


CODE_SCENARIOS = {
    # T keeps the lecture's running products finite (|log L_t| < ~700) and makes
    # the long-run bound tight (T KL >> 3 sigma sqrt(T)).
    "23.2": tuple(CodeScenario(n, _two(*p), (200, 120)) for n in ("f", "g")
                  for p in LECTURE_PRIORS),
    "23.3": tuple(CodeScenario(n, _two(*p), (60, 40)) for n in ("f", "g")
                  for p in LECTURE_PRIORS),
    "23.4": tuple(CodeScenario(n, ((0.5, 0.5, 0.0), (1 / 3, 1 / 3, 1 / 3)), (400, 250))
                  for n in ("f", "g")),
    "23.5": (CodeScenario("f", ((0.005, 0.005, 0.99), (0.0, 0.0, 1.0)), (1200, 1000)),
             CodeScenario("g", ((0.005, 0.005, 0.99), (0.0, 0.0, 1.0)), (300, 200))),
}


def _density_spec(dist) -> dict:
    weights, a, b = dist.components_arrays()
    if len(weights) == 1:
        return {"beta": [float(a[0]), float(b[0])]}
    return {"mixture": {"weights": [float(w) for w in weights],
                        "betas": [[float(x), float(y)] for x, y in zip(a, b, strict=True)]}}


def _call(convention: str, array: str, models: dict, scenario: CodeScenario) -> dict:
    dens = [_density_spec(models[k]) for k in ("f", "g", "h") if k in models]
    if convention == "learning2":
        scalars = [scenario.priors[0][0], scenario.priors[1][0], scenario.lam]
    else:
        (f1, g1, _), (f2, g2, _) = scenario.priors
        scalars = [f1, g1, f2, g2, scenario.lam]
    args = [{"array": array}, *dens, *({"value": float(v)} for v in scalars)]
    return {"args": args, "names": list(_ARG_NAMES[convention])}


def _draws(models: dict, scenario: CodeScenario, n_paths: int, n_periods: int,
           seed: int, index: int):
    """Nature's draws, one SeedSequence child per scenario (reproducible)."""
    import numpy as np

    ss = np.random.SeedSequence([seed, index])
    rng = np.random.default_rng(ss)
    weights, a, b = models[scenario.nature].components_arrays()
    if len(weights) == 1:
        return rng.beta(a[0], b[0], size=(n_paths, n_periods))
    pick = rng.choice(len(weights), p=weights, size=(n_paths, n_periods))
    return rng.beta(np.asarray(a)[pick], np.asarray(b)[pick])


@dataclass
class _Theory:
    posteriors: object  # (agents, models, N, T)
    log_l: object  # (N, T): log pi^1_t / pi^2_t, column 0 = 0
    log_l_updated_first: object  # the same with s_t priced by beliefs that include s_t


def learning_theory(states, models, priors, *, skip_first: bool = True):
    """Bayes' law and the agents' likelihood ratio on the given draws (SciPy densities).

    Parameters
    ----------
    states : ndarray (N, T)
        Draws.  With ``skip_first`` (the lecture's convention) column 0 is not
        used and holds the priors; otherwise column t is the history
        ``s_0..s_t`` (the convention of :mod:`foresight.verify.regression`).
    models : sequence of distributions
        The candidate models (Beta / Mixture).
    priors : sequence of sequence of float
        Each agent's prior over `models`.

    Returns
    -------
    _Theory
        ``posteriors[i, k, n, t]`` (after ``s_1..s_t``; column 0 the prior),
        ``log_l`` (log ratio of the agents' joint densities of ``s_1..s_t``)
        and ``log_l_updated_first`` (what a simulation that updates beliefs
        with ``s_t`` before pricing ``s_t`` computes instead).

    Examples
    --------
    >>> import numpy as np
    >>> from foresight.derivations.distributions import Beta
    >>> s = np.array([[0.5, 0.9, 0.2]])
    >>> th = learning_theory(s, (Beta(2, 1), Beta(1, 2)), ((0.5, 0.5), (0.5, 0.5)))
    >>> np.round(th.posteriors[0, 0, 0], 4).tolist()
    [0.5, 0.9, 0.6923]
    >>> float(np.abs(th.log_l).max())
    0.0
    """
    import numpy as np
    from scipy.special import logsumexp

    from foresight.verify.blume_easley import scipy_logpdf

    states = np.asarray(states, dtype=float)
    n, t = states.shape
    logf = np.zeros((len(models), n, t))
    for k, m in enumerate(models):
        if skip_first:
            logf[k, :, 1:] = scipy_logpdf(m, states[:, 1:])
        else:
            logf[k] = scipy_logpdf(m, states)
    cum = np.cumsum(logf, axis=-1)  # column 0: empty history
    post, log_joint, log_joint_late = [], [], []
    for prior in priors:
        with np.errstate(divide="ignore"):
            lw = np.log(np.asarray(prior, dtype=float))[:, None, None]
        unnorm = lw + cum
        lj = logsumexp(unnorm, axis=0)
        post.append(np.exp(unnorm - lj))
        log_joint.append(lj)
        # Wrong timing: density of s_t from the posterior that already includes s_t.
        late = logsumexp(np.log(np.maximum(post[-1], 1e-300)) + logf, axis=0,
                         b=(post[-1] > 0))
        if skip_first:
            late[:, 0] = 0.0
        log_joint_late.append(np.cumsum(late, axis=-1))
    return _Theory(np.stack(post), log_joint[0] - log_joint[1],
                   log_joint_late[0] - log_joint_late[1])


def share_rule(log_l, lam, gamma: float = 1.0):
    """Agent 1's share from ``log l_t`` by the derived two-agent allocation rule (CRRA).

    The rule is :func:`foresight.derivations.blume_easley.two_agent_allocation`'s
    ``share_stable`` (finite for every ``log l``), lambdified for numpy.

    Examples
    --------
    >>> float(share_rule(0.0, 0.3))
    0.3
    """
    import numpy as np

    rule = _share_rule_function()
    with np.errstate(over="ignore"):
        return rule(np.asarray(log_l, dtype=float), float(lam), float(gamma))


@cache
def _share_rule_function():
    be = _be()
    stable = be.two_agent_allocation("symbolic")["share_stable"]
    log_l = sp.Symbol("log_l", real=True)
    expr = sp.powsimp(stable.subs(be.l_sym, sp.exp(log_l)), force=True)
    return sp.lambdify((log_l, be.lam, be.gamma_sym), expr, modules="numpy")


@cache
def log_ratio_moments(nature, p, q) -> tuple[float, float]:
    """Mean and variance of ``log p(s) - log q(s)`` under `nature` (adaptive quadrature).

    The densities come from :func:`foresight.numerics.distributions.log_density_mixture`
    (generated Beta kernel); cached per triple of distributions.

    Examples
    --------
    >>> from foresight.derivations.distributions import Beta
    >>> m, v = log_ratio_moments(Beta(1, 1), Beta(1, 1), Beta(2, 1))
    >>> round(m, 10), round(v, 10)  # E[-log(2 s)] = 1 - log 2; Var[log s] = 1
    (0.3068528194, 1.0)
    """
    from scipy.integrate import quad

    from foresight.numerics.distributions import component_arrays, log_density_mixture

    h, a, b = (component_arrays(d) for d in (nature, p, q))

    def integrand(x, power):
        r = log_density_mixture(x, *a) - log_density_mixture(x, *b)
        return math.exp(log_density_mixture(x, *h)) * r**power

    opts = {"limit": 400, "epsabs": 1e-13, "epsrel": 1e-12}
    mean = quad(integrand, 0.0, 1.0, args=(1,), **opts)[0]
    second = quad(integrand, 0.0, 1.0, args=(2,), **opts)[0]
    return mean, max(second - mean * mean, 0.0)


def _long_run_bound(eid: str, scenario: CodeScenario, n_periods: int):
    models = lecture_models(eid)
    dists = tuple(models[k] for k in ("f", "g", "h") if k in models)
    return long_run_bound(dists, tuple(tuple(p) for p in scenario.priors), scenario.lam, 1.0,
                          models[scenario.nature], n_periods)


@cache
def long_run_bound(models: tuple, priors: tuple, lam: float, gamma: float, nature,
                   n_periods: int):
    """Derived a.s. limit of agent 1's share and a bound on |median c_T - limit|.

    Theory (:func:`foresight.derivations.learning.learning_limits`): posteriors
    concentrate on the model ``f*`` closest to nature in KL; with
    ``R_k = L_k / L_*`` (likelihood of model k relative to ``f*``), ``log R_k``
    is a random walk with drift ``-(KL(h||f_k) - KL(h||f*))`` and step s.d.
    ``sigma_k`` (quadrature).

    * both agents put mass ``w_i* > 0`` on ``f*``:
      ``|log l_T - log l_inf| <= sum_i sum_k (w_ik / w_i*) R_k`` and
      ``dc/dlog l <= 1/(4 gamma)``;
    * only agent 1 does:
      ``1 - c_T <= ((1-lambda)/lambda sum_k (w_2k / w_1*) R_k)^(1/gamma)``
      (and symmetrically).

    Each path has ``R_k <= exp(-(T gap_k - 3 sigma_k sqrt(T)))`` for every k
    except with probability ``K Phi(-3)``; by Hoeffding more than half of
    N >= 32 paths satisfy all K bounds except with probability < 1e-6, so the
    median share is within the bound.

    Parameters
    ----------
    models : tuple of distributions
        Every model any agent holds.
    priors : tuple of tuple of float
        Each agent's prior over `models` (0 outside its support).
    lam, gamma : float
        Agent 1's Pareto weight; relative risk aversion.
    nature : distribution
    n_periods : int

    Returns
    -------
    tuple
        ``(limit, bound, basis, reason, kl_to_nature)``; ``limit`` is None
        when the theory gives no almost-sure limit.

    Examples
    --------
    >>> from foresight.derivations.distributions import Beta
    >>> f, g = Beta(1, 1), Beta(3, 1.2)
    >>> limit, bound, *_ = long_run_bound((f, g), ((1.0, 0.0), (0.0, 1.0)), 0.5, 1.0, f, 200)
    >>> limit, bound < 1e-10
    (1.0, True)
    """
    from foresight.derivations.blume_easley import Belief, ExchangeEconomy
    from foresight.derivations.learning import learning_limits

    econ = ExchangeEconomy(tuple(Belief(tuple(models), p) for p in priors), (lam, 1 - lam),
                           gamma=gamma)
    lim = learning_limits(econ, nature=nature)
    if lim.share_limits is None:
        return None, math.inf, "indeterminate limit", lim.reason, lim.kl_to_nature
    limit = lim.share_limits[0]
    overall = min(lim.limiting_divergence)
    star_dist = next(d for k, d in enumerate(models)
                     if abs(lim.kl_to_nature[0][k] - overall) <= 1e-10 * max(1.0, overall))
    r_bar = {}
    for k, d in enumerate(models):
        if d == star_dist:
            continue
        mean, var = log_ratio_moments(nature, d, star_dist)
        r_bar[k] = math.exp(min(-(n_periods * -mean - _Z_PATH * math.sqrt(var * n_periods)),
                                50.0))
    w_star = [sum(p[k] for k in range(len(models)) if models[k] == star_dist) for p in priors]
    if w_star[0] > 0 and w_star[1] > 0:
        bound = 0.25 / gamma * sum(p[k] / w_star[i] * r for i, p in enumerate(priors)
                                   for k, r in r_bar.items())
    elif w_star[0] > 0:
        bound = ((1 - lam) / lam * sum(priors[1][k] / w_star[0] * r
                                       for k, r in r_bar.items())) ** (1 / gamma)
    else:
        bound = (lam / (1 - lam) * sum(priors[0][k] / w_star[1] * r
                                       for k, r in r_bar.items())) ** (1 / gamma)
    bound = float(min(bound, 1.0)) + 1e-12
    basis = (f"|median c_T - limit| <= {bound:.2g}: R_k = L_k/L_* <= exp(-(T KL_k - 3 sigma_k "
             f"sqrt T)) on > half of the paths (CLT + Hoeffding, false alarm < 1e-6), T = "
             f"{n_periods}")
    return float(limit), bound, basis, lim.reason, lim.kl_to_nature


def _read(result: dict, convention: str, n: int, t: int):
    """Pull posteriors and shares out of a solution's output; raise ValueError if unusable."""
    import numpy as np

    def get(key, pos):
        for k in (key, pos):
            if k in result:
                return result[k]
        shown = ", ".join(sorted(result)) or "none"
        raise ValueError(f"the output has no {key!r} (keys returned: {shown})")

    def shaped(name, a, allow_nan_first=False):
        a = np.asarray(a, dtype=float)
        if a.shape != (n, t):
            raise ValueError(f"{name!r} has shape {a.shape}; expected (N, T) = ({n}, {t}), "
                             "one row per path of `sequences`")
        body = a[:, 1:] if allow_nan_first else a
        bad = ~np.isfinite(body)
        if bad.any():
            p, q = np.argwhere(bad)[0]
            q = q + 1 if allow_nan_first else q
            raise ValueError(f"{name!r} is {a[p, q]} at path {p}, t = {q} (NaN or infinite "
                             f"values in {int(bad.sum())} entries)")
        return a

    posteriors = [shaped(key, get(key, pos)) for key, pos in _POSTERIOR_KEYS[convention]]
    shares = shaped("c1_share", get(*_SHARE_KEY[convention]), allow_nan_first=True)
    return posteriors, shares


def _round_off_tol(n_periods: int) -> tuple[float, str]:
    eps = 2.220446049250313e-16
    atol = 1e-12 + 64 * n_periods * eps
    return atol, (f"float64 running products over T = {n_periods} draws: relative error "
                  f"<= 16 T eps in l_t and L_t, times <= 1/4 sensitivity, x 16 margin")


def _code_checks(eid: str, scenario: CodeScenario, k: int, states, output: dict,
                 models: dict, convention: str):
    """CheckResults of one scenario; ValueError when the output is unusable."""
    import numpy as np

    from foresight.verify.check import compare_close, compare_equal

    n, t = states.shape
    names = [m for m in ("f", "g", "h") if m in models]
    dists = [models[m] for m in names]
    posteriors, shares = _read(output, convention, n, t)
    theory = learning_theory(states, dists, scenario.priors)
    atol, basis = _round_off_tol(t)
    label = scenario.label()
    checks = []
    expected_post = []
    if convention == "learning2":
        expected_post = [theory.posteriors[0, 0], theory.posteriors[1, 0]]
        post_names = ["agent 1 on f", "agent 2 on f"]
    else:
        expected_post = [theory.posteriors[i, m] for i in range(2) for m in range(3)]
        post_names = [f"agent {i + 1} on {m}" for i in range(2) for m in names]
    worst = None
    for name, exp, obs in zip(post_names, expected_post, posteriors, strict=True):
        r = compare_close(
            f"{eid}.posterior[{label}; {name}]",
            "posterior = prior x likelihood / evidence (Bayes' law on the same draws, SciPy "
            "densities)", exp, obs, atol=atol, basis=basis,
            details={"scenario": label, "paths": n, "periods": t})
        if worst is None or (not r.passed and worst.passed):
            worst = r
    checks.append(worst)
    expected_share = share_rule(theory.log_l[:, 1:], scenario.lam)
    share_check = compare_close(
        f"{eid}.shares_vs_allocation_rule[{label}]",
        "c^1_t = lambda l_t / (1 - lambda + lambda l_t), l_t = ratio of the agents' joint "
        "densities of s_1..s_t (derived rule; Bayes on the same draws)",
        expected_share, shares[:, 1:], atol=atol, basis=basis,
        details={"scenario": label})
    if not share_check.passed:
        diff = np.abs(shares[:, 1:] - expected_share)
        p, q = np.unravel_index(int(np.argmax(diff)), diff.shape)
        late = share_rule(theory.log_l_updated_first[:, 1:], scenario.lam)
        timing = bool(np.max(np.abs(shares[:, 1:] - late)) <= atol)
        share_check = type(share_check)(**{
            **share_check.__dict__,
            "details": {**share_check.details, "worst_path": int(p), "worst_t": int(q + 1),
                        "yours": float(shares[p, q + 1]), "rule": float(expected_share[p, q]),
                        "updated_before_pricing": timing}})
    checks.append(share_check)
    limit, bound, lbasis, reason, kl = _long_run_bound(eid, scenario, t)
    final = shares[:, -1]
    if limit is not None and bound < _INFORMATIVE:
        checks.append(compare_close(
            f"{eid}.long_run_share[{label}]",
            f"c^1_T -> {limit:.6g} almost surely ({reason})", limit, float(np.median(final)),
            atol=bound, basis=lbasis, details={"scenario": label, "paths": n, "T": t}))
    else:
        best = [min(row[m] for m in range(len(dists)) if p[m] > 0)
                for row, p in zip(kl, scenario.priors, strict=True)]
        expected = 1 if best[0] < best[1] else 2
        observed = 1 if float(np.median(final)) > 0.5 else 2
        checks.append(compare_equal(
            f"{eid}.survivor_vs_kl[{label}]",
            "the agent whose models come closer to nature in KL survives (share -> 1)",
            expected, observed,
            basis=f"min KL(nature || model) over each agent's support: {best[0]:.4g} vs "
                  f"{best[1]:.4g}; median final share {float(np.median(final)):.4g} at T = {t}",
            details={"scenario": label}))
    return checks


def _failure_line(r) -> str:
    d = r.details
    if ".shares_vs_allocation_rule" in r.name and "worst_path" in d:
        return (f"FAIL {r.name}: at path {d['worst_path']}, t = {d['worst_t']} your share "
                f"{d['yours']:.6g}, the allocation rule gives {d['rule']:.6g} "
                f"(tolerance {r.tolerance:.2g})")
    if ".long_run_share" in r.name:
        why = r.statement.split("(", 1)[-1].rstrip(")").split(":")[0]
        return (f"FAIL {r.name}: expected the almost-sure limit {r.expected:.6g} "
                f"({why}); saw median final share "
                f"{r.observed:.6g} over {d.get('paths')} paths at T = {d.get('T')} "
                f"(tolerance {r.tolerance:.2g})")
    if ".survivor_vs_kl" in r.name:
        return (f"FAIL {r.name}: theory says agent {r.expected} survives, your simulation "
                f"says agent {r.observed} ({r.basis})")
    return (f"FAIL {r.name}: expected {r.expected}, observed {r.observed}, error "
            f"{r.error:.3g} > tolerance {r.tolerance:.3g}")


def check_code(exercise: str, target: str, *, seed: int = 12345, timeout: float = 60.0,
               quick: bool = False, limits=None) -> Verdict:
    """Run ``path.py:function`` in the sandbox and check it against the theory.

    The checker draws the sequences, calls the function once per scenario
    (natures f and g, the lecture's priors) in an isolated subprocess
    (:mod:`foresight.verify.sandbox`), and compares on the *same* draws:

    * posteriors with Bayes' law (SciPy densities, log space);
    * shares with the derived allocation rule at the agents' likelihood ratio;
    * long-run shares with the derived almost-sure limits
      (:func:`foresight.derivations.learning.learning_limits`), or, where the
      horizon is too short for a tight bound, the survivor with the KL ordering.

    Parameters
    ----------
    exercise : str
        ``"23.2"``, ``"23.3"``, ``"23.4"`` or ``"23.5"``.
    target : str
        ``"path/to/solution.py:function"`` (see :data:`CALLING_CONVENTIONS`).
    seed : int
        Seed of the draws (the same draws feed the solution and the theory).
    timeout : float
        Wall-clock limit of the solution (seconds, all scenarios together).
    quick : bool
        Fewer and shorter paths.
    limits : foresight.verify.sandbox.Limits, optional
        Memory/CPU/output limits of the child (``timeout`` overrides its own).

    Returns
    -------
    Verdict
        ``"accepted"``; ``"rejected"`` (failed checks with expected and observed,
        or a solution that raised, hung, or returned unusable output); or
        ``"unusable"`` (no such file or function, wrong signature): the first
        line of ``message`` is the verdict.
    """
    import numpy as np

    from foresight.verify import sandbox

    eid = str(exercise).strip()
    if eid not in EXERCISES or not EXERCISES[eid].code:
        coded = [e for e, ex in EXERCISES.items() if ex.code]
        return Verdict("unusable", eid, f"UNUSABLE: exercise {eid!r} has no code check "
                       f"(code checks: {', '.join(coded)})")
    convention = EXERCISES[eid].code
    try:
        sandbox.parse_target(target)
    except sandbox.SandboxError as exc:
        return Verdict("unusable", eid, f"UNUSABLE ({eid}): {exc}")
    models = lecture_models(eid)
    scenarios = CODE_SCENARIOS[eid]
    if quick:
        scenarios = scenarios[::3] if len(scenarios) > 2 else scenarios
    n_paths = _PATHS[1] if quick else _PATHS[0]
    arrays, calls = {}, []
    for k, sc in enumerate(scenarios):
        t = sc.periods[1] if quick else sc.periods[0]
        arrays[f"s{k}"] = _draws(models, sc, n_paths, t, seed, k)
        calls.append(_call(convention, f"s{k}", models, sc))
    limits = limits or sandbox.Limits()
    limits = sandbox.Limits(timeout, max(int(timeout) + 1, 1), limits.memory_mb, limits.output_mb)
    run = sandbox.run_function(target, calls, arrays, limits=limits)
    if not run.ok:
        if run.kind in ("load", "signature"):
            return Verdict("unusable", eid, f"UNUSABLE ({eid}): {run.error}")
        return Verdict("rejected", eid, f"REJECTED ({eid}): the solution did not return a "
                       f"usable result: {run.error}")
    checks = []
    for k, sc in enumerate(scenarios):
        try:
            checks.extend(_code_checks(eid, sc, k, arrays[f"s{k}"], run.results[k], models,
                                       convention))
        except ValueError as exc:
            return Verdict("rejected", eid, f"REJECTED ({eid}): unusable output for "
                           f"{sc.label()}: {exc}")
    failed = [r for r in checks if not r.passed]
    n_paths_t = ", ".join(sorted({f"T = {arrays[f's{k}'].shape[1]}"
                                  for k in range(len(scenarios))}))
    if not failed:
        kinds = ["posteriors = Bayes' law", "shares = allocation rule"]
        if any(".long_run_share[" in r.name for r in checks):
            kinds.append("long-run shares = derived limits")
        if any(".survivor_vs_kl[" in r.name for r in checks):
            kinds.append("survivor = KL ordering")
        return Verdict("accepted", eid,
                       f"ACCEPTED ({eid}): {len(checks)} checks passed on {len(scenarios)} "
                       f"scenarios ({n_paths} paths, {n_paths_t}; seed {seed}): "
                       f"{', '.join(kinds)} (ran in {run.seconds:.1f} s).", checks=checks)
    lines = [f"REJECTED ({eid}): {len(failed)} of {len(checks)} checks failed "
             f"({n_paths} paths, {n_paths_t}, seed {seed})."]
    lines += ["  " + _failure_line(r) for r in failed[:6]]
    if len(failed) > 6:
        lines.append(f"  ... and {len(failed) - 6} more")
    if any(r.details.get("updated_before_pricing") for r in failed):
        lines.append("  diagnosis: your shares are exactly what the allocation rule gives when "
                     "each agent's density of s_t uses beliefs already updated with s_t. "
                     "Price s_t with the posterior from s_1..s_{t-1}, then update.")
    passed_post = all(r.passed for r in checks if ".posterior[" in r.name)
    if passed_post and any(".posterior[" in r.name for r in checks):
        lines.append("  (your posteriors agree with Bayes' law)")
    _ = np
    return Verdict("rejected", eid, "\n".join(lines), checks=checks)


# --------------------------------------------------------------------------
# Default cases for `foresight verify`
# --------------------------------------------------------------------------


@case("exercises")
def reference_answers_round_trip():
    """Derived answers printed as text and LaTeX are accepted; perturbed ones rejected."""
    from foresight.verify.check import compare_equal

    results = []
    for qid in QUESTIONS:
        ref = _reference(qid)
        for how, text in (("text", sp.sstr(ref)), ("latex", sp.latex(ref))):
            v = check_answer(qid, text)
            results.append(compare_equal(
                f"exercises.{qid}.accepts_derived_{how}",
                f"the checker's parser and equivalence test accept the derived answer printed "
                f"as {how}", "accepted", "accepted" if v.accepted else v.status,
                basis="SymPy printer -> safe parser -> symbolic/numeric comparison",
                details={"answer": text}))
        wrong = sp.sstr(ref + sp.Rational(1, 7))
        v = check_answer(qid, wrong)
        results.append(compare_equal(
            f"exercises.{qid}.rejects_perturbed",
            "the checker rejects the derived answer plus 1/7", "rejected", v.status,
            basis="counter-example search at rational points", details={"answer": wrong}))
    return results

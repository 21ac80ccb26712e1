"""The exercises as data: statements, questions, symbols and derived references.

Every reference answer is *derived at run time* from
:mod:`foresight.derivations.blume_easley` (and, for almost-sure limits, the
theory of :mod:`foresight.derivations.learning`); nothing here is a typed-in
formula.  The question table :data:`QUESTIONS` names, for each question, its
prompt, the symbols a student may use, the derivation that gives the reference
and how an answer is compared (exactly, up to a positive factor, or as a
number).  :class:`Verdict` is what both checkers return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import sympy as sp

from foresight.derivations import blume_easley as _be_module
from foresight.derivations.answer_parser import SymbolSpec, SymbolTable
from foresight.errors import ParameterError, did_you_mean

__all__ = [
    "Question", "Exercise", "Verdict", "QUESTIONS", "EXERCISES", "SAMPLE_ANSWERS",
    "CALLING_CONVENTIONS", "STATEMENTS", "exercise_statements", "resolve_question",
    "reference", "EXIT_CODES", "lecture_models", "exercise_economy", "LECTURE_PRIORS",
]

# --------------------------------------------------------------------------
# Symbols: the derivations' own where they exist; the exercises' priors,
# likelihood ratio and posterior are named here (no derivation has them).
# --------------------------------------------------------------------------

LAM = _be_module.lam
L_AGENTS = _be_module.l_sym
DELTA = _be_module.delta
T = _be_module.t
GAMMA = _be_module.gamma_sym
Y = _be_module.Y
PI1, PI2, PI3 = _be_module._indexed("pi", 3, positive=True)
LAMS = _be_module._indexed("lambda", 3, positive=True)
M1, M2 = _be_module._indexed("m", 2, positive=True)
L_MODELS = sp.Symbol("L", positive=True)
PRIOR = sp.Symbol("pi_0", positive=True)
PRIOR1, PRIOR2 = sp.Symbol("pi^1_0", positive=True), sp.Symbol("pi^2_0", positive=True)
PRIOR_F = sp.Symbol("pi^f_0", positive=True)
POST = sp.Symbol("pi_{t-1}", positive=True)
F_VAL, G_VAL = sp.Symbol("f", positive=True), sp.Symbol("g", positive=True)

#: Symbols whose range is (0, 1): Pareto weights, priors, posteriors, the
#: discount factor and predictive means of a draw on (0, 1).  Every other
#: symbol is a positive real, except the date t (a non-negative integer).
UNIT_INTERVAL = frozenset({LAM, *LAMS, PRIOR, PRIOR1, PRIOR2, PRIOR_F, POST, DELTA, M1, M2})
DATES = frozenset({T})


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
    return _be_module


def ref_price() -> sp.Expr:
    """Exercise 23.1: p_t(s^t) from the agents' FOCs matched to the planner."""
    return _be().competitive_prices(2, 1)["price_two_agent"]


def ref_allocation() -> sp.Expr:
    """Exercise 23.1: c^1_t = lambda l_t / (1 - lambda + lambda l_t) (planner, log utility)."""
    return _be().two_agent_allocation(1)["share"]


def ref_posterior() -> sp.Expr:
    """Exercises 23.2/23.3: Bayes' law with prior pi_0 on f and L_t = prod f/g."""
    w1, w2 = sp.symbols("w_1 w_2", positive=True)
    f01, f02 = sp.symbols("f0_1 f0_2", positive=True)
    post = _be().bayesian_learning(2)["posterior"]
    # Cumulative likelihoods L_f = L_t * L_g; the common L_g cancels.
    post = post.subs({w1: PRIOR, w2: 1 - PRIOR, f01: L_MODELS * f02})
    return sp.simplify(post)


def ref_mixture() -> sp.Expr:
    """Exercises 23.2/23.3: one-step predictive density m^i_t(s) = sum_k post_k f_k(s)."""
    d = _be().bayesian_learning(2)
    w1, w2 = sp.symbols("w_1 w_2", positive=True)
    f01, f02, f11, f12 = sp.symbols("f0_1 f0_2 f1_1 f1_2", positive=True)
    pred = d["predictive_density"]
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

    econ, natures = exercise_economy(exercise)
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


def exercise_economy(exercise: str, priors=None, lam: float = 0.5):
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
        ``"numeric"`` questions: the precision the exercise asks for.  An answer
        is judged at the precision it states (half a unit in its last digit)
        and must state at least this one.
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
        history=(T, PI1, PI2, L_AGENTS),
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
def reference(qid: str) -> sp.Expr:
    """The derived reference answer of question `qid` (cached per process)."""
    return sp.sympify(QUESTIONS[qid].reference())


_reference = reference  # the name the report section and older callers use


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
# Verdicts
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Outcome of checking one answer.

    Attributes
    ----------
    status : str
        ``"accepted"``, ``"accepted_up_to_factor"``, ``"rejected"``,
        ``"unusable"`` (bad input) or ``"undecided"`` (the check ran out of its
        time or memory budget, or could not evaluate the answer precisely
        enough: neither accepted nor rejected).
    qid : str
    message : str
        Feedback for the student; its first line is the verdict.
    answer : sympy.Expr or None
    reference : sympy.Expr or None
    counterexample : dict
        For rejections: the point (symbol label -> value), ``yours`` and ``derived``.
    checks : list
        CheckResults of code answers.
    seed : int or None
        Seed of the random evaluation points (symbolic answers) or of the draws
        (code answers): passing it again reproduces the verdict.
    """

    status: str
    qid: str
    message: str
    answer: object = None
    reference: object = None
    counterexample: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)
    seed: int | None = None

    @property
    def accepted(self) -> bool:
        return self.status.startswith("accepted")

    @property
    def exit_code(self) -> int:
        """0 accepted, 1 rejected, 2 unusable (bad input), 3 undecided."""
        return EXIT_CODES.get(self.status, 2)

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        """JSON-safe record: status, exit code, message, answer, reference, seed, checks."""
        return {
            "status": self.status, "accepted": self.accepted, "exit_code": self.exit_code,
            "question": self.qid, "message": self.message,
            "answer": None if self.answer is None else sp.sstr(self.answer),
            "reference": None if self.reference is None else sp.sstr(self.reference),
            "seed": self.seed,
            "counterexample": {k: (v if isinstance(v, (dict, int, float)) else str(v))
                               for k, v in self.counterexample.items()},
            "checks": [c.to_dict() for c in self.checks],
        }


#: Exit status of each verdict (``foresight check-exercise``).
EXIT_CODES = {"accepted": 0, "accepted_up_to_factor": 0, "rejected": 1, "unusable": 2,
              "undecided": 3}


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

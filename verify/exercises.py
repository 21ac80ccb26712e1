"""Exercise checker: symbolic answers and numerical code against derived theory.

The checker is four modules; this one gathers their public names (and the
``foresight verify`` case):

* :mod:`foresight.verify.exercise_questions` -- the exercises as data:
  statements, questions, symbols, derived references, :class:`Verdict`;
* :mod:`foresight.verify.exercise_symbolic` -- symbolic answers
  (:func:`check_answer`): safe parsing, equivalence decided at random points of
  the whole domain in interval arithmetic, within a time and memory budget;
* :mod:`foresight.verify.exercise_code` -- code answers (:func:`check_code`)
  run in the sandbox (:mod:`foresight.verify.sandbox`);
* :mod:`foresight.verify.exercise_theory` -- Bayes' law, the share rule and the
  long-run bounds on given draws (also used by :mod:`foresight.verify.regression`).

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

import sympy as sp

from foresight.derivations.answer_parser import parse_answer
from foresight.verify.bounded import Budget
from foresight.verify.exercise_code import CODE_SCENARIOS, CodeScenario, check_code
from foresight.verify.exercise_questions import (
    CALLING_CONVENTIONS,
    EXERCISES,
    EXIT_CODES,
    QUESTIONS,
    SAMPLE_ANSWERS,
    Exercise,
    Question,
    Verdict,
    _reference,
    exercise_economy,
    exercise_statements,
    lecture_models,
    reference,
    resolve_question,
)
from foresight.verify.exercise_symbolic import check_answer, judge_answer, show_solution
from foresight.verify.exercise_theory import (
    learning_theory,
    log_ratio_moments,
    long_run_bound,
    share_rule,
)
from foresight.verify.registry import case

__all__ = [
    "Question", "Exercise", "Verdict", "Budget", "QUESTIONS", "EXERCISES", "EXIT_CODES",
    "check_answer", "judge_answer", "check_code", "show_solution", "exercise_statements",
    "resolve_question", "reference", "CALLING_CONVENTIONS", "SAMPLE_ANSWERS",
    "CODE_SCENARIOS", "CodeScenario", "learning_theory", "long_run_bound", "share_rule",
    "log_ratio_moments", "lecture_models", "exercise_economy", "parse_answer",
]

_ = _reference  # kept importable from here for the report section


# --------------------------------------------------------------------------
# Default cases for `foresight verify`
# --------------------------------------------------------------------------


@case("exercises")
def reference_answers_round_trip():
    """Derived answers printed as text and LaTeX are accepted; perturbed ones rejected."""
    from foresight.verify.check import compare_equal

    results = []
    for qid in QUESTIONS:
        ref = reference(qid)
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



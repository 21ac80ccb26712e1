"""Report section: the exercises (lecture 23.1-23.5 and our own), solved and checked live.

Interface of ``foresight report`` sections: ``TITLE``, ``ORDER`` and
``build(ctx) -> str`` (the LaTeX body without the ``\\section`` line).

Every solution is derived at build time (:mod:`foresight.verify.exercises`);
the verdict table runs the checker on one accepted and one rejected sample
answer per exercise, and the code table runs the example solutions in
``docs/examples`` through the sandboxed code checker.  Nothing is typed in.

Examples
--------
>>> TITLE, ORDER
('Exercises: derived solutions and the answer checker', 20)
"""

from __future__ import annotations

from pathlib import Path

TITLE = "Exercises: derived solutions and the answer checker"
ORDER = 20

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
#: Run at build time: their content enters the result cache's key.
CACHE_INPUTS = (EXAMPLES,)
CODE_SAMPLES = (
    ("23.2", "exercise_23_2_solution.py", "simulate_learning_blume_easley"),
    ("23.2", "exercise_23_2_wrong_timing.py", "simulate_learning_blume_easley"),
    ("23.4", "exercise_23_4_solution.py", "simulate_three_model_allocation"),
    ("23.4", "exercise_23_4_wrong_timing.py", "simulate_three_model_allocation"),
    ("23.5", "exercise_23_4_solution.py", "simulate_three_model_allocation"),
)


def _verdict_cell(verdict, escape) -> str:
    """Short LaTeX description of a verdict: status and the counter-example, if any."""
    status = {"accepted": "accepted", "accepted_up_to_factor": "accepted up to a factor",
              "rejected": "rejected", "unusable": "unusable"}[verdict.status]
    text = rf"\textbf{{{status}}}"
    ce = verdict.counterexample
    if verdict.status == "accepted_up_to_factor" and "factor" in ce:
        text += ": factor " + escape(ce["factor"])
    elif verdict.status == "rejected" and ce:
        point = ce.get("point")
        if isinstance(point, dict) and point:
            where = ", ".join(f"{k} = {v}" for k, v in point.items())
        else:
            where = str(point or "")
        parts = []
        if where:
            parts.append(f"at {where}")
        parts.append(f"yours {ce.get('yours')}, derived {ce.get('derived')}")
        text += ": " + escape("; ".join(parts))
    return text


_GREEK = {"λ": "lambda", "π": "pi", "δ": "delta", "μ": "mu", "γ": "gamma", "ε": "epsilon"}


def _prose(text: str) -> str:
    """Exercise text with tokens such as ``π^1_t`` and ``λ`` typeset as mathematics."""
    from foresight.reports.latex import text_math

    for letter, name in _GREEK.items():
        text = text.replace(letter, name)
    return text_math(text)


def _breakable(latex_text: str) -> str:
    """Let long typewriter text (answers, question ids, file names) break after operators."""
    for op in ("+", "*", "/", ",", ".", r"\_", r"\}"):
        latex_text = latex_text.replace(op, op + r"\allowbreak{}")
    return latex_text


def build(ctx) -> str:
    """LaTeX body of the section.

    Parameters
    ----------
    ctx : object
        ``ctx.quick`` (shorter code checks), ``ctx.seed``, ``ctx.progress(msg)``.
    """
    from foresight.reports.latex import escape, sympy_latex
    from foresight.verify.exercises import (
        CALLING_CONVENTIONS,
        EXERCISES,
        QUESTIONS,
        SAMPLE_ANSWERS,
        _reference,
        check_answer,
        check_code,
    )

    out = [
        "Each exercise below is stated, and its answer is derived by the suite at build time "
        "(the derivation named under each answer).  The command "
        r"\texttt{foresight check-exercise} checks a student's answer against these "
        "derivations: formulas are parsed without executing code and evaluated, in interval "
        "arithmetic, at random points of the whole domain drawn afresh for each check "
        "(prices up to a positive factor that does not depend on the date or the history, "
        "which the theory leaves free; numbers at the precision they state), within a time "
        "and memory budget; simulation code is run in a sandbox and compared on the same "
        "draws with Bayes' law, the allocation rule and the almost-sure limits, for Pareto "
        "weights other than 1/2, asymmetric priors, both natures and several horizons.  "
        "Exercises F.1--F.3 are our own and go beyond the lecture.",
        "",
    ]
    for ex in EXERCISES.values():
        ctx.progress(f"exercise {ex.eid}")
        out.append(rf"\subsection*{{{escape(ex.eid)}: {escape(ex.title)}}}")
        out.append(_prose(ex.statement))
        out.append(r"\begin{itemize}")
        for qid in ex.questions:
            q = QUESTIONS[qid]
            out.append(rf"\item \texttt{{{escape(qid)}}}: {_prose(q.prompt)}")
            out.append(rf"\[ {sympy_latex(_reference(qid))} \]")
            note = escape(f"Derived by {q.source}.")
            if q.mode == "up_to_factor":
                note += (" Any positive factor independent of the date and the history is "
                         "equally correct.")
            if q.mode == "numeric":
                note += escape(f" A number, judged at the precision it states (which must "
                               f"be {q.tolerance:g} or better).")
            out.append(rf"{{\small {note}}}")
        out.append(r"\end{itemize}")
        if ex.code:
            out.append(r"{\small \textit{Code answers:} "
                       + escape(CALLING_CONVENTIONS[ex.code]) + "}")
        out.append("")

    ctx.progress("checking sample answers")
    out += [
        r"\subsection*{The checker on sample answers}",
        "One accepted and one rejected answer per exercise; the verdicts are the checker's, "
        "computed while this report was built.",
        "",
        r"\begin{small}",
        r"\begin{longtable}{@{}p{0.16\textwidth}p{0.36\textwidth}p{0.42\textwidth}@{}}",
        r"\toprule question & answer & verdict \\ \midrule \endhead",
    ]
    for qid, good, bad in SAMPLE_ANSWERS:
        for answer in (good, bad):
            v = check_answer(qid, answer, seed=int(getattr(ctx, "seed", 12345) or 12345))
            out.append(rf"\texttt{{{_breakable(escape(qid))}}} & "
                       rf"\texttt{{{_breakable(escape(answer))}}} & "
                       rf"{_verdict_cell(v, escape)} \\")
    out += [r"\bottomrule", r"\end{longtable}", r"\end{small}", ""]

    rows = []
    for eid, fname, func in CODE_SAMPLES:
        path = EXAMPLES / fname
        if not path.exists():
            continue
        ctx.progress(f"code check {eid} {fname}")
        v = check_code(eid, f"{path}:{func}", seed=int(getattr(ctx, "seed", 12345) or 12345),
                       quick=bool(getattr(ctx, "quick", False)),
                       isolation="auto")  # the project's own examples: trusted code
        first = v.message.splitlines()[0]
        failed = [r for r in v.checks if not r.passed]
        if failed:
            r = next((r for r in failed if ".long_run_share" in r.name), failed[0])
            detail = (f"{len(failed)} of {len(v.checks)} checks failed; e.g. {r.name}: "
                      f"expected {r.expected:.4g}, saw {r.observed:.4g}"
                      if isinstance(r.expected, float) and isinstance(r.observed, float)
                      else first)
        else:
            detail = first
        rows.append(rf"{escape(eid)} & \texttt{{{_breakable(escape(fname))}}} & "
                    rf"\textbf{{{v.status}}}: {escape(detail)} \\")
    if rows:
        out += [
            r"\subsection*{The checker on simulation code}",
            "The example solutions shipped in \\texttt{docs/examples} (written in the "
            "lecture's style, plain numpy), run in the sandbox on the checker's draws.  The "
            "``wrong timing'' files are the loop order of the lecture's own published "
            "solutions: beliefs are updated with $s_t$ before $s_t$ is priced, so the shares "
            "converge to the wrong limit.",
            "",
            r"\begin{small}",
            r"\begin{longtable}{@{}p{0.09\textwidth}p{0.3\textwidth}p{0.55\textwidth}@{}}",
            r"\toprule exercise & solution & verdict \\ \midrule \endhead",
            *rows,
            r"\bottomrule", r"\end{longtable}", r"\end{small}",
        ]
    return "\n".join(out) + "\n"

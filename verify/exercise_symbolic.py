"""Symbolic answers: parse safely, then decide equivalence at random points, in bounded time.

A student's formula is parsed by the whitelist parser of
:mod:`foresight.derivations.answer_parser` (never executed) and compared with
the derived reference (:mod:`foresight.verify.exercise_questions`) *by
evaluation*, not by ``simplify``:

* **Points.**  Every symbol is drawn afresh for each check from a continuous
  distribution over its whole range (``(0, 1)`` for Pareto weights, priors
  and the discount factor, with extra mass near both ends; log-uniform on
  ``[1e-4, 1e4]`` for densities, likelihood ratios and ``gamma``; dates are
  integers, half in ``0..12`` and half log-uniform up to ``10^4``).  Values are
  decimals with 10 significant digits, so a counter-example can be typed back
  in.  The seed is reported; passing it again reproduces the check.
* **Evaluation.**  Both formulas are evaluated at the exact point in interval
  arithmetic (:mod:`foresight.verify.interval_eval`, 128 bits, raised to 512
  and 2048 bits where an enclosure is too wide).  Disjoint enclosures *prove*
  that the answer differs there: the verdict is REJECTED with that point.
  Enclosures that overlap and are narrow agree to round-off.
* **Acceptance.**  :data:`N_POINTS` points agreeing is the acceptance.  A wrong
  formula built from the whitelist (rational functions, powers, ``exp``,
  ``log``) differs from the reference by a non-zero analytic function, whose
  zeros have measure zero: fresh continuous draws hit them with probability 0.
  What cannot be seen is a difference below round-off (relative 2^-64 at the
  points used, e.g. ``+ exp(-10^6) lambda``).
* **Prices** (``up_to_factor``) must be the derived price times a factor that
  is positive and the same at every date and history: for each of several
  parameter draws, the ratio answer/derived is evaluated at several random
  dates and histories; a non-positive ratio, or two ratios that differ, is a
  rejection with both points.
* **Numbers** (``numeric``) are judged at the precision they state: ``0.01066``
  is "0.01066 +- 0.000005", rejected when the derived value is 0.010564.
* **Domain.**  The points lie in the stated domain (0 < lambda < 1, positive
  densities), so ``sqrt((1-lambda)^2)`` equals ``1 - lambda`` there.
* **Budget.**  Parsing and judging run in a forked child
  (:mod:`foresight.verify.bounded`) with a wall-clock and a memory budget
  (:class:`~foresight.verify.bounded.Budget`, default 20 s and 1 GiB); past it
  the verdict is UNDECIDED with the reason.

Examples
--------
>>> v = check_answer("23.1.allocation", "lambda l/(1 - lambda + lambda l)", seed=1)
>>> v.status, v.seed
('accepted', 1)
>>> check_answer("23.5.drift_f", "0.01066").status
'rejected'
"""

from __future__ import annotations

import random
import re
import secrets
import signal
import textwrap
from decimal import Decimal, InvalidOperation

import sympy as sp

from foresight.derivations.answer_parser import parse_answer
from foresight.errors import ForesightError, SpecError
from foresight.verify import interval_eval as ie
from foresight.verify.bounded import Budget, run_bounded
from foresight.verify.exercise_questions import (
    DATES,
    EXERCISES,
    QUESTIONS,
    UNIT_INTERVAL,
    Question,
    Verdict,
    reference,
    resolve_question,
)

__all__ = ["check_answer", "judge_answer", "show_solution", "Budget", "draw_point",
           "N_POINTS", "PRECISIONS"]

#: Points at which an answer must agree with the reference to be accepted.
N_POINTS = 16
#: Prices: parameter draws, and dates/histories per parameter draw.
N_PARAMETER_DRAWS, N_HISTORIES = 5, 5
#: Working precisions (bits) tried in turn until the enclosures decide.
PRECISIONS = (128, 512, 2048)
#: An enclosure "agrees to round-off" when narrower than 2^-64 of its size.
_AGREE_BITS = 64
#: Decimal digits of the points' coordinates.
_DIGITS = 10


# --------------------------------------------------------------------------
# Random points of the domain
# --------------------------------------------------------------------------


def _decimal(x: float) -> sp.Rational:
    return sp.Rational(f"{x:.{_DIGITS - 1}e}")


def _draw(symbol, rng: random.Random) -> sp.Rational:
    if symbol in DATES:
        if rng.random() < 0.5:
            return sp.Integer(rng.randrange(0, 13))
        return sp.Integer(int(10 ** rng.uniform(1, 4)))
    if symbol in UNIT_INTERVAL:
        u = rng.random()
        if u < 0.15:  # near 0
            x = 10 ** -rng.uniform(1, 6)
        elif u < 0.3:  # near 1
            x = 1 - 10 ** -rng.uniform(1, 6)
        else:
            x = rng.uniform(0.001, 0.999)
        v = _decimal(x)
        return v if 0 < v < 1 else sp.Rational(1, 2)
    return _decimal(10 ** rng.uniform(-4, 4))  # positive reals, every scale


def draw_point(symbols, rng: random.Random) -> dict:
    """One random point: symbol -> exact rational in the symbol's domain.

    Examples
    --------
    >>> import random, sympy as sp
    >>> from foresight.verify.exercise_questions import LAM
    >>> p = draw_point([LAM], random.Random(3))
    >>> 0 < p[LAM] < 1
    True
    """
    return {s: _draw(s, rng) for s in symbols}


# --------------------------------------------------------------------------
# Evaluating at a point
# --------------------------------------------------------------------------


class _Skip(Exception):
    """The reference itself cannot be evaluated here: draw another point."""


def _both(a, r, point):
    """Enclosures of answer and reference, at the lowest precision that decides.

    Returns ``(va, vr, undefined_reason)``; ``va`` is None when the answer is
    provably undefined at the point.  Raises :class:`_Skip` when the reference
    cannot be evaluated and :class:`interval_eval.Inconclusive` when no
    precision decides.
    """
    last = None
    for prec in PRECISIONS:
        try:
            vr = ie.evaluate(r, point, prec)
        except ie.Undefined as exc:
            raise _Skip(str(exc)) from None
        except ie.Inconclusive as exc:
            last = exc
            continue
        try:
            va = ie.evaluate(a, point, prec)
        except ie.Undefined as exc:
            return None, vr, str(exc)
        except ie.Inconclusive as exc:
            last = exc
            continue
        if ie.disjoint(va, vr):
            return va, vr, ""
        # Agreement only counts at the highest precision: enclosures that overlap at
        # 128 bits hide any difference below ~2^-128 of the value (an answer with a
        # "+ 10^(-40) lambda" term), so an overlap sends the point to the next precision.
        if (prec == PRECISIONS[-1] and ie.narrow(va, _AGREE_BITS)
                and ie.narrow(vr, _AGREE_BITS)):
            return va, vr, ""
        last = ie.Inconclusive("enclosures too wide" if prec == PRECISIONS[-1]
                               else "overlap below the highest precision")
    raise last or ie.Inconclusive("no precision decides")


def _labels(question: Question) -> dict:
    out = {}
    for s in question.symbols:
        out.setdefault(s.symbol, s.label)
    return out


def _fmt_point(point: dict, labels: dict) -> str:
    return ", ".join(f"{labels.get(s, str(s))} = {_fmt_coord(v)}" for s, v in
                     sorted(point.items(), key=lambda kv: labels.get(kv[0], str(kv[0]))))


def _fmt_coord(v: sp.Rational) -> str:
    if v.q == 1:
        return str(v.p)
    return str(Decimal(v.p) / Decimal(v.q)).rstrip("0") if _is_decimal(v) else str(v)


def _is_decimal(v: sp.Rational) -> bool:
    q = int(v.q)
    for p in (2, 5):
        while q % p == 0:
            q //= p
    return q == 1


def _point_record(point, labels) -> dict:
    return {labels.get(s, str(s)): _fmt_coord(v) for s, v in point.items()}


def _fmt_pair(va, vr) -> tuple[str, str]:
    """Both values, with enough digits that different values print differently."""
    if va is None:
        return "undefined", ie.show(vr, 12)
    for digits in (12, 20, 40, 80):
        a, r = ie.show(va, digits), ie.show(vr, digits)
        if a != r or not ie.disjoint(va, vr):
            return a, r
    return a, r


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


def _seed_note(seed) -> str:
    return f"  (random points drawn with seed {seed}; --seed {seed} repeats this check)"


# --------------------------------------------------------------------------
# The three comparisons
# --------------------------------------------------------------------------


def _undecided(qid, why, answer, ref, seed) -> Verdict:
    return Verdict("undecided", qid, f"UNDECIDED ({qid}): {why}\n" + _seed_note(seed),
                   answer, ref, seed=seed)


def _compare_exact(question, answer, a, r, symbols, labels, rng, seed) -> Verdict:
    qid, ref = question.qid, reference(question.qid)
    n_target = N_POINTS if symbols else 1
    agreed, attempts, why = 0, 0, ""
    while agreed < n_target and attempts < 4 * n_target:
        attempts += 1
        point = draw_point(symbols, rng)
        try:
            va, vr, undefined = _both(a, r, point)
        except _Skip:
            continue
        except ie.Inconclusive as exc:
            why = str(exc)
            continue
        if va is None or ie.disjoint(va, vr):
            yours, derived = _fmt_pair(va, vr)
            lead = (f"your answer is undefined ({undefined}) where the derived result is "
                    "defined." if va is None else "your answer differs from the derived "
                    "result.")
            return Verdict(
                "rejected", qid,
                f"REJECTED ({qid}): {lead}\n"
                + (f"  counter-example: at {_fmt_point(point, labels)}\n" if point else "")
                + f"    your answer   = {yours}\n"
                f"    derived result = {derived}\n"
                f"  (the derived result comes from {question.source})\n" + _seed_note(seed),
                answer, ref,
                {"point": _point_record(point, labels), "yours": yours, "derived": derived},
                seed=seed)
        agreed += 1
    if agreed < n_target:
        return _undecided(qid, f"your answer could be evaluated precisely at only {agreed} of "
                          f"{attempts} random points ({why or 'enclosures too wide'}); no "
                          "difference was found.", answer, ref, seed)
    difference = _rational_difference(a, r, symbols)
    if difference is not None:
        return Verdict(
            "rejected", qid,
            f"REJECTED ({qid}): your answer differs from the derived result by "
            f"{sp.sstr(difference)}: both are rational functions of "
            f"{', '.join(labels.get(s, str(s)) for s in symbols)}, and their difference does "
            "not cancel (too small to show at the random points drawn).\n"
            f"  (the derived result comes from {question.source})\n" + _seed_note(seed),
            answer, ref, {"difference": sp.sstr(difference)}, seed=seed)
    how = ("equal to the derived value" if not symbols else
           f"equal to the derived result at {agreed} random points of the domain "
           "(interval arithmetic)")
    return Verdict("accepted", qid, f"ACCEPTED ({qid}): {how}: {sp.sstr(ref)}.\n"
                   + _seed_note(seed), answer, ref, seed=seed)


def _rational_difference(a, r, symbols):
    """``a - r`` when both are rational functions with rational coefficients and it is not
    identically zero; None otherwise (equal, or not decidable this way).

    For rational functions, cancelling the difference decides equality exactly, so an
    answer that differs from the reference by a term too small for any sampled point (a
    tiny constant times a symbol) cannot pass.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> _rational_difference(x / (1 + x) + sp.Rational(1, 10**40) * x, x / (1 + x), [x])
    x/10000000000000000000000000000000000000000
    >>> _rational_difference((x**2 - 1) / (x - 1), x + 1, [x]) is None
    True
    """
    exprs = (sp.sympify(a), sp.sympify(r))
    if not symbols or any(e.atoms(sp.Float) for e in exprs):
        return None
    if not all(e.is_rational_function(*symbols) for e in exprs):
        return None
    difference = sp.cancel(sp.together(exprs[0] - exprs[1]))
    return None if difference == 0 else difference


def _factor_dependence(a, r, history):
    """``(symbol, answer/derived)`` when that ratio, simplified, is a rational function that
    provably depends on a date or history symbol; None otherwise.

    Examples
    --------
    >>> import sympy as sp
    >>> d, t, x = sp.symbols("delta t x", positive=True)
    >>> _factor_dependence(d**t * x * (1 + t / 10**40), d**t * x, [t])[0]
    t
    >>> _factor_dependence(d**(t + 1) * x * 3, d**t * x, [t]) is None
    True
    """
    ratio = sp.cancel(sp.powsimp(sp.together(sp.sympify(a) / sp.sympify(r)), force=True))
    if ratio.atoms(sp.Float) or not ratio.is_rational_function(*ratio.free_symbols):
        return None
    for symbol in history:
        if ratio.has(symbol) and sp.cancel(sp.diff(ratio, symbol)) != 0:
            return symbol, ratio
    return None


def _ratio(a, r, point):
    """Enclosure of answer/derived at `point` narrow enough to compare, or raise.

    Both prices are evaluated at the highest precision whatever precision separates
    them: ratios are compared across dates and histories, and a factor such as
    ``exp(10^(-40) t)`` moves them by far less than 2^-128.
    """
    va, vr, undefined = _both(a, r, point)
    if va is None:
        return None, None, vr, undefined
    try:
        va, vr = (ie.evaluate(a, point, PRECISIONS[-1]),
                  ie.evaluate(r, point, PRECISIONS[-1]))
    except (ie.Undefined, ie.Inconclusive):
        pass  # keep the enclosures _both found
    old = ie.iv.prec
    ie.iv.prec = PRECISIONS[-1]
    try:
        ratio = va / vr
    except ZeroDivisionError:
        raise _Skip("derived price 0") from None
    finally:
        ie.iv.prec = old
    if ie.narrow(ratio, _AGREE_BITS) or ie.mpf(ratio.b) <= 0:
        return ratio, va, vr, ""
    raise ie.Inconclusive("ratio enclosure too wide")


def _compare_up_to_factor(question, answer, a, r, symbols, labels, rng, seed) -> Verdict:
    qid, ref = question.qid, reference(question.qid)
    history = [s for s in symbols if s in question.history]
    params = [s for s in symbols if s not in question.history]
    names = ", ".join(labels.get(s, str(s)) for s in question.history if s in labels)
    ratios, agreed, attempts, why = [], 0, 0, ""
    target = N_PARAMETER_DRAWS * N_HISTORIES
    for _ in range(N_PARAMETER_DRAWS):
        ppoint = draw_point(params, rng)
        first = None
        for _ in range(N_HISTORIES):
            attempts += 1
            point = {**ppoint, **draw_point(history, rng)}
            try:
                ratio, va, vr, undefined = _ratio(a, r, point)
            except _Skip:
                continue
            except ie.Inconclusive as exc:
                why = str(exc)
                continue
            if ratio is None:
                yours, derived = _fmt_pair(None, vr)
                return Verdict(
                    "rejected", qid, f"REJECTED ({qid}): your answer is undefined "
                    f"({undefined}) at {_fmt_point(point, labels)}, where the derived price "
                    f"is {derived}.\n" + _seed_note(seed), answer, ref,
                    {"point": _point_record(point, labels), "yours": yours,
                     "derived": derived}, seed=seed)
            if ie.mpf(ratio.b) <= 0:
                yours, derived = _fmt_pair(va, vr)
                return Verdict(
                    "rejected", qid,
                    f"REJECTED ({qid}): prices must be positive, but at "
                    f"{_fmt_point(point, labels)} your answer = {yours} while the derived "
                    f"price = {derived} (ratio {ie.show(ratio)}).\n" + _seed_note(seed),
                    answer, ref, {"point": _point_record(point, labels), "yours": yours,
                                  "derived": derived}, seed=seed)
            if ie.mpf(ratio.a) <= 0:
                why = "a ratio that may be 0"
                continue
            if first is None:
                first = (point, va, vr, ratio)
            elif ie.disjoint(ratio, first[3]):
                p0, va0, vr0, r0 = first
                y0, d0 = _fmt_pair(va0, vr0)
                y1, d1 = _fmt_pair(va, vr)
                return Verdict(
                    "rejected", qid,
                    f"REJECTED ({qid}): your answer is not the derived price times a factor "
                    f"independent of the date and history ({names}).\n"
                    f"  counter-example: at {_fmt_point(p0, labels)}\n"
                    f"    your answer = {y0}, derived = {d0}, ratio = {ie.show(r0)}\n"
                    f"  but at {_fmt_point(point, labels)}\n"
                    f"    your answer = {y1}, derived = {d1}, ratio = {ie.show(ratio)}\n"
                    f"  (derived price {sp.sstr(ref)}, from {question.source})\n"
                    + _seed_note(seed),
                    answer, ref,
                    {"point": _point_record(point, labels), "yours": y1, "derived": d1,
                     "other_point": _point_record(p0, labels)}, seed=seed)
            ratios.append(ratio)
            agreed += 1
    if agreed < target * 3 // 4:
        return _undecided(qid, f"your price could be evaluated precisely at only {agreed} of "
                          f"{attempts} random points ({why or 'enclosures too wide'}); no "
                          "difference was found.", answer, ref, seed)
    dependence = _factor_dependence(a, r, history)
    if dependence is not None:
        symbol, factor = dependence
        return Verdict(
            "rejected", qid,
            f"REJECTED ({qid}): your price over the derived price is {sp.sstr(factor)}, which "
            f"depends on {labels.get(symbol, str(symbol))} (exact: a rational function whose "
            "derivative does not cancel), so it is not a factor independent of the date and "
            f"history ({names}); the dependence is too small to show at the random points "
            f"drawn.\n  (derived price {sp.sstr(ref)}, from {question.source})\n"
            + _seed_note(seed), answer, ref, {"factor": sp.sstr(factor)}, seed=seed)
    if all(ie.contains(x, 1) for x in ratios):
        return Verdict("accepted", qid, f"ACCEPTED ({qid}): identical to the derived price "
                       f"{sp.sstr(ref)} at {agreed} random points of the domain.\n"
                       + _seed_note(seed), answer, ref, seed=seed)
    shown = _factor_text(a, r, ratios, question)
    return Verdict(
        "accepted_up_to_factor", qid,
        f"ACCEPTED up to a positive factor ({qid}): your price = ({shown}) x the derived price "
        f"{sp.sstr(ref)}.\n"
        "  The theory determines prices only up to a positive factor that does not depend "
        "on the date or the history (a normalisation of the multipliers mu_i); yours differs "
        "from the lecture's normalisation mu_1 = 1 - lambda, mu_2 = lambda by such a factor "
        f"(checked at {agreed} random points: {N_PARAMETER_DRAWS} parameter draws x "
        f"{N_HISTORIES} dates and histories).\n" + _seed_note(seed),
        answer, ref, {"factor": shown}, seed=seed)


class _SoftTimeout(Exception):
    pass


def _factor_text(a, r, ratios, question) -> str:
    """A readable factor: a number if constant, else SymPy's ``cancel`` (2 s at most)."""
    if all(not ie.disjoint(x, ratios[0]) for x in ratios):
        mid = ie.midpoint(ratios[0])
        guess = sp.nsimplify(sp.Float(mid, 30), rational=True, tolerance=1e-25)
        if guess.q < 10**6 and ie.contains(ratios[0], guess):
            return sp.sstr(guess)
        return ie.show(ratios[0])
    if sp.count_ops(a) > 200 or not hasattr(signal, "SIGALRM"):
        return "a positive factor of the parameters only"

    def stop(*_):
        raise _SoftTimeout

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(2)  # only a nicety: the verdict is already decided
    try:
        factor = sp.cancel(a / r)
    except (_SoftTimeout, RecursionError, MemoryError):
        factor = None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    if factor is None or factor.free_symbols & set(question.history):
        return "a positive factor of the parameters only"
    return sp.sstr(factor)


_NUMBER = re.compile(
    r"^\s*\$?\s*([+-]?(?:\d+\.?\d*|\.\d+))\s*(?:(?:[eE]([+-]?\d+))|"
    r"(?:(?:\\times|\\cdot|\*|x)\s*10\s*(?:\^|\*\*)\s*\{?\s*([+-]?\d+)\s*\}?))?\s*\$?\s*$")


def stated_number(text: str) -> Decimal | None:
    """The decimal a plain-number answer states, with its precision (digits given).

    Examples
    --------
    >>> stated_number("0.01066"), stated_number(r"1.056 \\times 10^{-2}")
    (Decimal('0.01066'), Decimal('0.01056'))
    >>> stated_number("1/94") is None
    True
    """
    m = _NUMBER.match(text)
    if not m:
        return None
    exponent = m.group(2) or m.group(3)
    try:
        return Decimal(m.group(1) + (f"e{exponent}" if exponent else ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def _compare_numeric(question, text, answer, a, r, seed) -> Verdict:
    qid, ref = question.qid, reference(question.qid)
    if a.free_symbols:
        return Verdict("rejected", qid, f"REJECTED ({qid}): expected a number, got "
                       f"{sp.sstr(answer)}.", answer, ref, seed=seed)
    vr = ie.evaluate(r, {}, PRECISIONS[0])
    # A float reference is known to about 15 digits (its own round-off).
    ref_slack = abs(ie.midpoint(vr)) * ie.mpf(2) ** -48 + (ie.mpf(vr.b) - ie.mpf(vr.a))
    derived = ie.show(vr, 12)
    stated = stated_number(text)
    if stated is not None:
        half_ulp = Decimal(5).scaleb(stated.as_tuple().exponent - 1)
        value = ie.mpf(str(stated))
        shown = str(stated)
        if float(half_ulp) > question.tolerance * (1 + 1e-9):
            return Verdict(
                "rejected", qid,
                f"REJECTED ({qid}): {shown} states the value only to +-{half_ulp:g}; the "
                f"exercise asks for {question.tolerance:g} or better (give more digits).",
                answer, ref, {"yours": shown, "derived": derived}, seed=seed)
        tol = ie.mpf(str(half_ulp)) + ref_slack
        how = f"within its stated precision +-{half_ulp:g}"
    else:
        # An expression states its exact value: it must equal the derived number.
        try:
            va = ie.evaluate(a, {}, PRECISIONS[-1])
        except (ie.Undefined, ie.Inconclusive) as exc:
            return Verdict("rejected", qid, f"REJECTED ({qid}): your answer is not a real "
                           f"number ({exc}).", answer, ref, seed=seed)
        if not ie.narrow(va, _AGREE_BITS):
            return _undecided(qid, "your number could not be evaluated precisely.",
                              answer, ref, seed)
        value, shown, tol = ie.midpoint(va), ie.show(va, 12), ref_slack * 2
        how = "exactly (an expression states its exact value)"
    if abs(value - ie.midpoint(vr)) <= tol:
        return Verdict("accepted", qid, f"ACCEPTED ({qid}): {shown} agrees with the derived "
                       f"{derived} {how}.", answer, ref, seed=seed)
    return Verdict("rejected", qid, f"REJECTED ({qid}): yours = {shown}, derived = {derived}: "
                   f"they differ by {ie.nstr(abs(value - ie.midpoint(vr)), 3)}, more than "
                   f"{'the precision your answer states' if stated is not None else 'round-off'}"
                   f" ({ie.nstr(tol, 3)}).\n  source: {question.source}", answer, ref,
                   {"yours": shown, "derived": derived}, seed=seed)


def _compare(question: Question, text: str, answer: sp.Expr, seed: int) -> Verdict:
    ref = reference(question.qid)
    if answer.has(sp.I):
        # (1 + i)(1 - i) is 2: multiply out before calling an answer complex.
        answer = sp.expand(answer)
    subs = _alias_direction(question, answer)
    a, r = answer.subs(subs), ref.subs(subs)
    if question.mode == "numeric":
        return _compare_numeric(question, text, answer, a, r, seed)
    labels = _labels(question)
    symbols = sorted(a.free_symbols | r.free_symbols, key=sp.default_sort_key)
    rng = random.Random(f"{seed}/{question.qid}")
    if question.mode == "up_to_factor":
        return _compare_up_to_factor(question, answer, a, r, symbols, labels, rng, seed)
    return _compare_exact(question, answer, a, r, symbols, labels, rng, seed)


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def judge_answer(qid: str, text: str, seed: int) -> Verdict:
    """Parse and judge an answer in this process, without a budget.

    :func:`check_answer` runs this in a bounded child; call it directly only
    on trusted input (tests, the reference round trip).
    """
    try:
        questions = resolve_question(qid)
    except ForesightError as exc:
        return Verdict("unusable", qid, f"UNUSABLE: {exc.one_line()}", seed=seed)
    if not isinstance(text, str) or not text.strip():
        return Verdict("unusable", qid, f"UNUSABLE ({qid}): empty answer", seed=seed)
    verdicts = []
    for q in questions:
        try:
            expr = parse_answer(text, q.table)
        except SpecError as exc:
            verdicts.append(Verdict("unusable", q.qid, f"UNUSABLE ({q.qid}): "
                                    f"{exc.one_line()}", seed=seed))
            continue
        except (RecursionError, OverflowError) as exc:
            verdicts.append(Verdict("unusable", q.qid, f"UNUSABLE ({q.qid}): answer too large "
                                    f"({type(exc).__name__})", seed=seed))
            continue
        verdicts.append(_compare(q, text, expr, seed))
    for v in verdicts:
        if v.accepted:
            if len(questions) > 1:
                return Verdict(v.status, v.qid, v.message + f"\n  (matched question {v.qid} of "
                               f"exercise {qid})", v.answer, v.reference, seed=seed)
            return v
    usable = [v for v in verdicts if v.status in ("rejected", "undecided")]
    if usable:
        if len(questions) > 1:
            # Report against the question whose symbols the answer shares most.
            first = max(usable, key=lambda v: (v.status == "rejected",
                                               _overlap(QUESTIONS[v.qid], v.answer)))
            others = ", ".join(v.qid for v in verdicts if v is not first)
            return Verdict(first.status, first.qid, first.message + f"\n  (also not the "
                           f"answer to {others}; name the question, e.g. {first.qid})",
                           first.answer, first.reference, first.counterexample, seed=seed)
        return usable[0]
    first = verdicts[0]
    if len(questions) > 1:  # unusable for every question: name the exercise asked about
        return Verdict("unusable", qid, first.message.replace(f"({first.qid})", f"({qid})", 1),
                       seed=seed)
    return first


def check_answer(qid: str, text: str, *, seed: int | None = None,
                 budget: Budget | None = None) -> Verdict:
    """Check a symbolic answer to a question (or to any question of an exercise).

    Parameters
    ----------
    qid : str
        A question id (``"23.1.price"``) or an exercise id (``"23.1"``: the
        answer is accepted if it is the answer to one of its questions).
    text : str
        The answer, plain text or LaTeX.
    seed : int, optional
        Seed of the random evaluation points; a fresh one per call by default
        (reported in the verdict, so the check can be repeated).
    budget : Budget, optional
        Wall-clock seconds and memory of the check (default ``Budget()``: 20 s,
        1024 MiB); beyond it the verdict is ``"undecided"``.

    Returns
    -------
    Verdict
        ``status`` is ``"unusable"`` for unparseable input (the message points
        at the position) and ``"undecided"`` past the budget; never raises for
        bad answers.

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
    seed = secrets.randbits(31) if seed is None else int(seed)
    budget = budget or Budget()
    try:
        questions = resolve_question(qid)
    except ForesightError as exc:
        return Verdict("unusable", qid, f"UNUSABLE: {exc.one_line()}", seed=seed)
    for q in questions:
        reference(q.qid)  # derived here, once per process: trusted work, outside the budget
    out = run_bounded(judge_answer, (qid, text, seed), budget)
    if out.ok:
        return out.value
    shown = qid if len(questions) > 1 else questions[0].qid
    limits = ("--budget-seconds" if out.kind == "time" else
              "--budget-memory" if out.kind in ("memory", "died") else "")
    hint = f" (raise it with {limits})" if limits else ""
    return Verdict("undecided", shown,
                   f"UNDECIDED ({shown}): the check {out.reason}{hint}; the answer is neither "
                   f"accepted nor rejected.\n" + _seed_note(seed),
                   counterexample={"reason": out.kind}, seed=seed)


def _overlap(question: Question, answer) -> float:
    if answer is None:
        return 0.0
    subs = _alias_direction(question, answer)
    mine = answer.subs(subs).free_symbols
    theirs = reference(question.qid).subs(subs).free_symbols
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
    from foresight.verify.exercise_questions import CALLING_CONVENTIONS

    lines = []
    for q in resolve_question(qid):
        ref = reference(q.qid)
        shown = sp.latex(ref) if latex else sp.sstr(ref)
        prompt = textwrap.shorten(q.prompt, 80, placeholder=" ...") if not latex else q.prompt
        lines.append(f"{q.qid}: {prompt}")
        lines.append(f"  answer: {shown}")
        if q.mode == "up_to_factor":
            lines.append("  (any positive factor independent of the date and history is "
                         "equally correct)")
        if q.mode == "numeric":
            lines.append(f"  (a number: judged at the precision it states, which must be "
                         f"{q.tolerance:g} or better)")
        lines.append(f"  derived by: {q.source}")
    eid = qid.split(".")[0] if qid.count(".") >= 1 and not qid.startswith("F") else qid
    ex = EXERCISES.get(eid if eid in EXERCISES else ".".join(qid.split(".")[:2]))
    if ex and ex.code and qid == ex.eid:
        lines.append(f"  code: {CALLING_CONVENTIONS[ex.code]}")
    return "\n".join(lines)

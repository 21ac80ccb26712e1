"""Rigorous interval evaluation of a parsed answer at an exact point.

The exercise checker decides whether a student's formula equals the derived
one by evaluating both at random points of the domain.  A floating-point
evaluation cannot say whether a small difference is round-off or a wrong
answer; an *interval* evaluation can: every value is an enclosure
``[lo, hi]`` that provably contains the exact value (mpmath's ``iv`` context,
outward rounding), so

* disjoint enclosures prove that the two formulas differ at that point, and
* narrow, overlapping enclosures say they agree there up to round-off.

The evaluator walks the SymPy tree that the safe answer parser
(:mod:`foresight.derivations.answer_parser`) builds, so it handles exactly the
whitelist: numbers, symbols, ``+ * ^``, ``exp``, ``log``, ``sqrt`` (a power),
``Abs`` (what SymPy makes of ``sqrt(x^2)``) and the constants ``E`` and ``pi``.
Anything else is :class:`Inconclusive`.

Magnitudes are capped: an exponential whose argument exceeds :data:`LOG_CAP`
becomes the enclosure ``[e^LOG_CAP, +inf]`` instead of a number with
astronomically many digits in its exponent (``exp(exp(exp(100)))`` would
otherwise take for ever).  That keeps the enclosure correct, only wider.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> v = evaluate(sp.sqrt((1 - x) ** 2), {x: sp.Rational(3, 10)}, 128)
>>> contains(v, sp.Rational(7, 10))
True
>>> evaluate(sp.log(x - 1), {x: sp.Rational(1, 2)}, 128)
Traceback (most recent call last):
...
foresight.verify.interval_eval.Undefined: log of a negative number
"""

from __future__ import annotations

import functools

import sympy as sp
from mpmath import iv, mp, mpf, nstr

__all__ = ["Undefined", "Inconclusive", "evaluate", "contains", "disjoint", "narrow",
           "midpoint", "LOG_CAP"]

#: Largest |argument| of an exponential evaluated as a number (e^1e6 ~ 10^434294).
LOG_CAP = 10**6


# Endpoints of the enclosures are read as mpmath `mpf` numbers, whose precision
# is the `mp` context's (53 bits by default): rounding an endpoint there would
# silently widen or, worse, shift an enclosure.  Every public function works at
# this precision, above any working precision used, so the reads are exact.
_EXACT_BITS = 8192


def _exact_reads(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with mp.workprec(_EXACT_BITS):
            return fn(*args, **kwargs)
    return wrapper


class Undefined(ArithmeticError):
    """The expression is provably undefined (not a real number) at the point."""


class Inconclusive(ArithmeticError):
    """The enclosure at this precision cannot decide (e.g. a denominator that may be 0)."""


def _interval(lo, hi=None):
    return iv.mpf([lo, lo if hi is None else hi])


def _exact(value: sp.Rational):
    # p/q in interval arithmetic: a tight enclosure of a rational that binary
    # floating point cannot hold exactly (0.1).
    if value.q == 1:
        return iv.mpf(int(value.p))
    return iv.mpf(int(value.p)) / iv.mpf(int(value.q))


def _is_finite(v) -> bool:
    m = mpf(v)
    return not (m != m or m in (mpf("inf"), mpf("-inf")))


def _check(x):
    if mpf(x.a) != mpf(x.a) or mpf(x.b) != mpf(x.b):  # NaN endpoint: 0 * inf and the like
        raise Inconclusive("indeterminate form")
    return x


def _exp(x):
    lo, hi = mpf(x.a), mpf(x.b)
    if lo > LOG_CAP:
        return _interval(iv.exp(LOG_CAP).a, "inf")
    if hi < -LOG_CAP:
        return _interval(0, iv.exp(-LOG_CAP).b)
    parts_lo = iv.exp(max(lo, mpf(-LOG_CAP))).a if lo > -LOG_CAP else mpf(0)
    parts_hi = iv.exp(min(hi, mpf(LOG_CAP))).b if hi < LOG_CAP else mpf("inf")
    return _interval(parts_lo, parts_hi)


def _log(x):
    lo, hi = mpf(x.a), mpf(x.b)
    if hi <= 0:
        raise Undefined("log of a negative number" if hi < 0 or lo < 0 else "log of 0")
    if lo <= 0:
        raise Inconclusive("log of a number that may be 0 or negative")
    return iv.log(x)


def _is_point_integer(x) -> int | None:
    lo, hi = mpf(x.a), mpf(x.b)
    if lo == hi and _is_finite(lo) and lo == int(lo):
        return int(lo)
    return None


def _pow(base, exponent, exponent_expr):
    n = int(exponent_expr) if exponent_expr.is_Integer else _is_point_integer(exponent)
    lo, hi = mpf(base.a), mpf(base.b)
    if n is not None:
        if n < 0 and lo <= 0 <= hi:
            if lo == hi == 0:
                raise Undefined("division by zero")
            raise Inconclusive("a denominator that may be 0")
        if n == 0:
            return iv.mpf(1)
        # |base|^n = exp(n log|base|): cap the magnitude before computing it.
        mag = max(abs(lo), abs(hi))
        if mag > 0 and abs(n) * abs(float(iv.log(iv.mpf(mag)).b)) > LOG_CAP:
            return _via_exp(base, iv.mpf(n))
        return _check(base ** n)
    if exponent_expr == sp.S.Half:
        if hi < 0:
            raise Undefined("square root of a negative number")
        if lo < 0:
            raise Inconclusive("square root of a number that may be negative")
        return iv.sqrt(base)
    # Real powers with a non-integer exponent are defined for a positive base only
    # (SymPy's principal branch gives a complex number otherwise).
    if hi < 0:
        raise Undefined("a negative number to a non-integer power")
    if lo == hi == 0:
        if mpf(exponent.a) > 0:
            return iv.mpf(0)
        raise Undefined("0 to a non-positive power")
    if lo <= 0:
        raise Inconclusive("a power of a number that may be 0 or negative")
    return _via_exp(base, exponent)


def _via_exp(base, exponent):
    lo, hi = mpf(base.a), mpf(base.b)
    if lo > 0:
        return _exp(_check(exponent * iv.log(base)))
    # negative base, integer exponent n: sign (-1)^n times |base|^n
    n = _is_point_integer(exponent)
    mag = _exp(_check(exponent * iv.log(-base if hi < 0 else base)))
    if hi < 0 and n is not None and n % 2:
        return -mag
    if hi < 0:
        return mag
    raise Inconclusive("a power of a number that may be 0")


@_exact_reads
def evaluate(expr: sp.Expr, point: dict, prec: int):
    """Enclosure of `expr` at `point` (symbol -> exact Rational) at `prec` bits.

    Parameters
    ----------
    expr : sympy.Expr
        A tree built by the safe answer parser or a derivation.
    point : dict
        Exact rational value of every free symbol of `expr`.
    prec : int
        Working precision in bits (the enclosure is rigorous at any precision;
        higher precision makes it narrower).

    Returns
    -------
    mpmath.iv.mpf
        An interval containing the exact value (possibly with infinite ends).

    Raises
    ------
    Undefined
        The value is provably not a real number (log of a negative number,
        division by exactly zero, ``zoo``, ``nan``, the imaginary unit).
    Inconclusive
        The enclosure cannot decide at this precision, or the expression holds
        something outside the whitelist.
    """
    if not 16 <= prec <= _EXACT_BITS // 2:
        raise ValueError(f"prec = {prec}: expected 16 .. {_EXACT_BITS // 2} bits")
    old = iv.prec
    iv.prec = prec
    try:
        cache: dict = {}
        return _eval(expr, point, cache)
    finally:
        iv.prec = old


def _eval(e, point, cache):
    key = id(e)
    hit = cache.get(key)
    if hit is not None:
        return hit[1]
    value = _eval_node(e, point, cache)
    cache[key] = (e, value)  # keep `e` alive so its id is not reused
    return value


def _eval_node(e, point, cache):
    if e.is_Symbol:
        if e not in point:
            raise Inconclusive(f"no value for {e}")
        return _exact(sp.Rational(point[e]))
    if e.is_Rational:
        return _exact(e)
    if e.is_Float:
        return iv.mpf(mpf(e._mpf_))
    if e in (sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise Undefined("division by zero" if e is sp.zoo else f"{e}")
    if e is sp.I or e.is_Number and not e.is_real:
        raise Undefined("an imaginary number")
    if e is sp.E:
        return iv.e
    if e is sp.pi:
        return iv.pi
    if e.is_Add:
        total = iv.mpf(0)
        for a in e.args:
            total = _check(total + _eval(a, point, cache))
        return total
    if e.is_Mul:
        prod = iv.mpf(1)
        for a in e.args:
            prod = _check(prod * _eval(a, point, cache))
        return prod
    if e.is_Pow:
        base = _eval(e.base, point, cache)
        exponent = _eval(e.exp, point, cache)
        return _check(_pow(base, exponent, e.exp))
    if isinstance(e, sp.exp):
        return _check(_exp(_eval(e.args[0], point, cache)))
    if isinstance(e, sp.log) and len(e.args) == 1:
        return _check(_log(_eval(e.args[0], point, cache)))
    if isinstance(e, sp.Abs):
        x = _eval(e.args[0], point, cache)
        lo, hi = mpf(x.a), mpf(x.b)
        if lo >= 0:
            return x
        if hi <= 0:
            return -x
        return _interval(0, max(-lo, hi))
    raise Inconclusive(f"cannot evaluate {type(e).__name__}")


def _width(x):
    return mpf(x.b) - mpf(x.a)


@_exact_reads
def contains(x, value) -> bool:
    """Whether the enclosure `x` contains the exact number `value`."""
    v = _exact(sp.Rational(value)) if not isinstance(value, type(x)) else value
    return mpf(x.a) <= mpf(v.b) and mpf(v.a) <= mpf(x.b)


@_exact_reads
def disjoint(x, y) -> bool:
    """True when the enclosures cannot hold the same number: the values differ."""
    return mpf(x.b) < mpf(y.a) or mpf(y.b) < mpf(x.a)


@_exact_reads
def narrow(x, bits: int) -> bool:
    """Whether `x` is finite and its width is at most 2^-bits of its magnitude."""
    lo, hi = mpf(x.a), mpf(x.b)
    if not (_is_finite(lo) and _is_finite(hi)):
        return False
    if lo == hi:
        return True
    scale = max(abs(lo), abs(hi))
    return (hi - lo) <= scale * mpf(2) ** (-bits)


@_exact_reads
def midpoint(x):
    """The midpoint of a finite enclosure, as an mpmath number."""
    return (mpf(x.a) + mpf(x.b)) / 2


@_exact_reads
def show(x, digits: int = 10) -> str:
    """The enclosure's midpoint to `digits` significant digits (``inf`` if unbounded)."""
    lo, hi = mpf(x.a), mpf(x.b)
    if not (_is_finite(lo) and _is_finite(hi)):
        if _is_finite(lo):
            return f"> {nstr(lo, 3)}"
        if _is_finite(hi):
            return f"< {nstr(hi, 3)}"
        return "unbounded"
    return nstr(midpoint(x), digits)

"""Kullback-Leibler divergence of beliefs: closed form for Betas, mpmath quadrature otherwise.

Blume-Easley survival is decided by ``KL(h || pi^i)`` (nature ``h``, agent
``i``'s belief).  For two Beta densities the divergence has a closed form,
derived here in SymPy from the log densities::

    KL(p || q) = E_p[log p(X) - log q(X)]

The log-likelihood ratio of two Betas is linear in ``log X`` and
``log(1 - X)``, so only ``E[log X]`` and ``E[log(1 - X)]`` under ``p`` are
needed.  Differentiating the normalising identity
``int_0^1 x**(a-1) (1-x)**(b-1) dx = B(a, b)`` under the integral sign with
respect to ``a`` (``b``) gives ``E[log X] = d log B / da = psi(a) - psi(a+b)``
(and ``psi(b) - psi(a+b)``).

For mixtures there is no closed form: :func:`kl_quadrature` integrates
``p log(p/q)`` with mpmath's tanh-sinh rule (double-exponential convergence
despite the endpoint singularities of Beta densities), in two halves with the
each half mapped to ``[log 2, inf)`` by ``x = exp(-s)`` (``1 - x = exp(-s)``)
so that endpoint singularities become exponential decay, and returns the value
with an error estimate.

Examples
--------
>>> from foresight.derivations.distributions import Beta
>>> r = kl_divergence(Beta(1, 1), Beta(3, 1.2))
>>> round(r.value, 12), r.method
(0.759217453596, 'closed')
>>> q = kl_quadrature(Beta(1, 1), Beta(3, 1.2))
>>> abs(q.value - r.value) < 1e-14
True
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import mpmath as mp
import sympy as sp
from sympy.codegen.cfunctions import log1p

from foresight.derivations.codegen import Kernel, KernelModule
from foresight.derivations.distributions import (
    Beta,
    Distribution,
    as_distribution,
    sympy_beta_log_density,
    sympy_log_beta_function,
)
from foresight.derivations.steps import Derivation
from foresight.errors import AccuracyError, ParameterError, require_positive_int

__all__ = [
    "KLResult",
    "beta_kl_derivation",
    "beta_kl_expr",
    "kernel_module",
    "kl_closed_form",
    "kl_quadrature",
    "kl_divergence",
    "mp_function",
]

x = sp.Symbol("x", positive=True)
a, b = sp.symbols("a b", positive=True)
a1, b1, a2, b2 = sp.symbols("a1 b1 a2 b2", positive=True)


@functools.lru_cache(maxsize=1)
def beta_kl_derivation() -> Derivation:
    """Derive ``KL(Beta(a1, b1) || Beta(a2, b2))`` step by step.

    Results: ``E_log_x``, ``E_log_1mx`` (expectations under Beta(a, b)),
    ``log_ratio`` and ``kl``.

    Examples
    --------
    >>> d = beta_kl_derivation()
    >>> d["E_log_x"]
    polygamma(0, a) - polygamma(0, a + b)
    """
    d = Derivation("KL divergence of two Beta densities")
    d.assumptions += ["a, b, a1, b1, a2, b2 > 0", "0 < x < 1"]
    kern = x ** (a - 1) * (1 - x) ** (b - 1)
    log_B = sympy_log_beta_function(a, b)
    d.step("Beta density", sp.Eq(sp.Symbol("p(x)"), kern * sp.exp(-log_B)))
    d.step(
        "Normalising identity",
        sp.Eq(sp.Integral(kern, (x, 0, 1)), sp.beta(a, b)),
        "holds for all a, b > 0; both sides are smooth in a and b",
    )
    # Differentiate the integrand in a and b: dominated convergence on (0, 1).
    d_da = sp.simplify(sp.diff(kern, a) / kern)
    d_db = sp.simplify(sp.diff(kern, b) / kern)
    assert d_da == sp.log(x) and d_db == sp.log(1 - x), (d_da, d_db)
    d.step(
        "Differentiate under the integral (a)",
        sp.Eq(sp.Integral(sp.log(x) * kern, (x, 0, 1)), sp.Derivative(sp.beta(a, b), a)),
        "d/da x**(a-1) = log(x) x**(a-1)",
    )
    d.step(
        "Differentiate under the integral (b)",
        sp.Eq(sp.Integral(sp.log(1 - x) * kern, (x, 0, 1)), sp.Derivative(sp.beta(a, b), b)),
    )
    # Dividing by B(a, b): E[log X] = (dB/da) / B = d log B / da.
    d.step(
        "Divide by B(a, b)",
        sp.Eq(sp.Symbol("E[log X]"), sp.Derivative(sp.log(sp.beta(a, b)), a)),
        "(dB/da) / B = d log B / da; likewise E[log(1-X)] = d log B / db",
    )
    e_log_x = sp.diff(log_B, a)
    e_log_1mx = sp.diff(log_B, b)
    d.result("E_log_x", e_log_x, "E[log X] = d log B(a,b) / da")
    d.result("E_log_1mx", e_log_1mx, "E[log(1-X)] = d log B(a,b) / db")

    log_ratio = sp.expand(sympy_beta_log_density(x, a1, b1) - sympy_beta_log_density(x, a2, b2))
    d.result("log_ratio", log_ratio, "log p(x) - log q(x), linear in log x and log(1-x)")
    c_x = log_ratio.coeff(sp.log(x))
    c_1mx = log_ratio.coeff(sp.log(1 - x))
    const = sp.expand(log_ratio - c_x * sp.log(x) - c_1mx * sp.log(1 - x))
    assert not const.has(x), const  # linearity: the rest does not depend on x
    d.step("Coefficients", sp.Tuple(c_x, c_1mx, const), "(of log x, of log(1-x), constant)")
    subs = {a: a1, b: b1}
    kl = c_x * e_log_x.subs(subs) + c_1mx * e_log_1mx.subs(subs) + const
    kl = sp.collect(sp.expand(kl), [sp.polygamma(0, a1), sp.polygamma(0, b1),
                                    sp.polygamma(0, a1 + b1)])
    d.result("kl", kl, "KL = E_p[log p - log q] by linearity of expectation")
    # Sanity of the closed form: KL(p || p) = 0 identically.
    assert sp.simplify(kl.subs({a2: a1, b2: b1})) == 0
    return d


def beta_kl_expr() -> sp.Expr:
    """The derived closed form in the symbols ``a1, b1, a2, b2``.

    Examples
    --------
    >>> beta_kl_expr().free_symbols == {a1, b1, a2, b2}
    True
    """
    return beta_kl_derivation()["kl"]


def _beta_log_density_kernel_expr(x) -> sp.Expr:
    """Log density for float64 kernels: ``log1p(-x)`` for accuracy near x = 0,
    ``0 * log 0`` avoided for a = 1 or b = 1, and ``-inf`` outside [0, 1]."""
    term_a = sp.Piecewise((0, sp.Eq(a, 1)), ((a - 1) * sp.log(x), True))
    term_b = sp.Piecewise((0, sp.Eq(b, 1)), ((b - 1) * log1p(-x), True))
    inside = term_a + term_b - sympy_log_beta_function(a, b)
    return sp.Piecewise((-sp.oo, sp.Or(x < 0, x > 1)), (inside, True))


def kernel_module() -> KernelModule:
    """Kernels for ``numerics/generated/beta_kl.py``.

    ``beta_kl``, ``beta_log_density`` and ``log_beta_function`` (what the
    log densities in log coordinates need, see ``beta_log_density_from_logs``
    in ``generated/blume_easley.py``).
    """
    xs = sp.Symbol("x", real=True)
    log_density = _beta_log_density_kernel_expr(xs)
    return KernelModule(
        name="beta_kl",
        source="foresight.derivations.kl",
        doc="KL divergence of two Beta densities and the Beta log density (generated).",
        kernels=(
            Kernel(
                "beta_kl",
                (a1, b1, a2, b2),
                beta_kl_expr(),
                "KL(Beta(a1, b1) || Beta(a2, b2)), closed form (digamma, log-gamma).",
            ),
            Kernel(
                "beta_log_density",
                (xs, a, b),
                log_density,
                "log of the Beta(a, b) density at x; -inf outside [0, 1].",
            ),
            Kernel(
                "log_beta_function",
                (a, b),
                sympy_log_beta_function(a, b),
                "log B(a, b), the normalising constant of the Beta(a, b) density.",
            ),
        ),
    )


# --------------------------------------------------------------------------- mpmath side

_MP_FUNCTIONS = {
    sp.log: mp.log,
    sp.exp: mp.exp,
    sp.loggamma: mp.loggamma,
    log1p: mp.log1p,
}


def mp_function(expr: sp.Expr, args: tuple):
    """Compile a SymPy expression tree into an mpmath closure of `args`.

    A small table-driven walker (Add, Mul, Pow, numbers, log, exp, log1p,
    loggamma, polygamma of order 0) instead of ``lambdify``: no code is
    generated or executed, and whatever is not in the table is an error.
    The closure evaluates at the caller's ``mp.mp.dps``.

    Examples
    --------
    >>> f = mp_function(beta_kl_expr(), (a1, b1, a2, b2))
    >>> with mp.workdps(30):
    ...     print(mp.nstr(f(1, 1, 1, 1), 5))
    0.0
    """
    index = {s: k for k, s in enumerate(args)}

    def build(e):
        if e in index:
            k = index[e]
            return lambda v: v[k]
        if e.is_Integer:
            n = int(e)
            return lambda v: mp.mpf(n)
        if e.is_Rational:
            p, q = int(e.p), int(e.q)
            return lambda v: mp.mpf(p) / q
        if e.is_Float:
            s = str(e)
            return lambda v: mp.mpf(s)
        if isinstance(e, sp.Add):
            parts = [build(t) for t in e.args]
            return lambda v: mp.fsum(f(v) for f in parts)
        if isinstance(e, sp.Mul):
            parts = [build(t) for t in e.args]
            return lambda v: mp.fprod(f(v) for f in parts)
        if isinstance(e, sp.Pow):
            base, ex = build(e.base), build(e.exp)
            return lambda v: mp.power(base(v), ex(v))
        if isinstance(e, sp.polygamma):
            if e.args[0] != 0:
                raise ParameterError("expr", e, "polygamma of order 0 only")
            inner = build(e.args[1])
            return lambda v: mp.digamma(inner(v))
        for kind, fn in _MP_FUNCTIONS.items():
            if isinstance(e, kind):
                inner = build(e.args[0])
                return lambda v, fn=fn, inner=inner: fn(inner(v))
        raise ParameterError("expr", e, "expressions of the mpmath table (see mp_function)")

    f = build(sp.sympify(expr))
    return lambda *values: f(values)


@functools.lru_cache(maxsize=1)
def _mp_kl():
    return mp_function(beta_kl_expr(), (a1, b1, a2, b2))


@functools.lru_cache(maxsize=1)
def _mp_log_kernel():
    # log density with a separate argument for 1 - x (exact complement)
    xc = sp.Symbol("xc", positive=True)
    return mp_function(sympy_beta_log_density(x, a, b, one_minus_x=xc), (x, xc, a, b))


@dataclass(frozen=True)
class KLResult:
    """A KL divergence with how it was computed.

    Attributes
    ----------
    value : float
        ``KL(p || q)`` in nats.
    method : str
        ``"closed"`` (derived Beta formula) or ``"quadrature"`` (mpmath tanh-sinh).
    error_estimate : float
        Estimated absolute error of `value` (quadrature estimate plus rounding
        to float64; for the closed form the float64 rounding).
    p, q : str
        Specs of the two distributions.
    dps : int
        Decimal digits of the mpmath evaluation.
    """

    value: float
    method: str
    error_estimate: float
    p: str
    q: str
    dps: int

    def to_dict(self) -> dict:
        """JSON-ready dictionary."""
        return {
            "value": self.value,
            "method": self.method,
            "error_estimate": self.error_estimate,
            "p": self.p,
            "q": self.q,
            "dps": self.dps,
        }


def kl_closed_form(p: Beta, q: Beta, *, dps: int = 30) -> KLResult:
    """``KL(p || q)`` for two Betas from the derived formula, evaluated with mpmath.

    Examples
    --------
    >>> round(kl_closed_form(Beta(3, 1.2), Beta(1, 1)).value, 12)
    0.343597676452
    """
    p, q = as_distribution(p), as_distribution(q)
    if not (isinstance(p, Beta) and isinstance(q, Beta)):
        raise ParameterError("method", "closed", "pairs of Beta distributions (use quadrature)")
    dps = require_positive_int("dps", dps)
    if (p.a, p.b) == (q.a, q.b):  # exactly zero; no cancellation to bound
        return KLResult(0.0, "closed", 0.0, p.spec(), q.spec(), dps)
    # The formula cancels log-gamma terms of size `scale` (about 7e302 for
    # beta(1e300, 1)); `dps` digits of the result need dps + log10(scale)
    # working digits, so precision is raised by that much up front.
    with mp.workdps(20):
        scale = sum(abs(mp.loggamma(mp.mpf(t))) for t in (p.a, p.b, p.a + p.b, q.a, q.b))
        extra = max(0, int(mp.ceil(mp.log10(scale + 1))))
    work = dps + extra
    with mp.workdps(work):
        v = _mp_kl()(mp.mpf(p.a), mp.mpf(p.b), mp.mpf(q.a), mp.mpf(q.b))
        value = float(v)
        err = float(scale * mp.mpf(10) ** (2 - work)) + 0.5 * math.ulp(value)
    return _resolved(KLResult(value, "closed", err, p.spec(), q.spec(), work))


def _resolved(result: KLResult) -> KLResult:
    """`result`, unless its error estimate is not below its value (then it is no answer)."""
    if not result.error_estimate < abs(result.value):
        raise AccuracyError(f"KL({result.p} || {result.q})", result.value,
                            result.error_estimate,
                            f"raise --dps (now {result.dps}) or use --method quadrature")
    return result


def _log_density_mp(dist: Distribution):
    """mpmath log density of `dist` as a function of (x, 1 - x)."""
    kernel = _mp_log_kernel()
    weights, aa, bb = dist.components_arrays()
    comps = [(mp.mpf(w), mp.mpf(ai), mp.mpf(bi))
             for w, ai, bi in zip(weights, aa, bb, strict=True) if w > 0]
    if len(comps) == 1:
        _, ai, bi = comps[0]
        return lambda t, tc: kernel(t, tc, ai, bi)

    def log_mix(t, tc):
        return mp.log(mp.fsum(w * mp.exp(kernel(t, tc, ai, bi)) for w, ai, bi in comps))

    return log_mix


def kl_quadrature(p, q, *, dps: int = 30, maxdegree: int = 10) -> KLResult:
    """``KL(p || q)`` for any Beta/Mixture pair by mpmath tanh-sinh quadrature.

    ``int_0^1 p(x) (log p(x) - log q(x)) dx`` is split at 1/2 and each half
    is mapped to ``[log 2, inf)`` by ``x = exp(-s)`` (``1 - x = exp(-s)``
    for the upper half, the complement computed exactly with ``expm1``).
    The power-law endpoint singularities of Beta densities (``x**(a-1)``,
    ``a < 1``) become exponential decay in ``s``, which tanh-sinh integrates
    to full precision; integrating in ``x`` directly loses the mass within
    ~10**-dps of the endpoint, an error ~ 10**(-a dps) that the level-to-level
    error estimate does not see.

    Parameters
    ----------
    p, q : Beta, Mixture or str
        Nature's (or the reference) density and the belief.
    dps : int
        Working decimal digits.
    maxdegree : int
        Maximum tanh-sinh level (mpmath's ``maxdegree``).

    Returns
    -------
    KLResult
        ``error_estimate`` is mpmath's estimate (difference of the last two
        levels, summed over the halves) plus float64 rounding of the value.

    Examples
    --------
    >>> r = kl_quadrature("mix(0.5*beta(1,1), 0.5*beta(3,1.2))", "beta(1,1)")
    >>> round(r.value, 10), r.error_estimate < 1e-15
    (0.0734246575, True)
    """
    p, q = as_distribution(p), as_distribution(q)
    dps = require_positive_int("dps", dps)
    with mp.workdps(dps):
        lp, lq = _log_density_mp(p), _log_density_mp(q)

        def lower(s):  # x = exp(-s): s in [log 2, inf) covers (0, 1/2]
            t = mp.exp(-s)
            tc = -mp.expm1(-s)
            u = lp(t, tc)
            return t * mp.exp(u) * (u - lq(t, tc))

        def upper(s):  # 1 - x = exp(-s): covers [1/2, 1)
            tc = mp.exp(-s)
            t = -mp.expm1(-s)
            u = lp(t, tc)
            return tc * mp.exp(u) * (u - lq(t, tc))

        start = mp.log(2)
        v1, e1 = mp.quad(lower, [start, mp.inf], error=True, maxdegree=maxdegree)
        v2, e2 = mp.quad(upper, [start, mp.inf], error=True, maxdegree=maxdegree)
        value = float(v1 + v2)
        err = float(e1 + e2) + 0.5 * math.ulp(value)
    if p == q:  # the integrand is exactly zero
        return KLResult(0.0, "quadrature", 0.0, p.spec(), q.spec(), dps)
    return _resolved(KLResult(value, "quadrature", err, p.spec(), q.spec(), dps))


def kl_divergence(p, q, *, method: str = "auto", dps: int = 30) -> KLResult:
    """``KL(p || q)``: closed form for two Betas, quadrature otherwise.

    Parameters
    ----------
    p, q : Beta, Mixture or str
        The two distributions (``p`` is the one the expectation is under).
    method : {"auto", "closed", "quadrature"}
        ``auto`` picks ``closed`` when both are Betas.
    dps : int
        mpmath working digits.

    Examples
    --------
    >>> r = kl_divergence("beta(1.2,1.1)", "beta(3,1.2)")
    >>> round(r.value, 4), r.method
    (0.5514, 'closed')
    """
    p, q = as_distribution(p), as_distribution(q)
    if method not in ("auto", "closed", "quadrature"):
        raise ParameterError("method", method, "one of auto, closed, quadrature")
    both_beta = isinstance(p, Beta) and isinstance(q, Beta)
    if method == "closed" or (method == "auto" and both_beta):
        return kl_closed_form(p, q, dps=dps)
    return kl_quadrature(p, q, dps=dps)


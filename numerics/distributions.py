"""Beta / Beta-mixture densities, samplers and float64 KL routes for the simulations.

Formulas come from ``foresight.numerics.generated.beta_kl`` (printed from
:mod:`foresight.derivations.kl`): ``beta_log_density`` and ``beta_kl``.  This
module adds the log-sum-exp over mixture components, a vectorised sampler,
validated Python entry points, and the lecture's truncated-quadrature KL so
reports can show its truncation error.

Examples
--------
>>> import numpy as np
>>> from foresight.derivations.distributions import parse_distribution
>>> h = parse_distribution("mix(0.5*beta(1,1), 0.5*beta(3,1.2))")
>>> x = sample(h, 5, np.random.default_rng(0))
>>> x.shape, bool(np.all((x > 0) & (x < 1)))
((5,), True)
>>> round(float(log_density(h, 0.5)), 12)
-0.041185917586
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from foresight.derivations.distributions import Beta, Mixture, as_distribution
from foresight.errors import ParameterError, require_positive, require_probability_vector
from foresight.numerics.beta_kl import beta_kl_float
from foresight.numerics.generated.beta_kl import beta_log_density, log_beta_function
from foresight.numerics.generated.blume_easley import beta_log_density_from_logs

__all__ = [
    "log_density_mixture",
    "log_density",
    "sample",
    "component_arrays",
    "kl_closed_form_float",
    "kl_float",
    "kl_lecture_truncated",
    "LECTURE_TRUNCATION",
]

# The lecture integrates KL on [1e-5, 1 - 1e-5] (scipy quad).
LECTURE_TRUNCATION = 1e-5


@njit(cache=True)
def log_density_mixture(x, weights, a, b):
    """Log density of ``sum_k weights[k] Beta(a[k], b[k])`` at the scalar `x`.

    Log-sum-exp over the components (each from the generated
    ``beta_log_density``), so tiny component densities do not underflow;
    ``-inf`` outside [0, 1].  Inputs are not validated here: use
    :func:`log_density`.

    Examples
    --------
    >>> import numpy as np
    >>> w, a, b = np.array([1.0]), np.array([2.0]), np.array([1.0])
    >>> round(log_density_mixture(0.5, w, a, b), 12)  # log(2 * 0.5)
    0.0
    """
    k = weights.shape[0]
    best = -math.inf
    logs = np.empty(k)
    for j in range(k):
        if weights[j] > 0.0:
            logs[j] = math.log(weights[j]) + beta_log_density(x, a[j], b[j])
        else:
            logs[j] = -math.inf
        if logs[j] > best:
            best = logs[j]
    if best == -math.inf or best == math.inf:
        return best
    total = 0.0
    for j in range(k):
        total += math.exp(logs[j] - best)
    return best + math.log(total)


@njit(cache=True)
def _log_density_array(x, weights, a, b, out):
    for i in range(x.shape[0]):
        out[i] = log_density_mixture(x[i], weights, a, b)
    return out


def component_arrays(dist) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated float64 arrays ``(weights, a, b)`` from a distribution or a tuple.

    Examples
    --------
    >>> component_arrays("beta(3, 1.2)")
    (array([1.]), array([3.]), array([1.2]))
    """
    if isinstance(dist, Beta | Mixture | str):
        w, a, b = as_distribution(dist).components_arrays()
    else:
        try:
            w, a, b = dist
        except (TypeError, ValueError):
            raise ParameterError(
                "dist_arrays", dist, "a Beta, a Mixture, a spec or (weights, a, b)"
            ) from None
        w = require_probability_vector("mix.weights", np.ravel(w))
        a = [require_positive(f"beta.a[{k}]", v) for k, v in enumerate(np.ravel(a))]
        b = [require_positive(f"beta.b[{k}]", v) for k, v in enumerate(np.ravel(b))]
        if not len(w) == len(a) == len(b):
            raise ParameterError("dist_arrays", (len(w), len(a), len(b)), "equal lengths")
    return np.asarray(w, float), np.asarray(a, float), np.asarray(b, float)


def log_density(dist, x) -> np.ndarray:
    """Log density of `dist` (Beta, Mixture, spec or arrays) at the points `x`.

    Parameters
    ----------
    dist : Beta, Mixture, str or (weights, a, b)
    x : float or array_like
        Points; outside [0, 1] the log density is ``-inf``.  NaN is refused.

    Returns
    -------
    numpy.ndarray
        Same shape as `x`.
    """
    w, a, b = component_arrays(dist)
    xa = np.asarray(x, dtype=float)
    if np.isnan(xa).any():
        raise ParameterError("x", "nan", "real numbers (NaN given)")
    flat = np.ascontiguousarray(xa.ravel())
    out = _log_density_array(flat, w, a, b, np.empty_like(flat))
    return out.reshape(xa.shape)


def sample(dist_arrays, size, rng: np.random.Generator) -> np.ndarray:
    """Draw from a Beta or a Beta mixture (component first, then the Beta draw).

    Parameters
    ----------
    dist_arrays : Beta, Mixture, str or (weights, a, b)
    size : int or tuple of int
    rng : numpy.random.Generator
        E.g. ``np.random.default_rng(np.random.SeedSequence(seed))``.

    Examples
    --------
    >>> import numpy as np
    >>> x = sample("beta(3, 1.2)", (2, 3), np.random.default_rng(1))
    >>> x.shape
    (2, 3)
    """
    if not isinstance(rng, np.random.Generator):
        raise ParameterError("rng", rng, "a numpy.random.Generator")
    w, a, b = component_arrays(dist_arrays)
    shape = (int(size),) if np.ndim(size) == 0 else tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise ParameterError("size", size, "non-negative integers")
    if len(w) == 1:
        return rng.beta(a[0], b[0], size=shape)
    k = rng.choice(len(w), size=shape, p=w / w.sum())
    return rng.beta(a[k], b[k])


def kl_closed_form_float(p, q) -> float:
    """``KL(p || q)`` of two Betas in float64 (the generated ``beta_kl`` closed form).

    Examples
    --------
    >>> round(kl_closed_form_float("beta(1,1)", "beta(3,1.2)"), 12)
    0.759217453596
    """
    p, q = as_distribution(p), as_distribution(q)
    if not (isinstance(p, Beta) and isinstance(q, Beta)):
        raise ParameterError("p, q", (p.spec(), q.spec()), "two Beta distributions")
    return beta_kl_float(p, q)[0]


def kl_lecture_truncated(p, q, *, eps: float = LECTURE_TRUNCATION) -> tuple[float, float]:
    """The lecture's KL: ``scipy.integrate.quad`` of ``p log(p/q)`` on ``[eps, 1 - eps]``.

    Kept to measure the lecture's truncation error against the exact value.

    Returns
    -------
    (value, quad_abserr) : tuple of float

    Examples
    --------
    >>> v, _ = kl_lecture_truncated("beta(1,1)", "beta(3,1.2)")
    >>> round(v, 3)
    0.759
    """
    from scipy.integrate import quad

    wp, ap, bp = component_arrays(p)
    wq, aq, bq = component_arrays(q)

    def integrand(x):
        lp = log_density_mixture(x, wp, ap, bp)
        return math.exp(lp) * (lp - log_density_mixture(x, wq, aq, bq))

    value, err = quad(integrand, eps, 1 - eps)
    return float(value), float(err)


# ---------------------------------------------------------------- float64 KL of any pair

#: Finest exp-sinh level of :func:`kl_float` (step 2**-level, about 10 * 2**level nodes
#: per half of (0, 1)).
KL_FLOAT_MAX_LEVEL = 9

# exp-sinh nodes tau lie in [-_TAU_MAX, _TAU_MAX]: at |tau| = 5 the map
# s = s0 + exp(pi/2 sinh tau) is 1e-51 from s0 (weight ~1e-50) or 1e50 away
# (integrand exp(-a s) = 0 for any a > 1e-48), so nothing beyond counts.
_TAU_MAX = 5.0


@njit(cache=True)
def _log_mixture_from_logs(log_x, log_1mx, logw, a, b, lbeta):
    """Log of ``sum_k exp(logw[k]) Beta(a[k], b[k])`` at x given log x and log(1 - x)."""
    best = -math.inf
    for k in range(a.shape[0]):
        v = logw[k] + beta_log_density_from_logs(log_x, log_1mx, a[k], b[k], lbeta[k])
        if v > best:
            best = v
    total = 0.0
    for k in range(a.shape[0]):
        total += math.exp(logw[k] + beta_log_density_from_logs(log_x, log_1mx, a[k], b[k],
                                                                lbeta[k]) - best)
    return best + math.log(total)


@njit(cache=True)
def _kl_half_integrand(s, lwp, ap, bp, lbp, lwq, aq, bq, lbq, size0, size1):
    # x = exp(-s), dx = -x ds: the integrand x p(x) (log p(x) - log q(x)) in s,
    # with log x = -s exact so that no node underflows however far out it lies.
    # Second value: x p(x) times the size of the terms that cancel in
    # log p - log q (size0 + size1 * s bounds the log-gamma and power terms),
    # for the float64 rounding estimate.
    log_x = -s
    log_1mx = math.log1p(-math.exp(-s))
    lp = _log_mixture_from_logs(log_x, log_1mx, lwp, ap, bp, lbp)
    lq = _log_mixture_from_logs(log_x, log_1mx, lwq, aq, bq, lbq)
    mass = math.exp(log_x + lp)
    return mass * (lp - lq), mass * (abs(lp) + abs(lq) + size0 + size1 * s)


@njit(cache=True)
def _kl_half(max_level, lwp, ap, bp, lbp, lwq, aq, bq, lbq, size0, size1):
    """``int_{log 2}^inf`` of :func:`_kl_half_integrand` by exp-sinh.

    Returns (value, change of the last halving, integral of the term sizes).
    """
    s0 = math.log(2.0)
    half_pi = 0.5 * math.pi
    h = 1.0
    n = int(_TAU_MAX)
    total = size = 0.0
    for k in range(-n, n + 1):
        tau = k * h
        e = math.exp(half_pi * math.sinh(tau))
        f, g = _kl_half_integrand(s0 + e, lwp, ap, bp, lbp, lwq, aq, bq, lbq, size0, size1)
        total += half_pi * math.cosh(tau) * e * f
        size += half_pi * math.cosh(tau) * e * g
    value = h * total
    change = math.inf
    for _ in range(max_level):
        h *= 0.5
        n = int(_TAU_MAX / h)
        for k in range(-n + 1, n, 2):  # the odd multiples of the new step
            tau = k * h
            e = math.exp(half_pi * math.sinh(tau))
            f, g = _kl_half_integrand(s0 + e, lwp, ap, bp, lbp, lwq, aq, bq, lbq, size0, size1)
            total += half_pi * math.cosh(tau) * e * f
            size += half_pi * math.cosh(tau) * e * g
        previous, value = value, h * total
        change = abs(value - previous)
        if change <= 1e-15 * max(1.0, abs(value)) and h < 0.1:
            break
    return value, change, h * size


def kl_float(p, q, *, max_level: int = KL_FLOAT_MAX_LEVEL) -> tuple[float, float]:
    """``KL(p || q)`` in float64 for any Beta/Mixture pair, with an error estimate.

    Two Betas: the generated closed form ``beta_kl``; the estimate is float64
    rounding of the log-gamma terms it cancels.  Otherwise: exp-sinh
    quadrature of ``p log(p/q)`` with the generated log densities, split at
    1/2 like :func:`foresight.derivations.kl.kl_quadrature` and mapped by
    ``x = exp(-s)`` (the upper half through ``Beta(a, b)(x) = Beta(b, a)(1 - x)``),
    so endpoint singularities become exponential decay; the estimate is the
    change of the last halving of the step.  The exact routes of
    :mod:`foresight.derivations.kl` (mpmath, any precision) remain the
    reference: use them when the estimate is not small enough.

    Parameters
    ----------
    p, q : Beta, Mixture or str
    max_level : int
        Finest quadrature level (step ``2**-max_level``).

    Returns
    -------
    (value, error_estimate) : tuple of float

    Examples
    --------
    >>> v, e = kl_float("mix(0.5*beta(1,1), 0.5*beta(3,1.2))", "beta(1,1)")
    >>> round(v, 10), e < 1e-13
    (0.0734246575, True)
    >>> v, e = kl_float("beta(1,1)", "beta(3,1.2)")
    >>> round(v, 12), e < 1e-14
    (0.759217453596, True)
    """
    p, q = as_distribution(p), as_distribution(q)
    if p == q:
        return 0.0, 0.0
    if isinstance(p, Beta) and isinstance(q, Beta):
        return beta_kl_float(p, q)
    halves = []
    for swap in (False, True):  # lower half (0, 1/2], then upper half [1/2, 1)
        arrays, size0, size1 = [], 0.0, 0.0
        for dist in (p, q):
            w, a, b = (np.asarray(v, float) for v in dist.components_arrays())
            keep = w > 0
            w, a, b = w[keep], a[keep], b[keep]
            if swap:
                a, b = b, a
            lbeta = np.array([log_beta_function(ai, bi) for ai, bi in zip(a, b, strict=True)])
            arrays += [np.log(w), a, b, lbeta]
            size0 += float(np.max(np.abs(lbeta) + np.abs(b - 1.0) - np.log(w)))
            size1 += float(np.max(np.abs(a - 1.0)))
        halves.append(_kl_half(int(max_level), *arrays, size0, size1))
    value = halves[0][0] + halves[1][0]
    # truncation (last change) + float64 rounding of the cancelling terms
    error = sum(c + 16 * np.finfo(float).eps * g for _, c, g in halves) + 0.5 * math.ulp(value)
    return float(value), float(error)

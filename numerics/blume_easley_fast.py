"""Fixed-belief Blume-Easley paths with SIMD transcendentals (issue 11, "the last factor").

numba from pip has no SVML, so a compiled loop evaluates ``log`` and ``exp``
one scalar at a time; that bounds :func:`foresight.numerics.blume_easley.simulate`
for fixed Beta beliefs (about 3 transcendental calls per path-period).  NumPy
>= 2 evaluates ``log`` and ``exp`` of float64 arrays with AVX2/AVX-512.  This
module splits the work accordingly:

1. NumPy: ``log s`` and ``log(1 - s)`` of all draws (SIMD).  ``log(1 - s)``
   rather than ``log1p(-s)``, which NumPy evaluates scalar: the absolute error
   of ``log(1 - s)`` is below ``2**-52`` for every ``s`` in (0, 1), and the
   log likelihood ratio only needs absolute accuracy.
2. numba: ``log l_t = sum_{tau <= t} c + da log s_tau + db log(1 - s_tau)``
   (two Beta log densities differ by an affine function of those two logs),
   and ``x_t = log((1 - lam) / lam) - log l_t``, one pass over memory.
3. NumPy: ``e = exp(min(x, 700))`` (SIMD), then numba: shares
   ``c1 = 1 / (1 + e)``, ``c2 = e / (1 + e)`` written into the ``(N, T, 2)``
   array, with the complement computed directly (no ``1 - c1`` cancellation).

Only two agents with fixed Beta beliefs and log utility; everything else goes
through the general kernels.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["fixed_beta_two_agents"]


@njit(cache=True, nogil=True)
def _log_l_and_exponent(log_s, log_1ms, c, da, db, k, log_l, x):
    n, t = log_s.shape
    for i in range(n):
        acc = 0.0
        for j in range(t):
            acc += c + da * log_s[i, j] + db * log_1ms[i, j]
            log_l[i, j] = acc
            v = k - acc
            x[i, j] = v if v < 700.0 else 700.0


@njit(cache=True, nogil=True)
def _shares(e, shares):
    n, t = e.shape
    for i in range(n):
        for j in range(t):
            d = 1.0 / (1.0 + e[i, j])
            shares[i, j, 0] = d
            shares[i, j, 1] = e[i, j] * d


def _log_beta_fn(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def fixed_beta_two_agents(states, f, g, pareto_weight: float = 0.5):
    """Shares and log likelihood ratio of two fixed Beta believers (log utility).

    Parameters
    ----------
    states : ndarray, shape (N, T)
        Draws of ``s_t`` in (0, 1), one row per path.
    f, g : Beta
        Agent 1's and agent 2's beliefs (objects with ``a`` and ``b``).
    pareto_weight : float
        lambda, agent 1's weight, in (0, 1).

    Returns
    -------
    shares : ndarray, shape (N, T, 2)
        Consumption shares of both agents (they sum to one).
    log_l : ndarray, shape (N, T)
        ``log l_t = sum_{tau <= t} log f(s_tau) - log g(s_tau)``.

    Examples
    --------
    >>> from foresight.derivations.distributions import Beta
    >>> s = np.array([[0.2, 0.9, 0.5]])
    >>> shares, log_l = fixed_beta_two_agents(s, Beta(1, 1), Beta(3, 1.2))
    >>> bool(np.allclose(shares.sum(axis=2), 1.0))
    True
    """
    s = np.ascontiguousarray(states, dtype=np.float64)
    if s.ndim != 2:
        raise ValueError("states must be a 2-D array (paths x periods)")
    lam = float(pareto_weight)
    # log f - log g = c + da log s + db log(1 - s) for two Betas
    da, db = float(f.a - g.a), float(f.b - g.b)
    c = _log_beta_fn(g.a, g.b) - _log_beta_fn(f.a, f.b)
    log_s = np.log(s)
    log_1ms = np.subtract(1.0, s)
    np.log(log_1ms, out=log_1ms)
    log_l = np.empty_like(s)
    x = log_s  # reused: log s is consumed row by row before x overwrites it
    _log_l_and_exponent(log_s, log_1ms, c, da, db, math.log((1.0 - lam) / lam), log_l, x)
    np.exp(x, out=x)
    shares = np.empty((*s.shape, 2))
    _shares(x, shares)
    return shares, log_l

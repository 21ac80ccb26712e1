"""Special functions the generated formulas call, in plain Python (no numba).

:mod:`foresight.numerics.special` compiles these same functions with
``@njit(cache=True)`` for the generated numba kernels; the numba-free twins of
the generated modules (``numerics/generated/*_py.py``) call them directly, so
one implementation serves both.
"""

from __future__ import annotations

import math

# Bernoulli-number coefficients B_{2k} / (2k) of the asymptotic series
# psi(x) ~ log x - 1/(2x) - sum_k B_{2k} / (2k x^{2k}).
_PSI_ASYMPTOTIC = (
    1.0 / 12.0,
    -1.0 / 120.0,
    1.0 / 252.0,
    -1.0 / 240.0,
    1.0 / 132.0,
    -691.0 / 32760.0,
    1.0 / 12.0,
)


def digamma(x):
    """Digamma function psi(x) = d/dx log Gamma(x), to about 1e-15 relative.

    Shifts `x` up to >= 10 with psi(x) = psi(x + 1) - 1/x, then sums the
    asymptotic series through x**-14 (truncation error < 1e-16 there).
    Negative non-integers use the reflection formula; poles give NaN.

    Examples
    --------
    >>> round(digamma(1.0), 12)  # -Euler's gamma
    -0.577215664902
    """
    # A plain float and no recursion: a self-recursive @njit function gets a
    # separate specialisation for integer arguments whose cached copy crashes
    # when reloaded.
    x = float(x)
    reflection = 0.0
    if x <= 0.0:
        if x == math.floor(x):
            return math.nan
        reflection = -math.pi / math.tan(math.pi * x)
        x = 1.0 - x
    shift = 0.0
    while x < 10.0:
        shift -= 1.0 / x
        x += 1.0
    inv2 = 1.0 / (x * x)
    series = 0.0
    power = inv2
    for coefficient in _PSI_ASYMPTOTIC:
        series += coefficient * power
        power *= inv2
    return reflection + shift + math.log(x) - 0.5 / x - series


def logaddexp(a, b):
    """log(exp(a) + exp(b)) without overflow; exact for infinite arguments.

    Examples
    --------
    >>> round(logaddexp(1000.0, 1000.0) - 1000.0, 12)
    0.69314718056
    """
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    if a >= b:
        return a + math.log1p(math.exp(b - a))
    return b + math.log1p(math.exp(a - b))

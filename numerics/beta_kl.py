"""KL divergence of two Betas in float64, without numba.

The closed form comes from the numba-free twin of the generated ``beta_kl``
module (``numerics/generated/beta_kl_py.py``, printed from
:mod:`foresight.derivations.kl`): one scalar evaluation needs no compiled
loop, and ``foresight simulate`` prints the theory beside a small simulation
without loading numba.

Examples
--------
>>> from foresight.derivations.distributions import Beta
>>> value, error = beta_kl_float(Beta(1, 1), Beta(3, 1.2))
>>> round(value, 12), error < 1e-14
(0.759217453596, True)
"""

from __future__ import annotations

import math
import sys

from foresight.derivations.distributions import Beta
from foresight.numerics.generated.beta_kl_py import beta_kl

__all__ = ["beta_kl_float"]


def beta_kl_float(p: Beta, q: Beta) -> tuple[float, float]:
    """``KL(p || q)`` of two Betas and an error estimate (float64 rounding).

    The estimate is the rounding of the log-gamma terms the closed form
    cancels, ``8 eps (sum |lgamma| + 1)``, plus half an ulp of the value.

    Parameters
    ----------
    p, q : Beta

    Returns
    -------
    (value, error_estimate) : tuple of float
    """
    if p == q:
        return 0.0, 0.0
    value = float(beta_kl(p.a, p.b, q.a, q.b))
    scale = sum(abs(math.lgamma(t)) for t in (p.a, p.b, p.a + p.b, q.a, q.b, q.a + q.b))
    return value, 8 * sys.float_info.epsilon * (scale + 1.0) + 0.5 * math.ulp(value)

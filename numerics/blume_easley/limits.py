"""Almost-sure limits of the economy in float64, from the generated kernels.

:func:`foresight.derivations.learning.learning_limits` applies the theory
(Berk's theorem, the KL ordering of survivors, the limit allocation) given a
KL function and the limit allocation rule; by default both are evaluated
symbolically (SymPy's allocation rule, mpmath KL).  Here they come from the
generated kernels instead, so that ``foresight simulate`` prints the theory
beside its simulation without loading SymPy:

* KL: :func:`foresight.numerics.distributions.kl_float` (generated ``beta_kl``
  for two Betas, through its numba-free twin, exp-sinh quadrature of the generated log densities
  otherwise).  A value whose error estimate exceeds :data:`KL_TOLERANCE`
  (relative) is recomputed by the exact route of
  :mod:`foresight.derivations.kl`.
* limit shares: the planner's allocation ``c_i / Y = exp(z_i - log sum_j exp(z_j))``
  with ``z_i = (log lambda_i + log pi^i) / gamma``, from the generated
  ``log_allocation_weight`` and ``consumption_share_softmax``.

Examples
--------
>>> from foresight.derivations.distributions import Beta
>>> from foresight.derivations.economy import Belief, ExchangeEconomy
>>> f, g = Beta(1.5, 1), Beta(1, 1.5)
>>> econ = ExchangeEconomy((Belief((f, g), (0.3, 0.7)), Belief((f, g), (0.7, 0.3))), (0.5, 0.5))
>>> lim = learning_limits_float(econ, nature=f)
>>> round(lim.share_limits[0], 12), lim.drift
(0.3, 0.0)
"""

from __future__ import annotations

import math

from foresight.derivations.distributions import Beta, as_distribution
from foresight.derivations.learning import KL_TIE_TOLERANCE, LearningLimit, learning_limits

# The numba-free twins: a handful of survivors needs no compiled loop, and
# ``foresight simulate`` prints this theory without loading numba.
from foresight.numerics.generated.blume_easley_py import (
    consumption_share_softmax,
    log_allocation_weight,
)
from foresight.numerics.special_py import logaddexp

__all__ = ["KL_TOLERANCE", "kl_value", "learning_limits_float", "limit_shares_float"]

#: Largest relative error estimate accepted from the float64 KL; ties between
#: divergences are decided at KL_TIE_TOLERANCE (1e-10), so the values must be
#: two orders of magnitude better than that.
KL_TOLERANCE = KL_TIE_TOLERANCE / 100


def kl_value(p, q) -> float:
    """``KL(p || q)``: float64 route when its error estimate is small enough, else exact.

    Examples
    --------
    >>> round(kl_value("beta(1,1)", "beta(3,1.2)"), 12)
    0.759217453596
    """
    p, q = as_distribution(p), as_distribution(q)
    if isinstance(p, Beta) and isinstance(q, Beta):
        from foresight.numerics.beta_kl import beta_kl_float as route  # numba-free
    else:
        from foresight.numerics.distributions import kl_float as route
    value, error = route(p, q)
    if error <= KL_TOLERANCE * max(1.0, abs(value)):
        return value
    # Cancellation beyond float64 (e.g. Betas with parameters ~1e300): the
    # derived formula at adaptive precision, or mpmath quadrature.
    from foresight.derivations.kl import kl_divergence

    return float(kl_divergence(p, q).value)


def _softmax_shares(log_weights, log_mass, gamma) -> list[float]:
    z = [log_allocation_weight(w, m, gamma) for w, m in zip(log_weights, log_mass, strict=True)]
    total = -math.inf
    for value in z:
        total = logaddexp(total, value)
    return [consumption_share_softmax(value, total) for value in z]


def limit_shares_float(economy, survivors, mass) -> tuple[float, ...]:
    """Limit shares: the planner's allocation among `survivors`, joint densities -> `mass`.

    The float64 counterpart of the SymPy default of ``learning_limits``
    (``limit_shares`` hook); non-survivors get 0.

    Examples
    --------
    >>> from foresight.numerics.blume_easley import lecture_economy
    >>> econ = lecture_economy("beta(1,1)", "beta(3,1.2)", pareto_weight=0.25)
    >>> [round(v, 12) for v in limit_shares_float(econ, (0, 1), (1.0, 1.0))]
    [0.25, 0.75]
    """
    n = economy.n_agents
    if len(survivors) == 1:
        return tuple(1.0 if i in survivors else 0.0 for i in range(n))
    log_weights = [math.log(economy.pareto_weights[i]) for i in survivors]
    log_mass = [math.log(mass[i]) for i in survivors]
    shares = _softmax_shares(log_weights, log_mass, float(economy.gamma))
    values = {i: float(shares[k]) for k, i in enumerate(survivors)}
    return tuple(values.get(i, 0.0) for i in range(n))


def learning_limits_float(economy, nature) -> LearningLimit:
    """:func:`~foresight.derivations.learning.learning_limits` with float64 KL and shares.

    Parameters
    ----------
    economy : ExchangeEconomy
    nature : Beta, Mixture or spec
        Nature's iid density.

    Returns
    -------
    LearningLimit
    """
    return learning_limits(economy, nature, kl=kl_value, limit_shares=limit_shares_float)

"""Moments and lecture-timing computations the Blume–Easley report prints.

* :func:`log_ratio_moments` -- mean and variance of ``log f - log g`` under
  nature by quadrature of the compiled densities (the variance sets CLT bands);
* :func:`lecture_timing_shares` -- agent 1's share under the lecture's own
  timing of the learning update (used to measure what that timing changes);
* :func:`final_share_summary`, :func:`mean_drift`, :func:`first_passage` -- the
  Monte Carlo summaries the report prints (mean with its standard error,
  median, the drift of ``log l_t``, the first date a median path leaves
  ``(eps, 1 - eps)``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = ["log_ratio_moments", "lecture_timing_shares", "ShareSummary",
           "final_share_summary", "mean_drift", "first_passage"]


class ShareSummary(NamedTuple):
    """Mean, its standard error (``sd / sqrt(n)``) and median of final shares over paths."""

    mean: float
    standard_error: float
    median: float
    paths: int


def final_share_summary(final_shares) -> ShareSummary:
    """Summary of agent 1's final share over `n` >= 2 independent paths.

    Examples
    --------
    >>> final_share_summary(np.array([0.2, 0.4, 0.9]))
    ShareSummary(mean=0.5, standard_error=0.2081665999466133, median=0.4, paths=3)
    """
    x = np.asarray(final_shares, dtype=float)
    if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"final_shares: need >= 2 finite values in one dimension, got "
                         f"shape {x.shape}")
    return ShareSummary(float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size)),
                        float(np.median(x)), int(x.size))


def mean_drift(log_likelihood_ratio_final, periods: int) -> float:
    """``mean(log l_T) / T``: the Monte Carlo route to the KL gap.

    Examples
    --------
    >>> mean_drift(np.array([2.0, 4.0]), 10)
    0.3
    """
    return float(np.mean(log_likelihood_ratio_final) / periods)


def first_passage(median_share, eps: float = 1e-5) -> tuple[int | None, int | None]:
    """First ``t`` with the median share below `eps` (side 0) or above ``1 - eps`` (side 1).

    The lecture marks this date on its second figure.  ``(None, None)`` when the
    path stays inside ``(eps, 1 - eps)``; the lower side is reported first when
    both occur (a median path that reached 0 does not come back).

    Examples
    --------
    >>> first_passage(np.array([0.5, 0.3, 1e-6, 1e-7]))
    (2, 0)
    >>> first_passage(np.array([0.5, 0.6]))
    (None, None)
    """
    median_share = np.asarray(median_share)
    below = np.flatnonzero(median_share < eps)
    above = np.flatnonzero(median_share > 1 - eps)
    if below.size:
        return int(below[0]), 0
    if above.size:
        return int(above[0]), 1
    return None, None


def log_ratio_moments(nature, f, g) -> tuple[float, float]:
    """Mean and variance of ``log f(s) - log g(s)`` under `nature` (SciPy quad, numba densities).

    The variance sets the CLT band of the drift checks; the mean is a second
    route to the KL gap.  Same quantity as
    :func:`foresight.verify.blume_easley.log_ratio_moments`, but with the
    compiled scalar densities (that one calls ``scipy.stats`` per point and
    takes seconds for mixtures).

    Examples
    --------
    >>> from foresight.derivations.distributions import Beta
    >>> m, v = log_ratio_moments(Beta(1, 1), Beta(1, 1), Beta(3, 1.2))
    >>> round(m, 6)  # KL(f || g)
    0.759217
    """
    from scipy.integrate import quad

    from foresight.numerics.distributions import component_arrays, log_density_mixture

    h_arr, f_arr, g_arr = (component_arrays(d) for d in (nature, f, g))

    def integrand(x, power):
        r = log_density_mixture(x, *f_arr) - log_density_mixture(x, *g_arr)
        return math.exp(log_density_mixture(x, *h_arr)) * r**power

    moments = []
    for power in (1, 2):
        total = 0.0
        for lo, hi in ((0.0, 0.5), (0.5, 1.0)):
            total += quad(integrand, lo, hi, args=(power,), limit=400, epsabs=1e-13,
                          epsrel=1e-12)[0]
        moments.append(total)
    return moments[0], max(moments[1] - moments[0] ** 2, 0.0)


def lecture_timing_shares(states, f, g, priors, pareto_weight=0.5) -> np.ndarray:
    """Agent 1's share by the lecture's ``simulate_learning_blume_easley`` on given draws.

    The lecture (Exercise 23.2) skips ``s_0``, updates each posterior with
    ``s_t`` and then prices ``s_t`` with that posterior:
    ``m^i_t = pi^i_t f(s_t) + (1 - pi^i_t) g(s_t)`` with ``pi^i_t`` already
    including ``s_t``.  Reproduced here (in logs) only to measure what that
    timing changes; our simulator prices ``s_t`` with the posterior from
    ``s^{t-1}``.  Returns ``(N, T)`` with column 0 equal to the Pareto weight.

    Examples
    --------
    >>> from foresight.derivations.distributions import Beta
    >>> s = np.array([[0.5, 0.9, 0.2]])
    >>> lecture_timing_shares(s, Beta(1, 1), Beta(3, 1.2), (0.3, 0.7)).shape
    (1, 3)
    """
    from scipy.special import expit

    from foresight.numerics.distributions import log_density

    lf, lg = log_density(f, states), log_density(g, states)
    lf[:, 0] = lg[:, 0] = 0.0  # the lecture's loop starts at t = 1
    log_big_l = np.cumsum(lf - lg, axis=1)  # log L_t = sum_{1 <= tau <= t} log f/g
    log_m = []
    for p0 in priors:
        post = expit(np.log(p0 / (1 - p0)) + log_big_l)  # pi_0 L / (pi_0 L + 1 - pi_0)
        log_m.append(np.log(post * np.exp(lf) + (1 - post) * np.exp(lg)))
    log_l = np.cumsum(log_m[0] - log_m[1], axis=1)
    lam = pareto_weight
    return expit(np.log(lam / (1 - lam)) + log_l)

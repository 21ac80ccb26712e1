"""Two agents with fixed Beta beliefs: array transcendentals, compiled running sums.

numba from pip is built without SVML, so a compiled loop evaluates ``log`` and
``exp`` one scalar at a time, and those calls bound the fixed-belief kernels
(three per path-period: ``log s``, ``log(1 - s)`` and the share's ``exp``).
NumPy >= 2 evaluates them on whole arrays with SIMD.  This route splits the
work by what each side does fast, on blocks small enough to stay in cache:

1. NumPy: ``log s`` and ``log(1 - s)`` of a block of draws.
2. numba (:func:`_running_weights`): each agent's ``log pi^i_t`` as a running
   sum of the generated ``beta_log_density_from_logs``, the generated
   ``log_allocation_weight`` ``z_i``, ``log l_t``, and the gap
   ``x = z_other - z_own`` of the larger weight (``x <= 0``).
3. NumPy: ``r = exp(x)``.
4. numba (:func:`_shares_from_ratios`): both shares from the generated
   ``consumption_shares_from_weight_ratio`` (``1/(1+r)``, ``r/(1+r)``).
5. Prices only: NumPy ``log`` of the larger share, then the generated
   ``log_state_price`` with ``log sum_j exp(z_j) = z_max - log c_max``.

The arithmetic is that of the fixed-belief kernel in the same order; only
``log``/``exp`` come from NumPy instead of libm, so results differ from the
general kernel by rounding (``tests/test_split_route.py`` bounds it).  Each
path is computed alone, so its numbers do not depend on the block size, the
number of threads or which other paths are simulated (tested bit for bit).
Blocks of paths run on a thread pool: NumPy's ufuncs and these ``nogil``
kernels release the GIL.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from foresight.numerics.blume_easley.constants import _NOT_FINITE
from foresight.numerics.generated.blume_easley import (
    beta_log_density_from_logs,
    consumption_shares_from_weight_ratio,
    log_allocation_weight,
    log_state_price,
)

__all__ = ["simulate_fixed_two_beta", "BLOCK_ELEMENTS"]

#: Path-periods per block: three float64 work arrays of this size stay in L2.
BLOCK_ELEMENTS = 2**15


@njit(cache=True, nogil=True)
def _running_weights(states, r0, t0, log_state, log_complement, z_max, a, b, log_beta,
                     log_pareto, gamma, running, log_l, log_joint, status):
    """Stage 2: running log densities, ``log l_t``, and the weight gap of each date.

    Reads ``log s`` and ``log(1 - s)`` of paths ``r0 : r0 + m``, dates
    ``t0 : t0 + w``; overwrites `log_state` with ``-|z_1 - z_0|`` and
    `log_complement` with ``z_1 - z_0`` (its sign says whose share is larger);
    `z_max` (if not empty) receives ``max(z_0, z_1)``.  `running` carries each
    path's two sums from one block of dates to the next.
    """
    if gamma == 1.0:
        # A literal 1.0 lets LLVM drop the generated formula's division by gamma
        # (x / 1.0 is x exactly): two divisions per date were a third of this stage.
        _running_weights_body(states, r0, t0, log_state, log_complement, z_max, a, b,
                              log_beta, log_pareto, 1.0, running, log_l, log_joint, status)
    else:
        _running_weights_body(states, r0, t0, log_state, log_complement, z_max, a, b,
                              log_beta, log_pareto, gamma, running, log_l, log_joint, status)


@njit(cache=True, nogil=True, inline="always")
def _running_weights_body(states, r0, t0, log_state, log_complement, z_max, a, b, log_beta,
                          log_pareto, gamma, running, log_l, log_joint, status):
    m, w = log_state.shape
    want_log_l = log_l.shape[0] > 0
    want_joint = log_joint.shape[0] > 0
    want_max = z_max.shape[0] > 0
    for i in range(m):
        p = r0 + i
        acc0 = running[i, 0]
        acc1 = running[i, 1]
        for k in range(w):
            s = states[p, t0 + k]
            if not (0.0 < s < 1.0):
                status[p] = _NOT_FINITE
            acc0 += beta_log_density_from_logs(log_state[i, k], log_complement[i, k], a[0], b[0],
                                               log_beta[0])
            acc1 += beta_log_density_from_logs(log_state[i, k], log_complement[i, k], a[1], b[1],
                                               log_beta[1])
            z0 = log_allocation_weight(log_pareto[0], acc0, gamma)
            z1 = log_allocation_weight(log_pareto[1], acc1, gamma)
            gap = z1 - z0
            if want_log_l:
                log_l[p, t0 + k] = acc0 - acc1
            if want_joint:
                log_joint[p, t0 + k, 0] = acc0
                log_joint[p, t0 + k, 1] = acc1
            if want_max:
                z_max[i, k] = z0 if gap <= 0.0 else z1
            log_state[i, k] = -abs(gap)
            log_complement[i, k] = gap
        running[i, 0] = acc0
        running[i, 1] = acc1


@njit(cache=True, nogil=True)
def _shares_from_ratios(ratio, gap, r0, t0, shares, keep_larger):
    """Stage 4: both shares from ``r = exp(-|gap|)``; with `keep_larger`, the larger share
    replaces ``r`` (its log gives the prices)."""
    m, w = ratio.shape
    want_shares = shares.shape[0] > 0
    for i in range(m):
        p = r0 + i
        for k in range(w):
            big, small = consumption_shares_from_weight_ratio(ratio[i, k])
            if want_shares:
                if gap[i, k] <= 0.0:  # agent 0 has the larger weight
                    shares[p, t0 + k, 0] = big
                    shares[p, t0 + k, 1] = small
                else:
                    shares[p, t0 + k, 0] = small
                    shares[p, t0 + k, 1] = big
            if keep_larger:
                ratio[i, k] = big


@njit(cache=True, nogil=True)
def _prices(log_larger_share, z_max, r0, t0, log_discount, gamma, aggregate, log_prices):
    """Stage 5: ``log p_t`` from ``log sum_j exp(z_j) = z_max - log c_max``."""
    m, w = log_larger_share.shape
    for i in range(m):
        for k in range(w):
            log_prices[r0 + i, t0 + k] = log_state_price(
                float(t0 + k), log_discount, z_max[i, k] - log_larger_share[i, k], gamma,
                aggregate)


def _run_paths(lo, hi, states, a, b, log_beta, log_pareto, gamma, log_discount, aggregate,
               shares, log_l, log_joint, log_prices, status):
    """Paths ``lo:hi`` block by block (one thread; its own work arrays)."""
    n_periods = states.shape[1]
    cols = min(n_periods, BLOCK_ELEMENTS)
    rows = max(1, BLOCK_ELEMENTS // cols)
    want_prices = log_prices.shape[0] > 0
    work = np.empty((3, rows * cols))
    running = np.empty((rows, 2))
    empty = np.empty((0, 0))
    with np.errstate(divide="ignore", invalid="ignore"):  # bad draws are flagged in status
        for r0 in range(lo, hi, rows):
            m = min(rows, hi - r0)
            running[:m] = 0.0
            for t0 in range(0, n_periods, cols):
                w = min(cols, n_periods - t0)
                first, second, third = (work[j, :m * w].reshape(m, w) for j in range(3))
                draws = states[r0:r0 + m, t0:t0 + w]
                np.log(draws, out=first)
                np.subtract(1.0, draws, out=second)
                np.log(second, out=second)
                z_max = third if want_prices else empty
                _running_weights(states, r0, t0, first, second, z_max, a, b, log_beta,
                                 log_pareto, gamma, running, log_l, log_joint, status)
                np.exp(first, out=first)
                _shares_from_ratios(first, second, r0, t0, shares, want_prices)
                if want_prices:
                    np.log(first, out=first)
                    _prices(first, z_max, r0, t0, log_discount, gamma, aggregate, log_prices)


def simulate_fixed_two_beta(states, a, b, log_beta, log_pareto, gamma, log_discount, aggregate,
                            shares, log_l, log_joint, log_prices, status, *, threads=1):
    """Simulate two agents with fixed single-Beta beliefs on the draws `states`.

    Parameters
    ----------
    states : ndarray (N, T)
        Draws ``s_t``; a draw outside (0, 1) marks its path in `status`.
    a, b, log_beta : ndarray (2,)
        Each agent's Beta parameters and ``log B(a, b)``.
    log_pareto : ndarray (2,)
        ``log lambda_i``.
    gamma, log_discount, aggregate : float
        Risk aversion, ``log delta`` and aggregate endowment ``Y``.
    shares, log_l, log_joint, log_prices : ndarray
        Outputs of shapes (N, T, 2), (N, T), (N, T, 2), (N, T); an array with
        first dimension 0 is not computed.
    status : ndarray of int64 (N,)
        Set to ``_NOT_FINITE`` for a path with a draw outside (0, 1).
    threads : int
        Threads sharing the blocks of paths (results do not depend on it).

    Examples
    --------
    >>> import math
    >>> s = np.array([[0.5, 0.25]])
    >>> lb = np.array([0.0, math.lgamma(3) + math.lgamma(1.2) - math.lgamma(4.2)])
    >>> log_l, status, none = np.empty((1, 2)), np.zeros(1, dtype=np.int64), np.empty((0, 0))
    >>> simulate_fixed_two_beta(s, np.array([1.0, 3.0]), np.array([1.0, 1.2]), lb,
    ...                         np.log([0.5, 0.5]), 1.0, math.log(0.9), 1.0,
    ...                         np.empty((0, 0, 0)), log_l, np.empty((0, 0, 0)), none, status)
    >>> [round(float(v), 6) for v in log_l[0]]
    [0.084141, 1.473484]
    """
    n_paths, n_periods = states.shape
    args = (states, a, b, log_beta, log_pareto, float(gamma), float(log_discount),
            float(aggregate), shares, log_l, log_joint, log_prices, status)
    rows = max(1, BLOCK_ELEMENTS // min(n_periods, BLOCK_ELEMENTS))
    n_blocks = -(-n_paths // rows)
    threads = max(1, min(int(threads), n_blocks))
    if threads == 1:
        _run_paths(0, n_paths, *args)
        return
    # Contiguous groups of whole blocks per thread: a path's arithmetic is the same
    # whichever thread runs it.
    edges = [rows * (n_blocks * j // threads) for j in range(threads)] + [n_paths]
    with ThreadPoolExecutor(threads) as pool:
        for job in [pool.submit(_run_paths, lo, hi, *args)
                    for lo, hi in zip(edges[:-1], edges[1:], strict=True)]:
            job.result()


"""Two agents with fixed Beta beliefs: array transcendentals, compiled running sums.

numba from pip is built without SVML, so a compiled loop evaluates ``log`` and
``exp`` one scalar at a time, and those calls bound the fixed-belief kernels
(three per path-period: ``log s``, ``log(1 - s)`` and the share's ``exp``).
NumPy >= 2 evaluates them on whole arrays with SIMD.  This route splits the
work by what each side does fast, on blocks of :data:`BLOCK_ELEMENTS`:

1. NumPy: ``log s`` and ``log(1 - s)`` of a block of draws.
2. numba (:func:`~.split_kernels.running_weights`): each agent's ``log pi^i_t`` as a running
   sum of the generated ``beta_log_density_from_logs``, the generated
   ``log_allocation_weight`` ``z_i``, ``log l_t``, and the gap
   ``x = z_other - z_own`` of the larger weight (``x <= 0``).
3. NumPy: ``r = exp(x)``.
4. numba (:func:`~.split_kernels.shares_from_ratios`): both shares from the generated
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

A run of at most :data:`NUMBA_FREE_ELEMENTS` path-periods does stages
2, 4 and 5 with NumPy and the numba-free twins of the generated formulas
(``numerics/generated/blume_easley_py.py``): the same arithmetic in the same
order, so the same numbers bit for bit (tested), without loading numba (half
a second of a small ``foresight simulate``).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from foresight.numerics.blume_easley.constants import _NOT_FINITE

__all__ = ["simulate_fixed_two_beta", "BLOCK_ELEMENTS", "NUMBA_FREE_ELEMENTS"]

#: Path-periods per block of the compiled route.  Measured on the 2-core machine
#: (``benchmarks/bench_fixed_fast.py``, 10**4 x 100, two threads): 2**14 12.7 ms,
#: 2**15 9.5, 2**16 7.7, 2**17 6.9, 2**18 7.2 (best of 25).
BLOCK_ELEMENTS = 2**17
#: Runs up to this many path-periods take the NumPy route: no numba import (0.45 s
#: with the SciPy it loads) for 2.8 ms of work at the bound (256 x 128, every output,
#: 86 ns per path-period against about 7-10 compiled).
NUMBA_FREE_ELEMENTS = 2**15


def _block_shape(n_periods: int) -> tuple[int, int]:
    """(paths, dates) of one block: whole paths while a path fits in a block."""
    cols = min(n_periods, BLOCK_ELEMENTS)
    return max(1, BLOCK_ELEMENTS // cols), cols


def _run_paths(lo, hi, states, a, b, log_beta, log_pareto, gamma, log_discount, aggregate,
               shares, log_l, log_joint, log_prices, status):
    """Paths ``lo:hi`` block by block (one thread; its own work arrays)."""
    from foresight.numerics.blume_easley.split_kernels import (
        prices_from_shares,
        running_weights,
        shares_from_ratios,
    )

    n_periods = states.shape[1]
    rows, cols = _block_shape(n_periods)
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
                running_weights(states, r0, t0, first, second, z_max, a, b, log_beta,
                                log_pareto, gamma, running, log_l, log_joint, status)
                np.exp(first, out=first)
                shares_from_ratios(first, second, r0, t0, shares, want_prices)
                if want_prices:
                    np.log(first, out=first)
                    prices_from_shares(first, z_max, r0, t0, log_discount, gamma, aggregate,
                                       log_prices)


def _run_small(states, a, b, log_beta, log_pareto, gamma, log_discount, aggregate, shares,
               log_l, log_joint, log_prices, status):
    """All paths at once with NumPy and the numba-free generated formulas.

    Stage for stage the arithmetic of :func:`_run_paths` (same operations, same
    order, the same NumPy ``log``/``exp``), so the numbers are identical.
    """
    from foresight.numerics.generated.blume_easley_py import (
        beta_log_density_from_logs,
        consumption_shares_from_weight_ratio,
        log_allocation_weight,
        log_state_price,
    )

    with np.errstate(divide="ignore", invalid="ignore"):
        log_state = np.log(states)
        log_complement = np.subtract(1.0, states)
        np.log(log_complement, out=log_complement)
        joint = [np.cumsum(beta_log_density_from_logs(log_state, log_complement, a[j], b[j],
                                                      log_beta[j]), axis=1) for j in (0, 1)]
        z0, z1 = (log_allocation_weight(log_pareto[j], joint[j], gamma) for j in (0, 1))
        gap = z1 - z0
        first_larger = gap <= 0.0
        big, small = consumption_shares_from_weight_ratio(np.exp(-np.abs(gap)))
        if status.shape[0] > 0:
            inside = (states > 0.0) & (states < 1.0)
            status[~inside.all(axis=1)] = _NOT_FINITE
        if log_l.shape[0] > 0:
            np.subtract(joint[0], joint[1], out=log_l)
        if log_joint.shape[0] > 0:
            log_joint[..., 0] = joint[0]
            log_joint[..., 1] = joint[1]
        if shares.shape[0] > 0:
            shares[..., 0] = np.where(first_larger, big, small)
            shares[..., 1] = np.where(first_larger, small, big)
        if log_prices.shape[0] > 0:
            dates = np.arange(states.shape[1], dtype=float)
            z_max = np.where(first_larger, z0, z1)
            log_prices[...] = log_state_price(dates, log_discount, z_max - np.log(big), gamma,
                                              aggregate)


def simulate_fixed_two_beta(states, a, b, log_beta, log_pareto, gamma, log_discount, aggregate,
                            shares, log_l, log_joint, log_prices, status, *, threads=None):
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
    threads : int or None
        Threads sharing the blocks of paths (None: numba's thread count).
        Results do not depend on it.

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
    if n_paths * n_periods <= NUMBA_FREE_ELEMENTS:
        _run_small(*args)
        return
    rows, _ = _block_shape(n_periods)
    n_blocks = -(-n_paths // rows)
    if threads is None:
        from foresight.numerics.blume_easley.sampling import _n_threads

        threads = _n_threads()
    threads = max(1, min(int(threads), n_blocks))
    if threads == 1:
        _run_paths(0, n_paths, *args)
        return
    # Contiguous groups of whole blocks per thread: a path's arithmetic is the same
    # whichever thread runs it.
    edges = [rows * (n_blocks * j // threads) for j in range(threads)] + [n_paths]
    pool = _pool(threads)
    for job in [pool.submit(_run_paths, lo, hi, *args)
                for lo, hi in zip(edges[:-1], edges[1:], strict=True)]:
        job.result()


_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _forget_pools_after_fork() -> None:
    """A forked child has none of the parent's worker threads: a pool inherited from
    the parent would accept work and never run it."""
    global _POOLS_LOCK
    _POOLS.clear()
    _POOLS_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools_after_fork)


def _pool(threads: int) -> ThreadPoolExecutor:
    """A pool of `threads` workers kept for the process: starting threads on every call
    cost 0.1-0.2 ms of a 7 ms run."""
    with _POOLS_LOCK:
        pool = _POOLS.get(threads)
        if pool is None:
            pool = _POOLS[threads] = ThreadPoolExecutor(threads,
                                                        thread_name_prefix="split-route")
        return pool

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
   ``x = z_other - z_own`` of the larger weight (``x <= 0``); whether every
   draw is in (0, 1), read from ``log s``.
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
Blocks of paths are shared out to the calling thread and a pool of helpers,
each taking the next block when it is free (NumPy's ufuncs and these
``nogil`` kernels release the GIL).  A block is a contiguous run of the
flattened arrays, so the compiled element-wise loops vectorise
(``tests/test_split_route.py`` checks the LLVM IR).

A run of at most :data:`NUMBA_FREE_ELEMENTS` path-periods does stages
2, 4 and 5 with NumPy and the numba-free twins of the generated formulas
(``numerics/generated/blume_easley_py.py``): the same arithmetic in the same
order, so the same numbers bit for bit (tested), without loading numba (half
a second of a small ``foresight simulate``).
"""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

from foresight.numerics.blume_easley.constants import _NOT_FINITE

__all__ = ["simulate_fixed_two_beta", "BLOCK_ELEMENTS", "NUMBA_FREE_ELEMENTS"]

#: Path-periods per block of the compiled route.  Measured on the 2-core machine
#: (``benchmarks/bench_fixed_fast.py``, 10**4 x 100, two threads, best / median of
#: 15, two runs each): 2**15 6.6-8.3 / 7.7-9.9 ms, 2**16 6.6-8.0 / 7.5-9.4,
#: 2**17 5.7-6.2 / 6.6-6.9.
BLOCK_ELEMENTS = 2**17
#: Runs up to this many path-periods take the NumPy route: no numba import (0.45 s
#: with the SciPy it loads) for 2.8 ms of work at the bound (256 x 128, every output,
#: 86 ns per path-period against about 5.5-10 compiled).
NUMBA_FREE_ELEMENTS = 2**15


def _block_shape(n_periods: int) -> tuple[int, int]:
    """(paths, dates) of one block: whole paths while a path fits in a block."""
    cols = min(n_periods, BLOCK_ELEMENTS)
    return max(1, BLOCK_ELEMENTS // cols), cols


def _run_paths(blocks, *args):
    """The blocks this thread takes from the shared `blocks`; a failure stops the others
    taking new ones (they finish the block in hand)."""
    try:
        _run_blocks(blocks, *args)
    except BaseException:
        blocks.stop()
        raise


def _run_blocks(blocks, states, a, b, log_beta, log_pareto, gamma, log_discount, aggregate,
                shares, log_l, log_joint, log_prices, status):
    """One thread's share of the run, on its own work arrays."""
    from foresight.numerics.blume_easley.split_kernels import (
        prices_from_shares,
        running_weights,
        shares_from_ratios,
    )

    n_periods = states.shape[1]
    rows, cols = _block_shape(n_periods)
    # A block is one contiguous run of each flattened (paths, dates[, agents]) array.
    draws_flat = _flat(states)
    shares_flat, log_l_flat, joint_flat, prices_flat = (
        _flat(x) for x in (shares, log_l, log_joint, log_prices))
    want_prices = prices_flat.shape[0] > 0
    work = np.empty((3, rows * cols))
    running = np.empty((rows, 2))
    empty = np.empty(0)
    with np.errstate(divide="ignore", invalid="ignore"):  # bad draws are flagged in status
        for r0, m in blocks:
            running[:m] = 0.0
            for t0 in range(0, n_periods, cols):
                w = min(cols, n_periods - t0)
                n = m * w
                o = r0 * n_periods + t0
                first, second, third = work[0, :n], work[1, :n], work[2, :n]
                draws = draws_flat[o:o + n]
                np.log(draws, out=first)
                np.subtract(1.0, draws, out=second)
                np.log(second, out=second)
                z_max = third if want_prices else empty
                inside = running_weights(first, second, z_max, w, a, b, log_beta,
                                         log_pareto, gamma, running,
                                         _part(log_l_flat, o, n), _part(joint_flat, 2 * o, 2 * n))
                if not inside:
                    _flag_outside(states[r0:r0 + m, t0:t0 + w], status[r0:r0 + m])
                np.exp(first, out=first)
                shares_from_ratios(first, second, _part(shares_flat, 2 * o, 2 * n), want_prices)
                if want_prices:
                    np.log(first, out=first)
                    prices_from_shares(first, z_max, w, t0, log_discount, gamma, aggregate,
                                       prices_flat[o:o + n])


def _flag_outside(draws: np.ndarray, status: np.ndarray) -> None:
    """Mark in `status` the paths (rows of `draws`) with a draw outside (0, 1), NaN included."""
    status[~((draws > 0.0) & (draws < 1.0)).all(axis=1)] = _NOT_FINITE


def _flat(array: np.ndarray) -> np.ndarray:
    """A 1-d view of a C-contiguous array (a copy would lose the kernels' writes)."""
    if not array.flags.c_contiguous:
        raise ValueError("split route: output and state arrays must be C-contiguous")
    return array.reshape(-1)


def _part(flat: np.ndarray, start: int, size: int) -> np.ndarray:
    """``flat[start:start + size]``, or `flat` itself when that output is not wanted."""
    return flat[start:start + size] if flat.shape[0] > 0 else flat


def _run_small(states, a, b, log_beta, log_pareto, gamma, log_discount, aggregate, shares,
               log_l, log_joint, log_prices, status):
    """All paths at once with NumPy and the numba-free generated formulas.

    Stage for stage the arithmetic of :func:`_run_blocks` (same operations, same
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
            _flag_outside(states, status)
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
    states = np.ascontiguousarray(states)
    args = (states, a, b, log_beta, log_pareto, float(gamma), float(log_discount),
            float(aggregate), shares, log_l, log_joint, log_prices, status)
    if n_paths * n_periods <= NUMBA_FREE_ELEMENTS:
        _run_small(*args)
        return
    rows, _ = _block_shape(n_periods)
    blocks = _Blocks(n_paths, rows)
    if threads is None:
        from foresight.numerics.blume_easley.sampling import _n_threads

        threads = _n_threads()
    helpers = max(1, min(int(threads), len(blocks))) - 1
    if helpers == 0:
        _run_paths(blocks, *args)
        return
    # The calling thread works too, and every thread takes the next block when it is
    # free: a helper that starts late (an idle vCPU can take milliseconds to wake)
    # leaves its blocks to the others instead of being waited for.  A path's
    # arithmetic is the same whichever thread runs it.
    pool = _pool(helpers)
    jobs = [pool.submit(_run_paths, blocks, *args) for _ in range(helpers)]
    try:
        _run_paths(blocks, *args)
    finally:
        wait(jobs)
    for job in jobs:
        job.result()


class _Blocks:
    """Blocks ``(first path, paths)`` of `rows` paths, each handed to one thread: the
    first thread to ask gets the next block."""

    def __init__(self, n_paths: int, rows: int):
        self._n_paths, self._rows = n_paths, rows
        self._next = itertools.count()  # next() on it is atomic under the GIL
        self._stopped = False

    def stop(self) -> None:
        """Hand out no further block (the run has failed)."""
        self._stopped = True

    def __len__(self) -> int:
        return -(-self._n_paths // self._rows)

    def __iter__(self):
        while not self._stopped and (r0 := next(self._next) * self._rows) < self._n_paths:
            yield r0, min(self._rows, self._n_paths - r0)


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

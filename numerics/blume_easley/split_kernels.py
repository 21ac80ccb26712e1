"""Compiled stages of the split route (see :mod:`.split_route`): running sums, shares,
prices of one block, calling the generated numba formulas.

A block is ``rows`` whole paths of ``cols`` dates (or a run of dates of one path),
which is one contiguous run of the flattened ``(paths, dates)`` arrays; every
array here is such a flat run.  The element-wise loops are written so that LLVM
vectorises them: flat unit-stride indexing, no branch that can raise (the
generated formulas they inline use numba's NumPy error model), and the loop-carried
running sums kept in a loop of their own over a chunk of :data:`SEGMENT`
path-periods whose values stay in L1 between the loops.
"""

import numpy as np
from numba import njit

from foresight.numerics.generated.blume_easley import (
    beta_log_density_from_logs,
    consumption_shares_from_weight_ratio,
    log_allocation_weight,
    log_state_price,
)

#: Path-periods per chunk of stage 2: its two buffers (2 x 4 KiB) stay in L1.  Stage 2
#: per block of 131,000 (hot cache, best of 5 x 50): 256 274 us, 512 250, 1024 249, 2048 329.
SEGMENT = 512


@njit(cache=True, nogil=True)
def running_weights(log_state, log_complement, z_max, cols, a, b, log_beta, log_pareto,
                    gamma, running, log_l, log_joint):
    """Stage 2: running log densities, ``log l_t``, and the weight gap of each date.

    Reads ``log s`` and ``log(1 - s)`` of the block (path ``i``'s dates start at
    ``i * cols``); overwrites `log_state` with ``-|z_1 - z_0|`` and
    `log_complement` with ``z_1 - z_0`` (its sign says whose share is larger);
    `z_max` (if not empty) receives ``max(z_0, z_1)``, `log_l` ``log l_t`` and
    `log_joint` (interleaved) each agent's ``log pi^i_t``.  `running` carries
    each path's two sums from one block of dates to the next.  Returns whether
    every draw lies in (0, 1), read from ``log s``: in (-inf, 0) exactly then.
    """
    if gamma == 1.0:
        # A literal 1.0 lets LLVM drop the generated formula's division by gamma
        # (x / 1.0 is x exactly).
        return _running_weights_body(log_state, log_complement, z_max, cols, a, b,
                                     log_beta, log_pareto, 1.0, running, log_l, log_joint)
    return _running_weights_body(log_state, log_complement, z_max, cols, a, b, log_beta,
                                 log_pareto, gamma, running, log_l, log_joint)


@njit(cache=True, nogil=True, inline="always")
def _running_weights_body(log_state, log_complement, z_max, cols, a, b, log_beta,
                          log_pareto, gamma, running, log_l, log_joint):
    a0, a1, b0, b1 = a[0], a[1], b[0], b[1]
    lb0, lb1, lp0, lp1 = log_beta[0], log_beta[1], log_pareto[0], log_pareto[1]
    want_log_l = log_l.shape[0] > 0
    want_joint = log_joint.shape[0] > 0
    want_max = z_max.shape[0] > 0
    # A chunk is whole paths when they fit in a segment (fewer, longer vector
    # loops: 100-date paths spent a third of this stage in loop set-up), else a
    # run of one path's dates; either way one contiguous run of the block.
    n_rows = log_state.shape[0] // cols
    per_row = min(SEGMENT, cols)
    rows_per_chunk = max(1, SEGMENT // cols)
    pi0 = np.empty(rows_per_chunk * per_row)
    pi1 = np.empty(rows_per_chunk * per_row)
    inside = True
    for i0 in range(0, n_rows, rows_per_chunk):
        r = min(rows_per_chunk, n_rows - i0)
        for k0 in range(0, cols, per_row):
            width = min(per_row, cols - k0)
            lo = i0 * cols + k0
            n = r * width
            u = log_state[lo:lo + n]
            v = log_complement[lo:lo + n]
            for k in range(n):
                # s is in (0, 1) exactly when log s is in (-inf, 0); NaN fails both
                inside &= (u[k] > -np.inf) & (u[k] < 0.0)
                pi0[k] = beta_log_density_from_logs(u[k], v[k], a0, b0, lb0)
                pi1[k] = beta_log_density_from_logs(u[k], v[k], a1, b1, lb1)
            for q in range(r):  # the running sums: each path's dates in order
                acc0 = running[i0 + q, 0]
                acc1 = running[i0 + q, 1]
                for k in range(q * width, (q + 1) * width):
                    acc0 += pi0[k]
                    acc1 += pi1[k]
                    pi0[k] = acc0
                    pi1[k] = acc1
                running[i0 + q, 0] = acc0
                running[i0 + q, 1] = acc1
            if want_log_l:
                out = log_l[lo:lo + n]
                for k in range(n):
                    out[k] = pi0[k] - pi1[k]
            if want_joint:
                pair = log_joint[2 * lo:2 * (lo + n)]
                for k in range(n):
                    pair[2 * k] = pi0[k]
                    pair[2 * k + 1] = pi1[k]
            if want_max:
                larger = z_max[lo:lo + n]
                for k in range(n):
                    z0 = log_allocation_weight(lp0, pi0[k], gamma)
                    z1 = log_allocation_weight(lp1, pi1[k], gamma)
                    gap = z1 - z0
                    larger[k] = z0 if gap <= 0.0 else z1
                    u[k] = -abs(gap)
                    v[k] = gap
            else:
                for k in range(n):
                    gap = (log_allocation_weight(lp1, pi1[k], gamma)
                           - log_allocation_weight(lp0, pi0[k], gamma))
                    u[k] = -abs(gap)
                    v[k] = gap
    return inside


@njit(cache=True, nogil=True)
def shares_from_ratios(ratio, gap, shares, keep_larger):
    """Stage 4: both shares (interleaved in `shares`) from ``r = exp(-|gap|)``; with
    `keep_larger`, the larger share replaces ``r`` (its log gives the prices)."""
    n = ratio.shape[0]
    if shares.shape[0] > 0:
        out = shares[:2 * n]
        for j in range(n):
            big, small = consumption_shares_from_weight_ratio(ratio[j])
            first = gap[j] <= 0.0  # agent 0 has the larger weight
            out[2 * j] = big if first else small
            out[2 * j + 1] = small if first else big
    if keep_larger:
        for j in range(n):
            ratio[j] = consumption_shares_from_weight_ratio(ratio[j])[0]


@njit(cache=True, nogil=True)
def prices_from_shares(log_larger_share, z_max, cols, t0, log_discount, gamma, aggregate,
                       log_prices):
    """Stage 5: ``log p_t`` from ``log sum_j exp(z_j) = z_max - log c_max``; the block's
    first column is date `t0`."""
    for i in range(log_larger_share.shape[0] // cols):
        for k in range(cols):
            j = i * cols + k
            log_prices[j] = log_state_price(float(t0 + k), log_discount,
                                            z_max[j] - log_larger_share[j], gamma, aggregate)

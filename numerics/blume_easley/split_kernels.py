"""Compiled stages of the split route (see :mod:`.split_route`): running sums, shares,
prices of one block, calling the generated numba formulas."""

from numba import njit

from foresight.numerics.blume_easley.constants import _NOT_FINITE
from foresight.numerics.generated.blume_easley import (
    beta_log_density_from_logs,
    consumption_shares_from_weight_ratio,
    log_allocation_weight,
    log_state_price,
)


@njit(cache=True, nogil=True)
def running_weights(states, r0, t0, log_state, log_complement, z_max, a, b, log_beta,
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
def shares_from_ratios(ratio, gap, r0, t0, shares, keep_larger):
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
def prices_from_shares(log_larger_share, z_max, r0, t0, log_discount, gamma, aggregate, log_prices):
    """Stage 5: ``log p_t`` from ``log sum_j exp(z_j) = z_max - log c_max``."""
    m, w = log_larger_share.shape
    for i in range(m):
        for k in range(w):
            log_prices[r0 + i, t0 + k] = log_state_price(
                float(t0 + k), log_discount, z_max[i, k] - log_larger_share[i, k], gamma,
                aggregate)

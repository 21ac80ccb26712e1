"""numba kernels of the Blume–Easley simulator (log space, generated formulas)."""


import math

import numpy as np
from numba import njit, prange

from foresight.numerics.blume_easley.constants import (
    _NOT_FINITE,
    _ZERO_DENSITY,
    PERIODS_PER_PASS,
)
from foresight.numerics.generated.blume_easley import (
    beta_log_density_from_logs,
    consumption_share_softmax,
    consumption_shares_from_weight_gap,
    log_allocation_weight,
    log_mixture_density,
    log_state_price,
    mixture_posterior,
    scaled_likelihood,
)

# --------------------------------------------------------------------------
# Kernels
# --------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _fixed_log_density(log_state, log_complement, m, comp_start, comp_logw, comp_a, comp_b,
                       comp_lbeta):
    """Log density of continuous model `m` (a Beta mixture) from log s and log(1-s)."""
    c0, c1 = comp_start[m], comp_start[m + 1]
    if c1 - c0 == 1:
        return comp_logw[c0] + beta_log_density_from_logs(
            log_state, log_complement, comp_a[c0], comp_b[c0], comp_lbeta[c0])
    best = -math.inf
    for c in range(c0, c1):
        v = comp_logw[c] + beta_log_density_from_logs(
            log_state, log_complement, comp_a[c], comp_b[c], comp_lbeta[c])
        if v > best:
            best = v
    acc = 0.0
    for c in range(c0, c1):
        acc += math.exp(comp_logw[c] + beta_log_density_from_logs(
            log_state, log_complement, comp_a[c], comp_b[c], comp_lbeta[c]) - best)
    return best + math.log(acc)


@njit(cache=True, inline="always")
def _model_log_densities(x, state_index, kind, comp_start, comp_logw, comp_a, comp_b,
                         comp_lbeta, table, dens):
    """Log density of every belief model at one draw (log s, log(1-s) computed once)."""
    n_models = comp_start.shape[0] - 1 if kind == 0 else table.shape[0]
    if kind == 1:
        for m in range(n_models):
            dens[m] = table[m, state_index]
        return
    log_state = math.log(x)
    # 1 - x is exact for x >= 1/2 and has relative error <= eps/2 otherwise,
    # so log(1 - x) is as accurate as log1p(-x) for x in (0, 1).
    log_complement = math.log(1.0 - x)
    for m in range(n_models):
        dens[m] = _fixed_log_density(log_state, log_complement, m, comp_start, comp_logw,
                                     comp_a, comp_b, comp_lbeta)


@njit(cache=True, inline="always")
def _predictive_update(i, agent_start, agent_model, logpost, dens, scratch):
    """Log predictive density of agent i at this draw; updates its log posterior.

    The predictive ``log sum_k post_{k,t-1} f_k(s_t)`` uses the posterior from
    the previous date (correct timing); the posterior is updated with this
    draw afterwards.  Summed over dates it is ``log pi^i_t(s^t)``.
    """
    j0, j1 = agent_start[i], agent_start[i + 1]
    if j1 - j0 == 1:
        return dens[agent_model[j0]]
    # Branch-free log-sum-exp (data-dependent branches mispredict half the time).
    if j1 - j0 == 2:
        v0 = logpost[j0] + dens[agent_model[j0]]
        v1 = logpost[j0 + 1] + dens[agent_model[j0 + 1]]
        best = max(v0, v1)
        if best == -math.inf or best != best:
            return best  # zero density (or NaN, flagged by the caller); posterior kept
        pred = best + math.log(1.0 + math.exp(min(v0, v1) - best))
        logpost[j0] = v0 - pred
        logpost[j0 + 1] = v1 - pred
        return pred
    best = -math.inf
    for j in range(j0, j1):
        v = logpost[j] + dens[agent_model[j]]
        scratch[j] = v
        best = max(best, v)
    if best == -math.inf or best != best:
        return best
    acc = 0.0
    for j in range(j0, j1):
        acc += math.exp(scratch[j] - best)
    pred = best + math.log(acc)
    for j in range(j0, j1):
        logpost[j] = scratch[j] - pred
    return pred


@njit(cache=True, inline="always")
def _allocate(z, n, shares_row, want_lse):
    """Shares (into `shares_row`) and log sum_j exp(z_j); NaN if all z are -inf.

    With two agents and ``want_lse`` False the log-sum is not computed (the
    value returned is then only a finite/NaN flag).
    """
    if n == 2:
        gap = z[1] - z[0]
        if gap != gap:
            return math.nan  # both -inf
        if gap <= 0.0:
            big, small = consumption_shares_from_weight_gap(gap)
            shares_row[0] = big
            shares_row[1] = small
            return z[0] - math.log(big) if want_lse else 0.0
        big, small = consumption_shares_from_weight_gap(-gap)
        shares_row[0] = small
        shares_row[1] = big
        return z[1] - math.log(big) if want_lse else 0.0
    zmax = -math.inf
    for i in range(n):
        if z[i] > zmax:
            zmax = z[i]
    if zmax == -math.inf:
        return math.nan
    acc = 0.0
    for i in range(n):
        acc += math.exp(z[i] - zmax)
    lse = zmax + math.log(acc)
    for i in range(n):
        shares_row[i] = consumption_share_softmax(z[i], lse)
    return lse


@njit(cache=True, inline="always")
def _record_date(p, t, logpi, z, row, shares, log_l, log_joint, log_prices, log_discount, gamma,
                 aggregate):
    """Allocate date `t` of path `p` from the log weights `z`; write the requested outputs.

    Shared by the general and the fixed-belief kernels so both produce the same
    numbers from the same joint densities `logpi`.  Returns ``_ZERO_DENSITY``
    when every agent gives the history probability zero, else 0.
    """
    n = z.shape[0]
    want_prices = log_prices.shape[0] > 0
    lse = _allocate(z, n, row, want_prices)
    if not (lse > -math.inf):
        return _ZERO_DENSITY
    if shares.shape[0] > 0:
        for i in range(n):
            shares[p, t, i] = row[i]
    if log_l.shape[0] > 0:
        log_l[p, t] = logpi[0] - logpi[1]
    if log_joint.shape[0] > 0:
        for i in range(n):
            log_joint[p, t, i] = logpi[i]
    if want_prices:
        log_prices[p, t] = log_state_price(float(t), log_discount, lse, gamma, aggregate)
    return 0


@njit(cache=True, parallel=True)
def _simulate_kernel(states, state_index, kind, comp_start, comp_logw, comp_a, comp_b, comp_lbeta,
                     table, agent_start, agent_model, agent_logprior, agent_slot, log_pareto,
                     gamma, log_discount, aggregate, shares, log_l, log_joint, posteriors,
                     log_prices, status):
    n_paths, n_periods = states.shape
    n = agent_start.shape[0] - 1
    n_models = comp_start.shape[0] - 1 if kind == 0 else table.shape[0]
    want_post = posteriors.shape[0] > 0
    n_prior = agent_logprior.shape[0]
    # Work arrays allocated once (allocating inside the parallel loop costs
    # more than the arithmetic of a short path).
    dens_all = np.empty((n_paths, n_models))
    logpost_all = np.empty((n_paths, n_prior))
    scratch_all = np.empty((n_paths, n_prior))
    work_all = np.empty((n_paths, 3, n))
    for p in prange(n_paths):
        dens = dens_all[p]
        logpost = logpost_all[p]
        logpost[:] = agent_logprior
        scratch = scratch_all[p]
        logpi = work_all[p, 0]
        logpi[:] = 0.0
        z = work_all[p, 1]
        row = work_all[p, 2]
        code = 0
        for t in range(n_periods):
            x = states[p, t]
            if kind == 0 and not (0.0 < x < 1.0):
                code = _NOT_FINITE
                break
            _model_log_densities(x, state_index[p, t] if kind == 1 else 0, kind, comp_start,
                                 comp_logw, comp_a, comp_b, comp_lbeta, table, dens)
            for i in range(n):
                logpi[i] += _predictive_update(i, agent_start, agent_model, logpost, dens,
                                               scratch)
                z[i] = log_allocation_weight(log_pareto[i], logpi[i], gamma)
                if not (z[i] < math.inf):  # +inf or NaN
                    code = _NOT_FINITE
            if code != 0:
                break
            code = _record_date(p, t, logpi, z, row, shares, log_l, log_joint, log_prices,
                                log_discount, gamma, aggregate)
            if code != 0:
                break
            if want_post:
                for i in range(n):
                    j0 = agent_start[i]
                    for j in range(j0, agent_start[i + 1]):
                        posteriors[p, t, i, agent_slot[j]] = math.exp(logpost[j])
        status[p] = code


@njit(cache=True)
def _learner_log_joint(i, agent_start, agent_model, agent_prior, agent_slot, loglik, m,
                       rho_shared, scaled_only, log_joint_row, rho, posteriors, p, c0,
                       want_post):
    """``log pi^i`` of agent `i` at the `m` dates of one pass, by Bayes on the whole history.

    ``loglik[j, k]`` is model j's cumulative log-likelihood ``l_j`` at date
    ``c0 + k``; ``log pi = r + log sum_j w_j exp(l_j - r)`` with ``r = max_j l_j``
    (:func:`~foresight.derivations.blume_easley.mixture_density_in_logs`).  Two
    models need one exponential, ``exp(-|l_a - l_b|)`` (kept in `rho`, and
    reused when `rho_shared`: the other agent has the same two models).  With
    `scaled_only` (two models) the row gets ``S = sum_j w_j exp(l_j - r)``, not
    its log.
    """
    j0, j1 = agent_start[i], agent_start[i + 1]
    if j1 - j0 == 1:  # fixed belief: its model's log-likelihood
        row = loglik[agent_model[j0]]
        for k in range(m):
            log_joint_row[k] = row[k]
        if want_post:
            for k in range(m):
                posteriors[p, c0 + k, i, agent_slot[j0]] = 1.0
        return
    if j1 - j0 == 2:
        la, lb = loglik[agent_model[j0]], loglik[agent_model[j0 + 1]]
        wa, wb = agent_prior[j0], agent_prior[j0 + 1]
        if not rho_shared:
            for k in range(m):
                rho[k] = scaled_likelihood(min(la[k], lb[k]), max(la[k], lb[k]))
        for k in range(m):
            top = la[k] >= lb[k]  # selects, not branches: the likelier model flips often
            ra = 1.0 if top else rho[k]
            rb = rho[k] if top else 1.0
            mix = wa * ra + wb * rb
            if scaled_only:
                log_joint_row[k] = mix
            else:
                log_joint_row[k] = log_mixture_density(la[k] if top else lb[k], mix)
            if want_post:
                posteriors[p, c0 + k, i, agent_slot[j0]] = mixture_posterior(wa, ra, mix)
                posteriors[p, c0 + k, i, agent_slot[j0 + 1]] = mixture_posterior(wb, rb, mix)
        return
    for k in range(m):
        ref = -math.inf
        for j in range(j0, j1):
            ref = max(ref, loglik[agent_model[j], k])
        mix = 0.0
        for j in range(j0, j1):
            mix += agent_prior[j] * scaled_likelihood(loglik[agent_model[j], k], ref)
        log_joint_row[k] = log_mixture_density(ref, mix)
        if want_post:
            for j in range(j0, j1):
                posteriors[p, c0 + k, i, agent_slot[j]] = mixture_posterior(
                    agent_prior[j], scaled_likelihood(loglik[agent_model[j], k], ref), mix)


@njit(cache=True, parallel=True)
def _simulate_two_agent_beta_kernel(states, a, b, log_beta, agent_start, agent_model, agent_prior,
                                    agent_slot, rho_shared, block, log_pareto, gamma,
                                    log_discount, aggregate, shares, log_l, log_joint, posteriors,
                                    log_prices, status):
    """Fast path for two agents whose models are single Betas, at least one learning
    (two fixed believers take :mod:`.split_route`).

    Each model's cumulative log-likelihood ``l_j(s^t)`` is a running sum of
    ``beta_log_density_from_logs``; a learner's ``log pi^i_t`` is
    ``log sum_j w_j exp(l_j)`` (the product of its one-step predictive
    densities, :func:`~foresight.derivations.blume_easley.bayesian_learning`),
    so no exponential or logarithm sits on the chain from one date to the next.
    Dates are processed in passes of :data:`PERIODS_PER_PASS` (all ``log s``,
    then all ``l_j``, then each agent's ``log pi``, then shares and outputs), so
    the libm calls of different dates are independent and overlap in the CPU.

    A fixed believer's ``log pi``: the same arithmetic in the same order as
    :func:`_simulate_kernel`.  Learners: the batch form of
    Bayes' law instead of the general kernel's predictive chain, equal to
    rounding (``tests/test_numerics_be.py``).  Paths go in blocks of `block`
    to :func:`numba.prange`; the loop body is a plain function
    (:func:`_two_agent_paths`), which keeps numba's parallel passes (and the
    cold compile) short.
    """
    n_paths = states.shape[0]
    n_blocks = (n_paths + block - 1) // block
    for blk in prange(n_blocks):
        _two_agent_paths(blk * block, min(n_paths, (blk + 1) * block), states, a, b, log_beta,
                         agent_start, agent_model, agent_prior, agent_slot, rho_shared,
                         log_pareto, gamma, log_discount, aggregate, shares, log_l, log_joint,
                         posteriors, log_prices, status)


@njit(cache=True)
def _two_agent_paths(lo, hi, states, a, b, log_beta, agent_start, agent_model, agent_prior,
                     agent_slot, rho_shared, log_pareto, gamma, log_discount, aggregate, shares,
                     log_l, log_joint, posteriors, log_prices, status):
    """Paths ``lo:hi`` of :func:`_simulate_two_agent_beta_kernel` (work arrays allocated once)."""
    n_periods = states.shape[1]
    n_models = a.shape[0]
    want_shares = shares.shape[0] > 0
    want_log_l = log_l.shape[0] > 0
    want_joint = log_joint.shape[0] > 0
    want_post = posteriors.shape[0] > 0
    want_prices = log_prices.shape[0] > 0
    width = min(PERIODS_PER_PASS, n_periods)
    # Both agents learn over the same two models, so their densities share the
    # reference r: shares and log l_t need only log pi^0 - log pi^1.
    relative = rho_shared and not (want_joint or want_prices)
    work = np.empty((5 + n_models, width))
    log_state, log_complement, rho, logpi0, logpi1 = work[0], work[1], work[2], work[3], work[4]
    loglik = work[5:]
    running = np.empty(n_models)
    for p in range(lo, hi):
        running[:] = 0.0
        code = 0
        for c0 in range(0, n_periods, width):
            m = min(n_periods - c0, width)
            draws = states[p, c0:c0 + m]
            for k in range(m):
                if not (0.0 < draws[k] < 1.0):
                    code = _NOT_FINITE
                    m = k
                    break
            for k in range(m):
                x = draws[k]
                log_state[k] = math.log(x)
                # 1 - x is exact for x >= 1/2, relative error <= eps/2 below
                log_complement[k] = math.log(1.0 - x)
            for j in range(n_models):
                aj, bj, lbj, acc, row = a[j], b[j], log_beta[j], running[j], loglik[j]
                for k in range(m):
                    acc += beta_log_density_from_logs(log_state[k], log_complement[k], aj, bj,
                                                      lbj)
                    row[k] = acc
                running[j] = acc
            _learner_log_joint(0, agent_start, agent_model, agent_prior, agent_slot, loglik, m,
                               False, relative, logpi0, rho, posteriors, p, c0, want_post)
            _learner_log_joint(1, agent_start, agent_model, agent_prior, agent_slot, loglik, m,
                               rho_shared, relative, logpi1, rho, posteriors, p, c0,
                               want_post)
            if relative:  # one log for both: log pi^0 - log pi^1 = log(S_0 / S_1)
                for k in range(m):
                    logpi0[k] = log_mixture_density(0.0, logpi0[k] / logpi1[k])
                    logpi1[k] = 0.0
            for k in range(m):
                t = c0 + k
                z0 = log_allocation_weight(log_pareto[0], logpi0[k], gamma)
                z1 = log_allocation_weight(log_pareto[1], logpi1[k], gamma)
                gap = z1 - z0
                if not (z0 < math.inf and z1 < math.inf and gap == gap):
                    code = _NOT_FINITE
                    break
                big, small = consumption_shares_from_weight_gap(-abs(gap))
                low = gap <= 0.0  # agent 0 has the larger weight
                if want_shares:
                    shares[p, t, 0] = big if low else small
                    shares[p, t, 1] = small if low else big
                if want_log_l:
                    log_l[p, t] = logpi0[k] - logpi1[k]
                if want_joint:
                    log_joint[p, t, 0] = logpi0[k]
                    log_joint[p, t, 1] = logpi1[k]
                if want_prices:
                    log_prices[p, t] = log_state_price(
                        float(t), log_discount, (z0 if low else z1) - math.log(big), gamma,
                        aggregate)
            if code != 0:
                break
        status[p] = code


@njit(cache=True, parallel=True)
def _simulate_fixed_kernel(states, comp_start, comp_logw, comp_a, comp_b, comp_lbeta,
                           agent_model, log_pareto, gamma, log_discount, aggregate, shares, log_l,
                           log_joint, log_prices, status):
    """Fast path of :func:`_simulate_kernel`: fixed beliefs, continuous models.

    Same arithmetic in the same order (results are identical), without the
    learning machinery: each agent's predictive density is its one model's.
    """
    n_paths, n_periods = states.shape
    n = agent_model.shape[0]
    work_all = np.empty((n_paths, 3, n))
    for p in prange(n_paths):
        logpi = work_all[p, 0]
        logpi[:] = 0.0
        z = work_all[p, 1]
        row = work_all[p, 2]
        code = 0
        for t in range(n_periods):
            x = states[p, t]
            if not (0.0 < x < 1.0):
                code = _NOT_FINITE
                break
            log_state = math.log(x)
            log_complement = math.log(1.0 - x)  # as accurate as log1p(-x) on (0, 1)
            for i in range(n):
                logpi[i] += _fixed_log_density(log_state, log_complement, agent_model[i],
                                               comp_start, comp_logw, comp_a, comp_b, comp_lbeta)
                z[i] = log_allocation_weight(log_pareto[i], logpi[i], gamma)
                if not (z[i] < math.inf):
                    code = _NOT_FINITE
            if code != 0:
                break
            code = _record_date(p, t, logpi, z, row, shares, log_l, log_joint, log_prices,
                                log_discount, gamma, aggregate)
            if code != 0:
                break
        status[p] = code

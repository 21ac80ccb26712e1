"""Simulate the Blume–Easley economy on N paths x T periods (numba, log space).

Agents hold fixed beliefs or learn by Bayes' law over a finite set of models;
nature draws ``s_t`` iid from a Beta, a Beta mixture or a
:class:`~foresight.derivations.blume_easley.DiscreteStates` law.  For every
path and date the simulator carries each agent's log joint density
``log pi^i_t(s^t)`` as the chain of one-step predictive densities (the belief
that prices ``s_t`` is the posterior from ``s^{t-1}``), and evaluates the
planner's allocation and the competitive price with the generated kernels of
:mod:`foresight.numerics.generated.blume_easley`:

* ``z_i = log_allocation_weight(log lambda_i, log pi^i_t, gamma)``;
* shares ``c_i / Y`` = ``consumption_shares_from_weight_gap`` (two agents, one
  exponential) or ``consumption_share_softmax`` (n agents) — finite for any
  ``T`` because only differences of log weights are exponentiated;
* ``log p_t = log_state_price(t, log delta, log sum_j exp z_j, gamma, Y)``.

Random numbers: paths are grouped in blocks of :data:`PATHS_PER_STREAM`; block
``b`` draws its ``(paths, T)`` states from
``foresight.numerics.montecarlo.path_rng(seed, b)`` (the ``b``-th child of
``SeedSequence(seed)``).  Blocks are sampled on a thread pool and paths are
simulated with ``numba.prange``; neither the number of sampling threads nor
the number of numba threads changes any result.

Kernels: two agents whose models are single Betas (fixed beliefs or
learners, the lecture's and Exercises 23.2-23.4's economies) take
:func:`_simulate_two_agent_beta_kernel`: cumulative log-likelihoods per model
and Bayes' law on the whole history (``log pi = r + log sum_k w_k
exp(l_k - r)``), dates in passes so that libm calls overlap; fixed
beliefs give results identical to the general kernel, learners equal to
rounding.  Other fixed beliefs take :func:`_simulate_fixed_kernel`;
everything else (n agents, Beta-mixture models, DiscreteStates) the general
:func:`_simulate_kernel`, which carries each learner's posterior from date
to date (the one-step predictive chain).

Cost model (``benchmarks/bench_blume_easley.py``, AMD EPYC (znver2), one
thread): two agents with fixed Beta beliefs about 30 ns per path-period (two
``log`` and one ``exp`` per draw, scalar libm, plus writing the outputs);
two learners over the same two models about 50 ns (one more ``exp`` and one
``log``), two models against three about 85 ns; the general kernel about
105-125 ns; sampling a Beta draw 25-60 ns.  First calls compile the kernels
(a few seconds each, then cached on disk).

Examples
--------
>>> from foresight.derivations.distributions import Beta, Mixture
>>> econ = lecture_economy(Beta(1, 1), Beta(3, 1.2))
>>> h = Mixture((0.5, 0.5), (Beta(1, 1), Beta(3, 1.2)))
>>> sim = simulate(econ, h, n_paths=4, n_periods=3, seed=0)
>>> sim.shares.shape, sim.log_likelihood_ratio.shape, sim.log_prices is None
((4, 3, 2), (4, 3), True)
>>> bool(abs(sim.shares.sum(axis=-1) - 1).max() < 1e-15)
True
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from foresight.derivations.blume_easley import (
    Belief,
    DiscreteStates,
    ExchangeEconomy,
    fixed_belief,
)
from foresight.derivations.distributions import Beta, Mixture, as_distribution
from foresight.errors import (
    ForesightError,
    ParameterError,
    did_you_mean,
    require_open_interval,
    require_positive_int,
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

__all__ = [
    "OUTPUTS",
    "PATHS_PER_STREAM",
    "SimulationError",
    "SimulationResult",
    "lecture_economy",
    "sample_states",
    "simulate",
    "simulate_on_states",
]

#: Paths that share one random stream (block ``b`` uses ``path_rng(seed, b)``).
PATHS_PER_STREAM = 256
#: Output arrays :func:`simulate` can return besides ``states``.
OUTPUTS = ("shares", "log_likelihood_ratio", "log_joint_density", "posteriors", "log_prices")
#: Largest total size of the requested arrays (bytes) before simulate refuses.
MAX_OUTPUT_BYTES = 8 * 2**30
#: Path-periods simulated per chunk (bounds the step of the progress bar).
CHUNK_PATH_PERIODS = 2**22
#: Dates per pass of the two-agent kernel (its work arrays are this wide).
PERIODS_PER_PASS = 64

# Status codes written by the kernels (0 = fine).
_ZERO_DENSITY = 1  # every agent gives the drawn history density zero: no price
_NOT_FINITE = 2  # a log density is +inf or NaN (a draw on the boundary of (0, 1))

_CONTINUOUS, _DISCRETE = 0, 1
_TINY = float(np.finfo(float).tiny)  # smallest normal float


class SimulationError(ForesightError, RuntimeError):
    """A simulated path left the domain where the model is defined."""


# --------------------------------------------------------------------------
# Economies
# --------------------------------------------------------------------------


def lecture_economy(f, g, pareto_weight: float = 0.5, **kw) -> ExchangeEconomy:
    """The lecture's economy: agent 1 believes `f`, agent 2 believes `g` (fixed, iid).

    Log utility, ``y_1 = s``, ``y_2 = 1 - s`` unless `kw` says otherwise
    (any keyword of :class:`~foresight.derivations.blume_easley.ExchangeEconomy`).

    Parameters
    ----------
    f, g : Beta, Mixture, DiscreteStates or spec string
    pareto_weight : float
        lambda in (0, 1), the weight of agent 1.

    Examples
    --------
    >>> e = lecture_economy("beta(1,1)", "beta(3,1.2)", pareto_weight=0.3)
    >>> e.pareto_weights, e.gamma
    ((0.3, 0.7), 1.0)
    """
    lam = require_open_interval("pareto_weight", pareto_weight, 0.0, 1.0)
    beliefs = (fixed_belief(_as_model(f, "f")), fixed_belief(_as_model(g, "g")))
    return ExchangeEconomy(beliefs, (lam, 1.0 - lam), **kw)


def _as_model(dist, name: str):
    if isinstance(dist, DiscreteStates):
        return dist
    try:
        return as_distribution(dist)
    except ParameterError:
        raise
    except Exception:  # not a distribution at all
        raise ParameterError(
            name, dist, "a Beta, a Mixture, a DiscreteStates or a spec such as 'beta(1,1)'"
        ) from None


# --------------------------------------------------------------------------
# Model tables: every distinct belief model, in arrays for the kernels
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tables:
    """Arrays describing the beliefs of an economy (see :func:`_tables`)."""

    kind: int
    models: tuple
    comp_start: np.ndarray  # (M + 1,) component ranges per model (continuous)
    comp_logw: np.ndarray
    comp_a: np.ndarray
    comp_b: np.ndarray
    comp_lbeta: np.ndarray  # log B(a, b) per component
    grid: np.ndarray  # (V,) state values (discrete)
    table: np.ndarray  # (M, V) log probabilities (discrete)
    agent_start: np.ndarray  # (n + 1,) ranges into agent_model / agent_logprior
    agent_model: np.ndarray
    agent_logprior: np.ndarray
    agent_prior: np.ndarray  # the same priors, not in logs (two-agent kernel)
    agent_slot: np.ndarray  # index of each entry in its belief's models (for posteriors)
    max_models: int
    single_beta: bool  # continuous, every model one Beta (the two-agent kernel applies)
    agent_prior_min: float  # smallest positive prior of any agent


def _kind(model) -> int:
    if isinstance(model, DiscreteStates):
        return _DISCRETE
    if isinstance(model, Beta | Mixture):
        return _CONTINUOUS
    raise ParameterError("belief model", model, "a Beta, a Mixture or a DiscreteStates")


def _tables(economy: ExchangeEconomy, extra_models=()) -> _Tables:
    from scipy.special import betaln

    if not isinstance(economy, ExchangeEconomy):
        raise ParameterError("economy", type(economy).__name__, "an ExchangeEconomy")
    models: list = []
    for belief in economy.beliefs:
        if not isinstance(belief, Belief):
            raise ParameterError("belief", belief, "a Belief (see fixed_belief)")
        # A model with prior zero keeps posterior zero: it is left out of the tables.
        for m, w in zip(belief.models, belief.prior, strict=True):
            if w > 0 and m not in models:
                models.append(m)
    for m in extra_models:
        if m not in models:
            models.append(m)
    kinds = {_kind(m) for m in models}
    if len(kinds) != 1:
        raise ParameterError(
            "beliefs", [getattr(m, "spec", lambda m=m: repr(m))() for m in models],
            "all continuous (Beta/Mixture) or all DiscreteStates",
        )
    kind = kinds.pop()
    comp_start, logw, a, b = [0], [], [], []
    grid = np.zeros(0)
    table = np.zeros((len(models), 0))
    if kind == _CONTINUOUS:
        for m in models:
            w, ma, mb = m.components_arrays()
            for wk, ak, bk in zip(w, ma, mb, strict=True):
                if wk > 0:
                    logw.append(math.log(wk))
                    a.append(ak)
                    b.append(bk)
            comp_start.append(len(a))
    else:
        grid = np.array(sorted({v for m in models for v in m.values}), dtype=float)
        table = np.full((len(models), grid.size), -np.inf)
        for k, m in enumerate(models):
            for v, p in zip(m.values, m.probs, strict=True):
                if p > 0:
                    j = int(np.searchsorted(grid, v))
                    table[k, j] = np.logaddexp(table[k, j], math.log(p))
    a_arr, b_arr = np.array(a, dtype=float), np.array(b, dtype=float)
    agent_start, agent_model, agent_prior, agent_slot = [0], [], [], []
    for belief in economy.beliefs:
        for k, (m, w) in enumerate(zip(belief.models, belief.prior, strict=True)):
            if w > 0:
                agent_model.append(models.index(m))
                agent_prior.append(float(w))
                agent_slot.append(k)
        agent_start.append(len(agent_model))
    return _Tables(
        kind=kind,
        models=tuple(models),
        comp_start=np.array(comp_start, dtype=np.int64),
        comp_logw=np.array(logw, dtype=float),
        comp_a=a_arr,
        comp_b=b_arr,
        comp_lbeta=np.asarray(betaln(a_arr, b_arr), dtype=float),
        grid=grid,
        table=table,
        agent_start=np.array(agent_start, dtype=np.int64),
        agent_model=np.array(agent_model, dtype=np.int64),
        agent_logprior=np.array([math.log(w) for w in agent_prior], dtype=float),
        agent_prior=np.array(agent_prior, dtype=float),
        agent_slot=np.array(agent_slot, dtype=np.int64),
        max_models=max(len(bl.models) for bl in economy.beliefs),
        single_beta=kind == _CONTINUOUS and len(a) == len(models) and not any(logw),
        agent_prior_min=min(agent_prior),
    )


# --------------------------------------------------------------------------
# Sampling states (numpy Generators, one per block of paths)
# --------------------------------------------------------------------------


def _as_nature(nature):
    if isinstance(nature, DiscreteStates):
        return nature
    try:
        return as_distribution(nature)
    except ParameterError:
        raise
    except Exception:
        raise ParameterError(
            "nature", nature, "a Beta, a Mixture, a DiscreteStates or a spec such as 'beta(1,1)'"
        ) from None


def _beta_draws(rng: np.random.Generator, a: float, b: float, size) -> np.ndarray:
    """Beta(a, b) draws: ``X / (X + Y)``, ``X ~ Gamma(a)``, ``Y ~ Gamma(b)`` when a, b >= 1.

    numpy's ``beta`` uses the same representation unless both shapes are
    <= 1, where it switches to Johnk's rejection method (5x slower at
    ``a = b = 1``); that method is kept for shapes below one, where the ratio
    of gammas loses precision.
    """
    if a >= 1.0 and b >= 1.0:
        x = rng.standard_gamma(a, size)
        y = rng.standard_gamma(b, size)
        x /= x + y
        return x
    return rng.beta(a, b, size=size)


def _draw(dist, rng: np.random.Generator, shape) -> np.ndarray:
    """Draws of `dist` with `rng`, filled in a fixed order (deterministic per stream)."""
    if isinstance(dist, DiscreteStates):
        cum = np.cumsum(dist.probs)
        u = rng.random(shape)
        idx = np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(cum) - 1)
        return np.asarray(dist.values, dtype=float)[idx]
    w, a, b = dist.components_arrays()
    if len(w) == 1:
        return _beta_draws(rng, a[0], b[0], shape)
    cum = np.cumsum(w)
    comp = np.minimum(np.searchsorted(cum / cum[-1], rng.random(shape), side="right"), len(w) - 1)
    out = np.empty(shape)
    for k in range(len(w)):
        mask = comp == k
        count = int(mask.sum())
        if count:
            out[mask] = _beta_draws(rng, a[k], b[k], count)
    return out


def _n_threads() -> int:
    import numba

    return max(1, int(numba.get_num_threads()))


def _fill_blocks(out: np.ndarray, seed, first_block: int, fill) -> None:
    """Call ``fill(rng, rows_view)`` for each block of rows in `out`, on a thread pool."""
    from foresight.numerics.montecarlo import path_rng

    n_rows = out.shape[0]
    jobs = []
    for b in range(first_block, first_block + -(-n_rows // PATHS_PER_STREAM)):
        lo = (b - first_block) * PATHS_PER_STREAM
        hi = min(lo + PATHS_PER_STREAM, n_rows)
        jobs.append((b, lo, hi))

    def work(job):
        b, lo, hi = job
        fill(path_rng(seed, b), out[lo:hi])

    threads = min(_n_threads(), len(jobs))
    if threads <= 1:
        for job in jobs:
            work(job)
    else:  # numpy's samplers release the GIL: blocks fill in parallel
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(work, jobs))


def sample_states(nature, n_paths: int, n_periods: int, seed) -> np.ndarray:
    """The ``(n_paths, n_periods)`` iid draws of nature that :func:`simulate` uses.

    Block ``b`` of :data:`PATHS_PER_STREAM` paths is filled from
    ``path_rng(seed, b)`` as one array (all of one gamma variate, then the
    other), so the paths of a complete block never depend on `n_paths`, but
    those of a partial last block do (its draws are laid out for its row count).

    Examples
    --------
    >>> s = sample_states("beta(3, 1.2)", 3, 4, seed=1)
    >>> s.shape, bool(((s > 0) & (s < 1)).all())
    ((3, 4), True)
    """
    nature = _as_nature(nature)
    n_paths = require_positive_int("n_paths", n_paths)
    n_periods = require_positive_int("n_periods", n_periods)
    out = np.empty((n_paths, n_periods))
    _fill_blocks(out, seed, 0,
                 lambda rng, rows: rows.__setitem__(slice(None), _draw(nature, rng, rows.shape)))
    return out


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
    """Fast path for two agents whose models are single Betas (fixed or learning).

    Each model's cumulative log-likelihood ``l_j(s^t)`` is a running sum of
    ``beta_log_density_from_logs``; a learner's ``log pi^i_t`` is
    ``log sum_j w_j exp(l_j)`` (the product of its one-step predictive
    densities, :func:`~foresight.derivations.blume_easley.bayesian_learning`),
    so no exponential or logarithm sits on the chain from one date to the next.
    Dates are processed in passes of :data:`PERIODS_PER_PASS` (all ``log s``,
    then all ``l_j``, then each agent's ``log pi``, then shares and outputs), so
    the libm calls of different dates are independent and overlap in the CPU.

    Fixed beliefs: the same arithmetic in the same order as
    :func:`_simulate_kernel` (identical results).  Learners: the batch form of
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


# --------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What :func:`simulate` returns; arrays not requested are None.

    Attributes
    ----------
    states : ndarray (N, T)
        Nature's draws ``s_0 .. s_{T-1}``; column ``t`` is date ``t``.
    shares : ndarray (N, T, n) or None
        Consumption shares ``c^i_t(s^t) / Y``.
    log_likelihood_ratio : ndarray (N, T) or None
        ``log l_t = log pi^1_t(s^t) - log pi^2_t(s^t)`` (agent 1 vs agent 2;
        for fixed beliefs ``sum_{tau <= t} log f(s_tau) - log g(s_tau)``).
        ``+-inf`` only when one agent gives the history probability zero.
    log_joint_density : ndarray (N, T, n) or None
        ``log pi^i_t(s^t)``: for learners the sum of one-step predictive log
        densities, each using the posterior from ``s^{t-1}``.
    posteriors : ndarray (N, T, n, K) or None
        Agent ``i``'s posterior over its models *after* observing ``s_t``
        (the belief that prices ``s_{t+1}``); ``K`` is the largest number of
        models of any agent, padded with 0.
    log_prices : ndarray (N, T) or None
        ``log p_t(s^t)`` with multipliers ``mu_i = 1/lambda_i``.
    """

    economy: ExchangeEconomy
    nature: object
    seed: object
    n_paths: int
    n_periods: int
    states: np.ndarray
    shares: np.ndarray | None = None
    log_likelihood_ratio: np.ndarray | None = None
    log_joint_density: np.ndarray | None = None
    posteriors: np.ndarray | None = None
    log_prices: np.ndarray | None = None

    def __repr__(self) -> str:
        have = [k for k in OUTPUTS if getattr(self, k) is not None]
        return (f"SimulationResult({self.n_paths} paths x {self.n_periods} periods, "
                f"outputs={have})")


def _validate_outputs(outputs) -> tuple[str, ...]:
    if isinstance(outputs, str):
        outputs = (outputs,)
    out = []
    for name in outputs:
        if name not in OUTPUTS:
            raise ParameterError("outputs", name, ", ".join(OUTPUTS),
                                 hint=did_you_mean(str(name), OUTPUTS))
        if name not in out:
            out.append(name)
    return tuple(out)


def _validate_kernel(kernel) -> bool:
    """True for ``"auto"`` (fast paths allowed), False for ``"general"``."""
    if kernel not in ("auto", "general"):
        raise ParameterError("kernel", kernel, "'auto' or 'general'")
    return kernel == "auto"


def _check_domain(nature, tables: _Tables) -> None:
    nature_kind = _kind(nature) if not isinstance(nature, DiscreteStates) else _DISCRETE
    if nature_kind != tables.kind:
        raise ParameterError(
            "nature", nature.spec(),
            "a DiscreteStates law when beliefs are DiscreteStates, a Beta or Mixture otherwise",
        )


def _state_index(states: np.ndarray, grid: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(grid, states)
    idx = np.minimum(idx, grid.size - 1)
    if not np.array_equal(grid[idx], states):
        bad = float(states[grid[idx] != states][0])
        raise ParameterError("nature", f"a draw s = {bad:g}",
                             f"states some agent's beliefs include: {list(grid)}")
    return idx.astype(np.int64)


def _allocate_outputs(outputs, n_paths, n_periods, n, k):
    shapes = {
        "shares": (n_paths, n_periods, n),
        "log_likelihood_ratio": (n_paths, n_periods),
        "log_joint_density": (n_paths, n_periods, n),
        "posteriors": (n_paths, n_periods, n, k),
        "log_prices": (n_paths, n_periods),
    }
    empty = {"shares": (0, 0, 0), "log_likelihood_ratio": (0, 0),
             "log_joint_density": (0, 0, 0), "posteriors": (0, 0, 0, 0), "log_prices": (0, 0)}
    total = 8 * n_paths * n_periods * (1 + sum(
        math.prod(shapes[o][2:]) for o in outputs))
    if total > MAX_OUTPUT_BYTES:
        raise ParameterError(
            "n_paths x n_periods", f"{n_paths} x {n_periods}",
            f"outputs of at most {MAX_OUTPUT_BYTES / 2**30:g} GiB "
            f"(these need {total / 2**30:.3g} GiB)",
            hint="request fewer outputs or simulate in several runs with different seeds",
        )
    arrays = {}
    for name in OUTPUTS:
        if name in outputs:
            arrays[name] = np.zeros(shapes[name]) if name == "posteriors" else np.empty(
                shapes[name])
        else:
            arrays[name] = np.empty(empty[name])
    return arrays


def simulate(economy: ExchangeEconomy, nature, n_paths: int, n_periods: int, *, seed,
             outputs=("shares", "log_likelihood_ratio"), progress: bool = False,
             kernel: str = "auto") -> SimulationResult:
    """Simulate `n_paths` histories of `n_periods` draws and the economy along them.

    Parameters
    ----------
    economy : ExchangeEconomy
        Agents' beliefs (fixed or learning, any number of models), Pareto
        weights, ``gamma``, discount, endowments.
    nature : Beta, Mixture, DiscreteStates or spec string
        Nature's iid law of ``s_t``.  DiscreteStates nature goes with
        DiscreteStates beliefs (probabilities), continuous with continuous.
    n_paths, n_periods : int
        ``N >= 1``, ``T >= 1``.
    seed : int or numpy.random.SeedSequence
        Root of the streams (block ``b`` of paths uses ``path_rng(seed, b)``).
    outputs : sequence of str
        Any of :data:`OUTPUTS`; the others are returned as None.
    progress : bool
        Show a tqdm bar (advances per chunk of paths).
    kernel : {"auto", "general"}
        ``"auto"`` takes the fastest kernel for the economy; ``"general"``
        forces the general kernel (learners carried by the predictive chain),
        a second route for checks.  Results agree to rounding.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ParameterError
        Invalid sizes, seed, outputs, or beliefs/nature of mixed kinds.
    SimulationError
        A draw where the model is undefined (a Beta draw rounded to 0 or 1,
        or a history all agents deem impossible).

    Examples
    --------
    >>> from foresight.derivations.blume_easley import Belief, ExchangeEconomy
    >>> from foresight.derivations.distributions import Beta
    >>> f, g = Beta(1.5, 1), Beta(1, 1.5)
    >>> e = ExchangeEconomy((Belief((f, g), (0.3, 0.7)), Belief((f, g), (0.7, 0.3))), (0.5, 0.5))
    >>> sim = simulate(e, f, 2, 5, seed=3, outputs=("shares", "posteriors"))
    >>> sim.posteriors.shape
    (2, 5, 2, 2)
    """
    if not isinstance(economy, ExchangeEconomy):
        raise ParameterError("economy", type(economy).__name__, "an ExchangeEconomy")
    nature = _as_nature(nature)
    n_paths = require_positive_int("n_paths", n_paths)
    n_periods = require_positive_int("n_periods", n_periods)
    outputs = _validate_outputs(outputs)
    fast_paths = _validate_kernel(kernel)
    from foresight.numerics.montecarlo import _Seed

    _Seed.parse(seed)  # validates the seed before any work
    tables = _tables(economy)
    _check_domain(nature, tables)
    arrays = _allocate_outputs(outputs, n_paths, n_periods, economy.n_agents, tables.max_models)
    states = np.empty((n_paths, n_periods))
    status = np.zeros(n_paths, dtype=np.int64)
    chunk_blocks = max(1, CHUNK_PATH_PERIODS // (n_periods * PATHS_PER_STREAM))
    chunk = chunk_blocks * PATHS_PER_STREAM
    from tqdm.auto import tqdm

    from foresight.numerics.montecarlo import _progress_disable

    bar = tqdm(total=n_paths, unit="path", desc="simulate", disable=_progress_disable(progress),
               leave=False)
    try:
        for lo in range(0, n_paths, chunk):
            hi = min(lo + chunk, n_paths)
            rows = states[lo:hi]
            _fill_blocks(rows, seed, lo // PATHS_PER_STREAM,
                         lambda rng, r: r.__setitem__(slice(None), _draw(nature, rng, r.shape)))
            _run_kernel(economy, tables, rows, arrays, lo, hi, status, fast_paths=fast_paths)
            bar.update(hi - lo)
    finally:
        bar.close()
    _raise_on_status(status, states, nature)
    return SimulationResult(
        economy=economy, nature=nature, seed=seed, n_paths=n_paths, n_periods=n_periods,
        states=states, **{name: (arrays[name] if name in outputs else None) for name in OUTPUTS},
    )


def _run_kernel(economy, tables: _Tables, rows, arrays, lo, hi, status, *,
                fast_paths: bool = True) -> None:
    """Simulate paths ``lo:hi`` (their states `rows`) into the output `arrays`.

    `fast_paths` False sends every economy to the general kernel (tests
    compare the specialised kernels with it on the same draws).
    """
    index = (_state_index(rows, tables.grid) if tables.kind == _DISCRETE
             else np.zeros((0, 0), dtype=np.int64))
    log_pareto = np.log(np.asarray(economy.pareto_weights, dtype=float))
    common = (float(economy.gamma), math.log(economy.discount),
              float(economy.aggregate_endowment))
    continuous = fast_paths and tables.kind == _CONTINUOUS
    # Two agents, single-Beta models, fixed or learning.  Priors below the
    # smallest normal float would make the scaled mixture sum lose precision.
    if (fast_paths and tables.single_beta and economy.n_agents == 2
            and tables.agent_prior_min >= _TINY):
        c = tables.comp_start[:-1]
        start, model = tables.agent_start, tables.agent_model
        pairs = model.tolist()
        rho_shared = bool(start[1] - start[0] == 2 and start[2] - start[1] == 2
                          and set(pairs[0:2]) == set(pairs[2:4]))
        block = max(1, min(16, (hi - lo) // (4 * _n_threads())))
        _simulate_two_agent_beta_kernel(
            rows, tables.comp_a[c], tables.comp_b[c], tables.comp_lbeta[c], start, model,
            tables.agent_prior, tables.agent_slot, rho_shared, block, log_pareto, *common,
            *(_chunk(arrays[name], lo, hi) for name in OUTPUTS), status[lo:hi],
        )
    # Fixed beliefs on continuous states: a kernel without the learning machinery.
    elif continuous and tables.agent_model.shape[0] == economy.n_agents:
        if arrays["posteriors"].shape[0] > 0:
            for i in range(economy.n_agents):  # one model each: posterior one on it
                arrays["posteriors"][lo:hi, :, i, tables.agent_slot[i]] = 1.0
        _simulate_fixed_kernel(
            rows, tables.comp_start, tables.comp_logw, tables.comp_a, tables.comp_b,
            tables.comp_lbeta, tables.agent_model, log_pareto, *common,
            *(_chunk(arrays[name], lo, hi) for name in OUTPUTS if name != "posteriors"),
            status[lo:hi],
        )
    else:
        _simulate_kernel(
            rows, index, tables.kind, tables.comp_start, tables.comp_logw, tables.comp_a,
            tables.comp_b, tables.comp_lbeta, tables.table, tables.agent_start,
            tables.agent_model, tables.agent_logprior, tables.agent_slot, log_pareto, *common,
            *(_chunk(arrays[name], lo, hi) for name in OUTPUTS), status[lo:hi],
        )


def simulate_on_states(economy: ExchangeEconomy, states, *,
                       outputs=("shares", "log_likelihood_ratio"),
                       kernel: str = "auto") -> SimulationResult:
    """Run the simulator on given draws ``states`` (N, T) instead of sampling them.

    For comparisons on the same draws (other implementations, other
    economies) and for timing the kernels alone.  Continuous beliefs need
    states in (0, 1); DiscreteStates beliefs need states among their values.
    `outputs` and `kernel` as in :func:`simulate`.

    Examples
    --------
    >>> import numpy as np
    >>> e = lecture_economy("beta(1,1)", "beta(3,1.2)")
    >>> r = simulate_on_states(e, np.array([[0.5, 0.25]]))
    >>> [round(float(v), 6) for v in r.log_likelihood_ratio[0]]
    [0.084141, 1.473484]
    >>> g = simulate_on_states(e, np.array([[0.5, 0.25]]), kernel="general")
    >>> bool((g.log_likelihood_ratio == r.log_likelihood_ratio).all())
    True
    """
    if not isinstance(economy, ExchangeEconomy):
        raise ParameterError("economy", type(economy).__name__, "an ExchangeEconomy")
    states = np.ascontiguousarray(states, dtype=float)
    if states.ndim != 2 or states.shape[0] < 1 or states.shape[1] < 1:
        raise ParameterError("states", f"array of shape {states.shape}",
                             "a 2-d array (paths, periods) with both sizes >= 1")
    if not np.isfinite(states).all():
        raise ParameterError("states", "non-finite values", "finite numbers")
    outputs = _validate_outputs(outputs)
    fast_paths = _validate_kernel(kernel)
    tables = _tables(economy)
    n_paths, n_periods = states.shape
    arrays = _allocate_outputs(outputs, n_paths, n_periods, economy.n_agents, tables.max_models)
    status = np.zeros(n_paths, dtype=np.int64)
    _run_kernel(economy, tables, states, arrays, 0, n_paths, status, fast_paths=fast_paths)
    _raise_on_status(status, states, None)
    return SimulationResult(
        economy=economy, nature=None, seed=None, n_paths=n_paths, n_periods=n_periods,
        states=states, **{name: (arrays[name] if name in outputs else None) for name in OUTPUTS},
    )


def _chunk(array: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return array[lo:hi] if array.shape[0] > 0 else array


def _raise_on_status(status: np.ndarray, states: np.ndarray, nature) -> None:
    bad = np.flatnonzero(status)
    if bad.size == 0:
        return
    p = int(bad[0])
    of = f" of {nature.spec()}" if nature is not None else ""
    if status[p] == _NOT_FINITE:
        raise SimulationError(
            f"path {p}: a log density is not finite (a draw{of} rounded to the "
            "boundary of (0, 1), or a Beta density infinite there); "
            f"{bad.size} path(s) affected — use Beta parameters that keep draws inside (0, 1)"
        )
    raise SimulationError(
        f"path {p}: every agent assigns probability zero to the drawn history, so no price "
        f"exists ({bad.size} path(s) affected); give some agent positive probability on "
        "every state nature can draw"
    )


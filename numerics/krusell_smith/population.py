"""Populations of the Krusell–Smith economy: a histogram (the continuum) and n agents.

**Histogram** (Young 2010, non-stochastic simulation): mass on a fine grid of
beginning-of-period assets times employment.  Each period every grid point's
savings ``a' = m - c(m, K)`` is split between the two neighbouring grid
points with weights that preserve its value (a *lottery*), and employment
moves with ``Pi(e' | e, z, z')``.  The lottery preserves the mean exactly, so
next period's capital is the population's savings with no sampling noise.

**Agents**: ``n`` households with continuous assets.  Employment moves with
unemployment matched exactly each period, as in HARK: given ``z -> z'``,
``round(n_U pi_00|zz')`` of the ``n_U`` unemployed stay unemployed and just
enough of the employed lose their job that ``round(u_z' n)`` are unemployed;
who moves is a uniformly random choice (partial Fisher–Yates) driven by a
``numpy.random.Generator``.  Savings are computed in parallel over agents
and summed serially, so results do not depend on the number of threads.

Examples
--------
>>> from foresight.numerics.krusell_smith.params import (KrusellSmithGrids,
...     KrusellSmithParameters)
>>> p = KrusellSmithParameters()
>>> dist = point_mass_histogram(KrusellSmithGrids.default().fine, 11.5, p.urate_bad)
>>> float(dist.sum()), round(float(histogram_capital(dist,
...     KrusellSmithGrids.default().fine)), 12)
(1.0, 11.5)
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from foresight.errors import ParameterError, require_positive_int
from foresight.numerics.generated.krusell_smith import interest_factor, wage_rate
from foresight.numerics.krusell_smith.interp import interp_search, interp_walk, locate

__all__ = [
    "point_mass_histogram",
    "histogram_capital",
    "histogram_step",
    "simulate_histogram",
    "lottery",
    "lottery_row",
    "push_lottery",
    "transition_matrix",
    "stationary_histogram",
    "agent_counts",
    "initial_agents",
    "simulate_agents",
]


# ------------------------------------------------------------------ histogram


def point_mass_histogram(fine_grid: np.ndarray, capital: float, urate: float) -> np.ndarray:
    """Everybody holds `capital`; a share `urate` is unemployed.  Shape ``(2, nf)``."""
    i, theta = locate(fine_grid, float(capital))
    if not 0.0 <= theta <= 1.0:
        raise ParameterError("capital", capital, f"[0, {fine_grid[-1]:g}] (the fine grid)")
    dist = np.zeros((2, fine_grid.size))
    for e, share in ((0, urate), (1, 1.0 - urate)):
        dist[e, i] = share * (1.0 - theta)
        dist[e, i + 1] = share * theta
    return dist


@njit(cache=True)
def histogram_capital(dist, fine_grid):
    """Aggregate capital: mean beginning-of-period assets."""
    total = 0.0
    for e in range(dist.shape[0]):
        for f in range(fine_grid.size):
            total += dist[e, f] * fine_grid[f]
    return total


@njit(cache=True)
def _savings_on_fine(fine_grid, R, w_ell, m_nodes, c_nodes, curve0, curve1, theta, e,
                     savings, consumption):
    """Savings and consumption at every fine-grid asset level of employment `e`."""
    s0 = 0
    s1 = 0
    inc = w_ell * e
    for f in range(fine_grid.size):
        m = R * fine_grid[f] + inc
        c0, s0 = interp_walk(m_nodes[curve0], c_nodes[curve0], m, s0)
        c1, s1 = interp_walk(m_nodes[curve1], c_nodes[curve1], m, s1)
        c = (1.0 - theta) * c0 + theta * c1
        consumption[f] = c
        savings[f] = m - c


@njit(cache=True)
def lottery_row(fine_grid, savings, index, weight):
    """Young's lottery of one row of savings onto `fine_grid` (in place).

    Savings ``savings[f]`` go to grid point ``index[f]`` with probability
    ``weight[f]`` and to the next one with ``1 - weight[f]``, which keeps their
    value; savings beyond the grid's ends go to its end points.  The search
    walks from the previous point (savings rise with assets: O(nf) a row).
    """
    nf = fine_grid.size
    j = 0
    for f in range(nf):
        x = min(max(savings[f], fine_grid[0]), fine_grid[nf - 1])
        while j < nf - 2 and fine_grid[j + 1] <= x:
            j += 1
        while j > 0 and x < fine_grid[j]:
            j -= 1
        index[f] = j
        weight[f] = (fine_grid[j + 1] - x) / (fine_grid[j + 1] - fine_grid[j])


@njit(cache=True)
def push_lottery(dist, index, weight, chain, out):
    """Add to `out` the histogram `dist` moved by a lottery and ``chain[e, e']``."""
    for e in range(dist.shape[0]):
        for f in range(dist.shape[1]):
            mass = dist[e, f]
            if mass == 0.0:
                continue
            j = index[e, f]
            w = weight[e, f]
            for en in range(chain.shape[1]):
                pm = mass * chain[e, en]
                out[en, j] += pm * w
                out[en, j + 1] += pm * (1.0 - w)


@njit(cache=True)
def histogram_step(dist, fine_grid, R, w_ell, m_nodes, c_nodes, curves, theta, cond, out,
                   savings, consumption, index, weight):
    """One period of the histogram.

    ``curves[e, 0/1]``: the two capital-grid curves of employment `e` in the
    current aggregate state; `theta`: weight of the second; ``cond[e, e']``:
    ``Pi(e' | e, z, z')``.  Writes next period's histogram into `out` (zeroed
    here) and returns ``(K', C, clipped mass)``: savings and consumption of
    the population before the lottery (which preserves the mean).  `savings`,
    `consumption`, `index`, `weight` are ``(2, nf)`` work arrays.
    """
    top = fine_grid[fine_grid.size - 1]
    k_next = 0.0
    cons = 0.0
    clipped = 0.0
    for e in range(2):
        _savings_on_fine(fine_grid, R, w_ell, m_nodes, c_nodes, curves[e, 0], curves[e, 1],
                         theta, e, savings[e], consumption[e])
        lottery_row(fine_grid, savings[e], index[e], weight[e])
        for f in range(fine_grid.size):
            k_next += dist[e, f] * savings[e, f]
            cons += dist[e, f] * consumption[e, f]
            if savings[e, f] >= top:
                clipped += dist[e, f]
    out[:] = 0.0
    push_lottery(dist, index, weight, cond, out)
    return k_next, cons, clipped


@njit(cache=True)
def simulate_histogram(dist0, fine_grid, z_path, capital_grid, m_nodes, c_nodes, z_values,
                       labour, ell, alpha, delta, cond_all, snapshot_every, snapshot_from):
    """Roll the histogram along `z_path` under a capital-grid policy ``(z, e, k)``.

    Returns capital ``K[t]`` (t = 0..T, K[0] from `dist0`), consumption
    ``C[t]``, market resources ``M[t] = R K + w L`` and the unemployed mass
    ``U[t]`` (t < T), the number of
    periods with K outside the capital grid, the mass clipped at the top of
    the fine grid, and snapshots of the histogram at
    ``t = snapshot_from, snapshot_from + snapshot_every, ...``.
    """
    T = z_path.size
    nk = capital_grid.size
    nf = fine_grid.size
    K = np.empty(T + 1)
    C = np.empty(T)
    M = np.empty(T)
    U = np.empty(T)
    dist = dist0.copy()
    nxt = np.empty_like(dist)
    savings = np.empty((2, nf))
    consumption = np.empty((2, nf))
    index = np.empty((2, nf), dtype=np.int64)
    weight = np.empty((2, nf))
    curves = np.empty((2, 2), dtype=np.int64)
    n_snap = 0
    if snapshot_every > 0 and snapshot_from < T:
        n_snap = (T - 1 - snapshot_from) // snapshot_every + 1
    snaps = np.empty((n_snap, 2, nf))
    snap_t = np.empty(n_snap, dtype=np.int64)
    outside = 0
    clipped = 0.0
    K[0] = histogram_capital(dist, fine_grid)
    s = 0
    for t in range(T):
        z = z_path[t]
        zn = z_path[t + 1] if t + 1 < T else z
        if n_snap > 0 and t >= snapshot_from and (t - snapshot_from) % snapshot_every == 0:
            snaps[s] = dist
            snap_t[s] = t
            s += 1
        k = K[t]
        R = interest_factor(z_values[z], k, labour[z], alpha, delta)
        w = wage_rate(z_values[z], k, labour[z], alpha)
        M[t] = R * k + w * labour[z]
        unemployed = 0.0
        for f in range(nf):
            unemployed += dist[0, f]
        U[t] = unemployed
        i, theta = locate(capital_grid, k)
        if theta < 0.0 or theta > 1.0:
            outside += 1
        for e in range(2):
            curves[e, 0] = (z * 2 + e) * nk + i
            curves[e, 1] = (z * 2 + e) * nk + i + 1
        k_next, cons, clip = histogram_step(dist, fine_grid, R, w * ell, m_nodes, c_nodes,
                                            curves, theta, cond_all[z, zn], nxt, savings,
                                            consumption, index, weight)
        K[t + 1] = k_next
        C[t] = cons
        clipped += clip
        dist, nxt = nxt, dist
    return K, C, M, U, outside, clipped, snaps, snap_t, dist


@njit(cache=True)
def lottery(fine_grid, savings):
    """Young's lottery of `savings` (``(rows, nf)``) onto `fine_grid`: ``(index, weight)``.

    See :func:`lottery_row`; the histogram step, the stationary push and
    :func:`transition_matrix` all move mass with it.
    """
    index = np.empty(savings.shape, dtype=np.int64)
    weight = np.empty(savings.shape)
    for e in range(savings.shape[0]):
        lottery_row(fine_grid, savings[e], index[e], weight[e])
    return index, weight


def transition_matrix(index, weight, employment_chain):
    """Sparse transition matrix of the histogram: ``T[(e, f), (e', g)]``.

    The same lottery as :func:`histogram_step`, built as a matrix, so a
    stationary distribution can be found by a linear solve instead of by
    iterating the push.
    """
    from scipy import sparse

    ne, nf = index.shape
    rows, cols, vals = [], [], []
    src = np.arange(ne * nf).reshape(ne, nf)
    for e in range(ne):
        for en in range(ne):
            p = employment_chain[e, en]
            if p == 0.0:
                continue
            rows += [src[e], src[e]]
            cols += [en * nf + index[e], en * nf + index[e] + 1]
            vals += [p * weight[e], p * (1.0 - weight[e])]
    return sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows),
                                                     np.concatenate(cols))),
                             shape=(ne * nf, ne * nf))


def stationary_histogram(matrix) -> np.ndarray:
    """Stationary distribution of a sparse transition matrix by a direct linear solve.

    Solves ``pi (T - I) = 0`` with one equation replaced by ``sum(pi) = 1``.
    """
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    n = matrix.shape[0]
    A = (matrix.T - sparse.identity(n, format="csr")).tolil()
    A[0, :] = np.ones(n)
    b = np.zeros(n)
    b[0] = 1.0
    pi = spsolve(A.tocsc(), b)
    pi = np.where(pi < 0.0, 0.0, pi)  # round-off below zero
    return pi / pi.sum()


# ------------------------------------------------------------------ agents


def agent_counts(n_agents: int, unemployment: np.ndarray, conditional: np.ndarray):
    """Exact-matching counts: unemployed per z, and who stays unemployed per (z, z').

    Returns ``(n_unemployed[z], stay_unemployed[z, z'])``.  Raises when the
    counts cannot be matched (too few agents for the rates).
    """
    n = require_positive_int("agents", n_agents)
    n_u = np.rint(np.asarray(unemployment) * n).astype(np.int64)
    stay = np.empty((2, 2), dtype=np.int64)
    for z in range(2):
        for zn in range(2):
            stay[z, zn] = int(np.rint(n_u[z] * conditional[z, zn, 0, 0]))
            become = n_u[zn] - stay[z, zn]
            if not (0 <= become <= n - n_u[z]) or n_u[z] == 0 or n_u[z] == n:
                raise ParameterError("agents", n_agents,
                                     "enough agents that every unemployment count and "
                                     "transition count is matched (e.g. >= 100)")
    return n_u, stay


def initial_agents(n_agents: int, capital: float, urate: float, rng) -> tuple:
    """Everybody at `capital`; exactly ``round(urate n)`` unemployed, chosen at random."""
    n = require_positive_int("agents", n_agents)
    assets = np.full(n, float(capital))
    employed = np.ones(n, dtype=np.int8)
    n_u = int(np.rint(urate * n))
    employed[rng.permutation(n)[:n_u]] = 0
    return assets, employed


@njit(cache=True)
def _choose(indices, count, uniforms, offset):
    """Move a uniformly random subset of `count` entries to the front (partial Fisher-Yates)."""
    n = indices.size
    for k in range(count):
        j = k + int(uniforms[offset + k] * (n - k))
        if j >= n:
            j = n - 1
        indices[k], indices[j] = indices[j], indices[k]


@njit(cache=True)
def _move_employment(employed, z, zn, n_u_next, stay_unemployed, uniforms):
    """Exact-matching employment transition ``z -> z'`` (in place)."""
    n = employed.size
    n_unemp = 0
    for i in range(n):
        if employed[i] == 0:
            n_unemp += 1
    unemp = np.empty(n_unemp, dtype=np.int64)
    emp = np.empty(n - n_unemp, dtype=np.int64)
    a = 0
    b = 0
    for i in range(n):
        if employed[i] == 0:
            unemp[a] = i
            a += 1
        else:
            emp[b] = i
            b += 1
    stay = stay_unemployed[z, zn]
    become = n_u_next - stay
    _choose(unemp, stay, uniforms, 0)
    _choose(emp, become, uniforms, stay)
    for k in range(n_unemp):
        employed[unemp[k]] = 0 if k < stay else 1
    for k in range(n - n_unemp):
        employed[emp[k]] = 0 if k < become else 1


@njit(cache=True, parallel=True)
def _agents_savings(assets, employed, R, w_ell, m_nodes, c_nodes, base, nk, i, theta,
                    savings, consumption):
    for a in prange(assets.size):
        e = employed[a]
        m = R * assets[a] + w_ell * e
        c0 = interp_search(m_nodes[base + e * nk + i], c_nodes[base + e * nk + i], m)
        c1 = interp_search(m_nodes[base + e * nk + i + 1], c_nodes[base + e * nk + i + 1], m)
        c = (1.0 - theta) * c0 + theta * c1
        consumption[a] = c
        savings[a] = m - c


@njit(cache=True)
def _mean(x):
    total = 0.0
    for i in range(x.size):
        total += x[i]
    return total / x.size


@njit(cache=True)
def _simulate_agents_block(assets, employed, z_path, t0, t1, capital_grid, m_nodes, c_nodes,
                           z_values, labour, ell, alpha, delta, n_unemployed, stay_unemployed,
                           uniforms, price_capital, K, C, M, U):
    n = assets.size
    nk = capital_grid.size
    savings = np.empty(n)
    consumption = np.empty(n)
    outside = 0
    T = z_path.size
    for t in range(t0, t1):
        z = z_path[t]
        K[t] = _mean(assets)
        # Prices from the agents' own capital, or (a check's control) from a given path.
        k = K[t] if price_capital.size == 0 else price_capital[t]
        n_emp = 0
        for a in range(n):
            n_emp += employed[a]
        U[t] = 1.0 - n_emp / n
        R = interest_factor(z_values[z], k, labour[z], alpha, delta)
        w = wage_rate(z_values[z], k, labour[z], alpha)
        M[t] = R * k + w * labour[z]
        i, theta = locate(capital_grid, k)
        if theta < 0.0 or theta > 1.0:
            outside += 1
        _agents_savings(assets, employed, R, w * ell, m_nodes, c_nodes, z * 2 * nk, nk, i,
                        theta, savings, consumption)
        cons = 0.0
        for a in range(n):
            cons += consumption[a]
            assets[a] = savings[a]
        C[t] = cons / n
        if t + 1 < T:
            zn = z_path[t + 1]
            _move_employment(employed, z, zn, n_unemployed[zn], stay_unemployed,
                             uniforms[t - t0])
    return outside


def simulate_agents(assets, employed, z_path, capital_grid, policy_curves, params, rng, *,
                    block: int = 256, snapshot_every: int = 0, snapshot_from: int = 0,
                    price_capital: np.ndarray | None = None):
    """Simulate ``n`` agents along `z_path` (in place on `assets`, `employed`).

    Parameters
    ----------
    assets, employed : arrays (n,)
        Beginning-of-period assets and employment (int8, 1 = employed) at t = 0;
        the unemployment count must already match ``u_{z_0}``.
    z_path : int array (T,)
    capital_grid : array (nK,)
    policy_curves : (m_nodes, c_nodes), each ``(z * e * k, nodes)``
    params : KrusellSmithParameters
    rng : numpy.random.Generator
        Draws the employment reshuffles, one block of periods at a time (the
        stream does not depend on the number of threads).
    snapshot_every, snapshot_from : int
        Keep copies of ``(assets, employed)`` at ``t = snapshot_from,
        snapshot_from + snapshot_every, ...`` (0: none).
    price_capital : array (T,), optional
        Capital at which prices are set each period instead of the agents'
        mean (agents then face given prices: a control for checks).

    Returns
    -------
    dict with ``capital`` (T + 1), ``consumption``, ``market_resources``,
    ``unemployment`` (T), ``periods_outside_capital_grid``, ``snapshots``
    (list of ``(assets, employed)``) and ``snapshot_t``.
    """
    n = assets.size
    T = z_path.size
    n_u, stay = agent_counts(n, params.unemployment, params.conditional_employment)
    if int(n - employed.sum()) != n_u[z_path[0]]:
        raise ParameterError("employed", f"{int(n - employed.sum())} unemployed",
                             f"exactly {n_u[z_path[0]]} unemployed (u_z n) at t = 0")
    K = np.empty(T + 1)
    C = np.empty(T)
    M = np.empty(T)
    U = np.empty(T)
    m_nodes, c_nodes = policy_curves
    snap_t = (list(range(snapshot_from, T, snapshot_every)) if snapshot_every > 0 else [])
    bounds = sorted(set(range(0, T, block)) | set(snap_t) | {T})
    snaps = []
    outside = 0
    given = (np.empty(0) if price_capital is None
             else np.ascontiguousarray(price_capital, dtype=float))
    for t0, t1 in zip(bounds[:-1], bounds[1:], strict=True):
        if snap_t and t0 in snap_t:
            snaps.append((assets.copy(), employed.astype(np.int64)))
        uniforms = rng.random((t1 - t0, n))
        outside += _simulate_agents_block(assets, employed, z_path, t0, t1, capital_grid,
                                          m_nodes, c_nodes, params.productivity, params.labour,
                                          params.labour_endowment, params.alpha, params.delta,
                                          n_u, stay, uniforms, given, K, C, M, U)
    K[T] = _mean(assets)
    return {"capital": K, "consumption": C, "market_resources": M, "unemployment": U,
            "periods_outside_capital_grid": int(outside), "snapshots": snaps,
            "snapshot_t": np.array(snap_t, dtype=np.int64)}

"""The Krusell–Smith (1998) moment-based benchmark: an aggregate law of motion (KS-ALM).

Households perceive ``log K' = a_z + b_z log K``.  The fixed point:

1. solve the households' problem under the perceived law (EGM on a capital
   grid, warm-started from the previous iteration);
2. simulate the economy on a fixed aggregate path -- the histogram (the
   continuum: no sampling noise) or ``n`` agents (HARK's way: unemployment
   matched exactly, the same employment draws every iteration);
3. regress ``log K_{t+1}`` on ``log K_t`` in each aggregate state after a
   burn-in;
4. stop when the regression's predictions equal the perceived law's over the
   simulated range of K (``tol`` in log points); otherwise move the
   coefficients towards the regression's, keeping a share `damping` of the
   old ones (HARK's ``DampingFac``), and repeat.

The result carries the standard accuracy measures: R^2 and residual standard
deviation per state, den Haan's (2010) dynamic forecast error (the law
iterated alone along the simulated aggregate path against simulated K),
Euler-equation errors of the policies on the simulated distribution, HARK's
form of the law (``log A = a + b log M``) estimated on the same history, and
the mean and standard deviation of K.

Examples
--------
>>> res = solve_alm(periods=1100, discard=100, grids=KrusellSmithGrids.default(
...     asset_points=40, fine_points=300))
>>> res.converged and res.regression[0]["r2"] > 0.9999
True
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from foresight.errors import (
    ConvergenceError,
    ParameterError,
    require_open_interval,
    require_positive,
    require_positive_int,
)
from foresight.numerics.fixed_point import AndersonMixer
from foresight.numerics.generated.krusell_smith import (
    euler_relative_error,
    interest_factor,
    marginal_utility,
    marginal_utility_log,
    wage_rate,
)
from foresight.numerics.krusell_smith.household import (
    AggregateLawOfMotion,
    HouseholdPolicy,
    solve_alm_household,
)
from foresight.numerics.krusell_smith.interp import interp_search, locate
from foresight.numerics.krusell_smith.params import KrusellSmithGrids, KrusellSmithParameters
from foresight.numerics.krusell_smith.population import (
    initial_agents,
    point_mass_histogram,
    simulate_agents,
    simulate_histogram,
)

__all__ = [
    "ALMResult",
    "solve_alm",
    "simulate_economy",
    "initial_population",
    "aggregate_path",
    "regress_law",
    "regress_hark_form",
    "den_haan_error",
    "euler_errors",
    "INITIAL_CONDITIONS",
]

INITIAL_CONDITIONS = ("hark", "stationary")
ALM_METHODS = ("anderson", "damped")


def aggregate_path(params: KrusellSmithParameters, periods: int, seed: int = 0,
                   first: int = 0) -> np.ndarray:
    """A path of aggregate states (0 bad, 1 good) from the chain, starting at `first`.

    Drawn from ``numpy.random.Generator(PCG64(SeedSequence(seed)))``: the same
    seed gives the same path on every machine.

    Examples
    --------
    >>> int(aggregate_path(KrusellSmithParameters(), 5, seed=1)[0])
    0
    """
    T = require_positive_int("periods", periods)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed))))
    stay = np.diag(params.aggregate_chain)
    u = rng.random(T)
    z = np.empty(T, dtype=np.int64)
    z[0] = int(first)
    for t in range(1, T):
        z[t] = z[t - 1] if u[t] < stay[z[t - 1]] else 1 - z[t - 1]
    return z


def _ols(x, y):
    X = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float((resid**2).sum()) / ss_tot if ss_tot > 0 else math.nan
    return {"intercept": float(coef[0]), "slope": float(coef[1]), "r2": r2,
            "resid_sd": float(resid.std()), "n": int(x.size)}


def regress_law(capital: np.ndarray, z_path: np.ndarray, discard: int) -> list[dict]:
    """OLS of ``log K_{t+1}`` on ``log K_t`` per aggregate state ``z_t``, ``t >= discard``.

    Returns ``[bad, good]``, each with intercept, slope, r2, resid_sd and n.
    """
    T = z_path.size
    t = np.arange(discard, T)
    out = []
    for z in (0, 1):
        sel = t[z_path[t] == z]
        if sel.size < 3:
            raise ParameterError("periods", T, f"enough periods after the burn-in ({discard}) "
                                 "to visit both aggregate states a few times")
        out.append(_ols(np.log(capital[sel]), np.log(capital[sel + 1])))
    return out


def regress_hark_form(capital: np.ndarray, market_resources: np.ndarray,
                      z_path: np.ndarray, discard: int) -> list[dict]:
    """HARK's form: OLS of ``log A_t`` (= ``log K_{t+1}``) on ``log M_t`` per ``z_t``."""
    T = z_path.size
    t = np.arange(discard, T)
    return [_ols(np.log(market_resources[t[z_path[t] == z]]),
                 np.log(capital[t[z_path[t] == z] + 1])) for z in (0, 1)]


def den_haan_error(law: AggregateLawOfMotion, capital: np.ndarray, z_path: np.ndarray,
                   discard: int) -> dict:
    """den Haan (2010): the law iterated alone from ``K_discard`` along the z path vs K.

    Returns max and mean of ``100 |log K^law_t - log K_t|`` (percent) and the
    law's path.
    """
    a, b = law.as_arrays()
    T = z_path.size
    lk = np.empty(T + 1 - discard)
    lk[0] = math.log(capital[discard])
    for i, t in enumerate(range(discard, T)):
        lk[i + 1] = a[z_path[t]] + b[z_path[t]] * lk[i]
    err = 100.0 * np.abs(lk[1:] - np.log(capital[discard + 1:T + 1]))
    return {"max_percent": float(err.max()), "mean_percent": float(err.mean()),
            "law_path": np.exp(lk)}


def law_gap(law: AggregateLawOfMotion, implied: AggregateLawOfMotion, k_range) -> float:
    """Max over states and over ``K in k_range`` of ``|log K'_law - log K'_implied|``."""
    a0, b0 = law.as_arrays()
    a1, b1 = implied.as_arrays()
    lk = np.log(np.asarray(k_range, dtype=float))
    return float(np.max(np.abs((a1 - a0)[:, None] + (b1 - b0)[:, None] * lk[None, :])))


@njit(cache=True)
def _euler_errors(assets, employed, z, capital, intercept, slope, capital_grid, m_nodes,
                  c_nodes, z_values, labour, ell, alpha, delta, beta, gamma, transition):
    """Relative Euler errors at individual states ``(a, e)`` in aggregate state ``(z, K)``.

    Uses the policy ``c(m, K)`` (linear in K between capital-grid curves) and
    the perceived law for next period's capital.  NaN where savings are at the
    borrowing limit (the Euler equation is an inequality there).
    """
    nk = capital_grid.size
    log_utility = gamma == 1.0
    R = interest_factor(z_values[z], capital, labour[z], alpha, delta)
    w = wage_rate(z_values[z], capital, labour[z], alpha)
    i, theta = locate(capital_grid, capital)
    k_next = math.exp(intercept[z] + slope[z] * math.log(capital))
    i_n, theta_n = locate(capital_grid, k_next)
    out = np.empty(assets.size)
    for n in range(assets.size):
        e = employed[n]
        m = R * assets[n] + w * ell * e
        cu = (z * 2 + e) * nk + i
        c = (1.0 - theta) * interp_search(m_nodes[cu], c_nodes[cu], m) \
            + theta * interp_search(m_nodes[cu + 1], c_nodes[cu + 1], m)
        a_next = m - c
        if a_next <= 0.0:
            out[n] = np.nan
            continue
        ev = 0.0
        for zn in range(2):
            Rn = interest_factor(z_values[zn], k_next, labour[zn], alpha, delta)
            wn = wage_rate(z_values[zn], k_next, labour[zn], alpha)
            for en in range(2):
                p = transition[2 * z + e, 2 * zn + en]
                if p == 0.0:
                    continue
                mn = Rn * a_next + wn * ell * en
                cn = (zn * 2 + en) * nk + i_n
                cc = (1.0 - theta_n) * interp_search(m_nodes[cn], c_nodes[cn], mn) \
                    + theta_n * interp_search(m_nodes[cn + 1], c_nodes[cn + 1], mn)
                if log_utility:
                    ev += p * Rn * marginal_utility_log(cc)
                else:
                    ev += p * Rn * marginal_utility(cc, gamma)
        out[n] = euler_relative_error(c, ev, beta, gamma)
    return out


def euler_errors(params, grids, policy: HouseholdPolicy, law: AggregateLawOfMotion,
                 z_index: int, capital: float, assets, employed) -> np.ndarray:
    """Relative Euler errors ``c_Euler / c - 1`` at states ``(assets, employed)``.

    Examples
    --------
    >>> p, g = KrusellSmithParameters(), KrusellSmithGrids.default(asset_points=40)
    >>> law = AggregateLawOfMotion((0.0835, 0.0949), (0.9649, 0.9624))
    >>> pol = solve_alm_household(p, g, law)
    >>> err = euler_errors(p, g, pol, law, 0, 11.5, np.array([1.0, 20.0]), np.array([1, 0]))
    >>> bool(np.all(np.abs(err) < 1e-3))
    True
    """
    m_nodes, c_nodes = policy.curves
    intercept, slope = law.as_arrays()
    return _euler_errors(np.ascontiguousarray(assets, dtype=float),
                         np.ascontiguousarray(employed, dtype=np.int64), int(z_index),
                         float(capital), intercept, slope, grids.capital, m_nodes, c_nodes,
                         params.productivity, params.labour, params.labour_endowment,
                         params.alpha, params.delta, params.beta, params.gamma,
                         params.transition_matrix)


@dataclass
class ALMResult:
    """Outcome of :func:`solve_alm` (see the module docstring).

    Attributes
    ----------
    law : AggregateLawOfMotion
        The converged perceived law (the beliefs behind the final simulation).
    implied : AggregateLawOfMotion
        The regression on the final simulation (equal to `law` within `tol`).
    regression, hark_form : list of dict
        Per aggregate state (bad, good): intercept, slope, r2, resid_sd, n.
    den_haan : dict
        ``max_percent``, ``mean_percent``.
    euler : dict
        Mass-weighted mean and max of ``log10 |Euler error|`` on the simulated
        distribution (snapshots after the burn-in).
    capital_mean, capital_std : float
        Of ``K_t`` for ``t >= discard``.
    simulation : dict
        ``z`` (T), ``capital`` (T + 1), ``consumption``, ``interest``, ``wage``
        (T), ...
    history : list of dict
        Per iteration: coefficients used, regression, prediction gap, seconds.
    """

    law: AggregateLawOfMotion
    implied: AggregateLawOfMotion
    regression: list
    hark_form: list
    den_haan: dict
    euler: dict
    capital_mean: float
    capital_std: float
    iterations: int
    converged: bool
    gap: float
    population: str
    agents: int | None
    periods: int
    discard: int
    damping: float
    method: str
    tol: float
    seed: int
    initial: str
    seconds: dict
    history: list = field(repr=False)
    simulation: dict = field(repr=False)
    policy: HouseholdPolicy = field(repr=False)
    params: KrusellSmithParameters = field(repr=False)
    grids: KrusellSmithGrids = field(repr=False)
    periods_outside_capital_grid: int = 0

    def to_dict(self) -> dict:
        """JSON-safe summary (no paths)."""
        return {
            "population": self.population, "agents": self.agents, "periods": self.periods,
            "discard": self.discard, "damping": self.damping, "method": self.method,
            "tol": self.tol,
            "seed": self.seed, "initial": self.initial, "iterations": self.iterations,
            "converged": self.converged, "prediction_gap_log": self.gap,
            "law": {"intercept": list(self.law.intercept), "slope": list(self.law.slope)},
            "regression": self.regression, "hark_form": self.hark_form,
            "den_haan": {k: v for k, v in self.den_haan.items() if k != "law_path"},
            "euler": self.euler, "capital_mean": self.capital_mean,
            "capital_std": self.capital_std, "seconds": self.seconds,
            "periods_outside_capital_grid": self.periods_outside_capital_grid,
            "mass_clipped_at_top_of_fine_grid": float(self.simulation.get("clipped_mass", 0.0)),
            "household_iterations": [h["household_iterations"] for h in self.history],
        }


def initial_population(params, grids, initial, agents, rng):
    """The population at t = 0: a histogram (``agents=None``) or ``(assets, employed)``.

    ``"hark"``: everybody at HARK's steady-state capital, unemployment at
    ``u_bad`` (the first state is bad); ``"stationary"``: the stationary
    distribution without aggregate shocks, reweighted to ``u_bad``.
    """
    if initial == "hark":
        k0 = params.hark_initial_capital
        if agents is None:
            return point_mass_histogram(grids.fine, k0, params.urate_bad)
        return initial_agents(agents, k0, params.urate_bad, rng)
    from foresight.numerics.krusell_smith.stationary import stationary_equilibrium

    eq = stationary_equilibrium(params, grids)
    dist = eq.distribution.copy()
    # Unemployment exactly u_bad in the first (bad) period.
    shares = dist.sum(axis=1)
    dist[0] *= params.urate_bad / shares[0]
    dist[1] *= (1.0 - params.urate_bad) / shares[1]
    if agents is None:
        return dist
    n_u = int(np.rint(params.urate_bad * agents))
    assets = np.empty(agents)
    employed = np.ones(agents, dtype=np.int8)
    for e, (lo, hi) in ((0, (0, n_u)), (1, (n_u, agents))):
        w = dist[e] / dist[e].sum()
        assets[lo:hi] = rng.choice(grids.fine, size=hi - lo, p=w)
        employed[lo:hi] = e
    return assets, employed


def simulate_economy(params, grids, policy, z_path, agents, initial, seed, snapshot_every,
                     discard):
    """One simulation of the economy under `policy` along `z_path`.

    ``agents=None`` rolls the histogram; ``n`` simulates n agents, whose
    draws depend on `seed` only (the same every iteration of the fixed point).
    Returns a dict: ``z``, ``capital`` (T + 1), ``consumption``, ``unemployment``,
    ``interest``, ``wage``, ``market_resources`` (T), snapshots of the
    population every `snapshot_every` periods from `discard`.
    """
    m_nodes, c_nodes = policy.curves
    if agents is None:
        dist0 = initial_population(params, grids, initial, None, None)
        K, C, M, U, outside, clipped, snaps, snap_t, _ = simulate_histogram(
            dist0, grids.fine, z_path, grids.capital, m_nodes, c_nodes, params.productivity,
            params.labour, params.labour_endowment, params.alpha, params.delta,
            np.ascontiguousarray(params.conditional_employment), snapshot_every, discard)
        R = interest_factor(params.productivity[z_path], K[:-1], params.labour[z_path],
                            params.alpha, params.delta)
        w = wage_rate(params.productivity[z_path], K[:-1], params.labour[z_path], params.alpha)
        return {"z": z_path, "capital": K, "consumption": C, "market_resources": M,
                "unemployment": U, "interest": R, "wage": w,
                "periods_outside_capital_grid": int(outside),
                "clipped_mass": float(clipped), "snapshots": snaps, "snapshot_t": snap_t}
    ss = np.random.SeedSequence(int(seed)).spawn(2)
    rng_init = np.random.Generator(np.random.PCG64(ss[0]))
    rng = np.random.Generator(np.random.PCG64(ss[1]))
    assets, employed = initial_population(params, grids, initial, agents, rng_init)
    out = simulate_agents(assets, employed, z_path, grids.capital, (m_nodes, c_nodes), params,
                          rng, snapshot_every=snapshot_every, snapshot_from=discard)
    K = out["capital"]
    out["z"] = z_path
    out["interest"] = interest_factor(params.productivity[z_path], K[:-1],
                                      params.labour[z_path], params.alpha, params.delta)
    out["wage"] = wage_rate(params.productivity[z_path], K[:-1], params.labour[z_path],
                            params.alpha)
    return out


def _euler_summary(params, grids, policy, law, sim, agents) -> dict:
    """Mass-weighted log10 |Euler error| over the snapshots of the simulated population."""
    errs, weights = [], []
    for s, t in zip(sim["snapshots"], sim["snapshot_t"], strict=True):
        z, k = int(sim["z"][t]), float(sim["capital"][t])
        if agents is None:
            for e in (0, 1):
                mass = s[e]
                keep = mass > 0.0
                err = euler_errors(params, grids, policy, law, z, k, grids.fine[keep],
                                   np.full(keep.sum(), e))
                errs.append(err)
                weights.append(mass[keep])
        else:
            assets, employed = s
            errs.append(euler_errors(params, grids, policy, law, z, k, assets, employed))
            weights.append(np.full(assets.size, 1.0 / assets.size))
    err = np.abs(np.concatenate(errs))
    wt = np.concatenate(weights)
    ok = np.isfinite(err) & (err > 0)
    log_err = np.log10(err[ok])
    wt = wt[ok] / wt[ok].sum()
    return {"mean_log10": float(wt @ log_err), "max_log10": float(log_err.max()),
            "mean_abs": float(wt @ err[ok]), "max_abs": float(err[ok].max()),
            "points": int(ok.sum()), "snapshots": int(len(sim["snapshot_t"]))}


def solve_alm(params: KrusellSmithParameters | None = None,
              grids: KrusellSmithGrids | None = None, *, agents: int | None = None,
              periods: int = 6000, discard: int = 1000, damping: float = 0.5,
              method: str = "anderson", tol: float = 1e-6, max_iter: int = 100, seed: int = 0,
              initial: str = "hark", start: AggregateLawOfMotion | None = None,
              household_tol: float = 1e-8, euler_snapshots: int = 50,
              z_path: np.ndarray | None = None, progress=None) -> ALMResult:
    """Iterate the Krusell–Smith aggregate law of motion to its fixed point.

    Parameters
    ----------
    params, grids : optional
        Economy and grids (defaults: HARK's calibration, :meth:`KrusellSmithGrids.default`).
    agents : int or None
        ``None``: the histogram (continuum); ``n``: simulate ``n`` agents.
    periods, discard : int
        Simulated periods and the burn-in left out of the regressions.
    damping : float
        Share of the old coefficients kept at each update, in [0, 1) (HARK's
        ``DampingFac``; the Anderson step mixes with weight ``1 - damping``).
    method : {"anderson", "damped"}
        Anderson acceleration over the four coefficients (default: the update
        map oscillates along the intercept-slope trade-off, and plain damping
        needs about three times as many iterations, measured in
        ``benchmarks/bench_krusell_smith.py``) or HARK's damped update.
    tol : float
        Stop when the regression's predictions of ``log K'`` differ from the
        perceived law's by less than `tol` over the simulated range of K.
    max_iter : int
        Iterations before :class:`~foresight.errors.ConvergenceError` (which
        carries the last prediction gap and the iteration count).
    seed : int
        Root seed of the aggregate path and (agents) of the employment draws.
    initial : {"hark", "stationary"}
        Everybody at HARK's steady-state capital with the first state bad, or
        the stationary (no aggregate shocks) distribution.
    start : AggregateLawOfMotion, optional
        First guess (default ``K' = K``).
    household_tol : float
        EGM tolerance (sup-norm change of consumption).
    euler_snapshots : int
        Population snapshots after the burn-in on which Euler errors are measured.
    z_path : int array, optional
        The aggregate path (default: drawn from the chain with `seed`).
    progress : callable(dict), optional
        Called after every iteration with its record.
    """
    p = params or KrusellSmithParameters()
    g = grids or KrusellSmithGrids.default()
    T = require_positive_int("periods", periods)
    if isinstance(discard, bool) or not float(discard).is_integer() or not 0 <= discard < T - 10:
        raise ParameterError("discard", discard, f"integers in [0, periods - 10 = {T - 10}]")
    discard = int(discard)
    if not 0.0 <= float(damping) < 1.0:
        raise ParameterError("damping", damping, "[0, 1)")
    if method not in ALM_METHODS:
        raise ParameterError("method", method, " | ".join(ALM_METHODS))
    tol = require_positive("tol", tol)
    max_iter = require_positive_int("max_iter", max_iter)
    if initial not in INITIAL_CONDITIONS:
        raise ParameterError("initial", initial, " | ".join(INITIAL_CONDITIONS))
    if agents is not None:
        agents = require_positive_int("agents", agents)
    require_open_interval("household_tol", household_tol, 0.0, 1.0)
    if z_path is None:
        z_path = aggregate_path(p, T, seed, first=0)
    else:
        z_path = np.ascontiguousarray(z_path, dtype=np.int64)
        if z_path.size != T or not np.all((z_path == 0) | (z_path == 1)):
            raise ParameterError("z_path", f"shape {z_path.shape}", f"{T} states in {{0, 1}}")
    snap_every = max(1, (T - discard) // max(1, int(euler_snapshots)))

    t_start = time.perf_counter()
    law = start or AggregateLawOfMotion.constant()
    mixer = AndersonMixer(4, 4, 1.0 - float(damping))
    policy = None
    history = []
    t_house = t_sim = 0.0
    gap = math.inf
    for it in range(1, max_iter + 1):
        t0 = time.perf_counter()
        policy = solve_alm_household(p, g, law, tol=household_tol, start=policy)
        t1 = time.perf_counter()
        sim = simulate_economy(p, g, policy, z_path, agents, initial, seed, snap_every, discard)
        t2 = time.perf_counter()
        t_house += t1 - t0
        t_sim += t2 - t1
        reg = regress_law(sim["capital"], z_path, discard)
        implied = AggregateLawOfMotion(tuple(r["intercept"] for r in reg),
                                       tuple(r["slope"] for r in reg))
        k_sim = sim["capital"][discard:]
        gap = law_gap(law, implied, (k_sim.min(), k_sim.max()))
        record = {"iteration": it, "intercept": law.intercept, "slope": law.slope,
                  "implied_intercept": implied.intercept, "implied_slope": implied.slope,
                  "prediction_gap_log": gap, "household_iterations": policy.iterations,
                  "household_s": t1 - t0, "simulate_s": t2 - t1}
        history.append(record)
        if progress is not None:
            progress(record)
        if gap < tol:
            break
        theta = np.concatenate(law.as_arrays())
        residual = np.concatenate(implied.as_arrays()) - theta
        if method == "damped":
            theta = theta + (1.0 - damping) * residual
        else:
            theta = mixer.step(theta, residual)
        law = AggregateLawOfMotion(tuple(theta[:2]), tuple(theta[2:]))
    else:
        last = history[-1]
        change = max(abs(x - y) for x, y in zip(
            last["intercept"] + last["slope"],
            last["implied_intercept"] + last["implied_slope"], strict=True))
        raise ConvergenceError(
            f"Krusell-Smith law of motion (last coefficient change {change:.3e})", gap,
            max_iter, tol)
    hark = regress_hark_form(sim["capital"], sim["market_resources"], z_path, discard)
    dh = den_haan_error(law, sim["capital"], z_path, discard)
    t3 = time.perf_counter()
    euler = _euler_summary(p, g, policy, law, sim, agents)
    k = sim["capital"][discard:T]
    seconds = {"total": time.perf_counter() - t_start, "household": t_house,
               "simulate": t_sim, "euler": time.perf_counter() - t3}
    return ALMResult(law, implied, reg, hark, dh, euler, float(k.mean()), float(k.std()),
                     len(history), True, gap, "continuum" if agents is None else "agents",
                     agents, T, discard, float(damping), method, tol, int(seed), initial,
                     seconds,
                     history, sim, policy, p, g, int(sim["periods_outside_capital_grid"]))

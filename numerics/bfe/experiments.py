"""Experiments of Islah & Light (2025), Section 4.2 and 5, and beyond the paper.

* :func:`monte_carlo`: many aggregate paths through :func:`~foresight.numerics.
  montecarlo.run_paths` (Dask; one seed stream per path, resumable store), each
  path solved for every foresight horizon ``N`` on the *same* aggregate and
  idiosyncratic shocks (the paper: "the same set of idiosyncratic and aggregate
  shocks for each of the various foresight paths").  Per path it records the
  standard deviation of the mean state (Table 3) and the forecast errors of
  equation (2) one to three periods ahead (Table 5).
* :func:`figure4_paths`: one aggregate path, the mean state for each ``N``.
* :func:`perfect_foresight_convergence`: an economy without aggregate shocks
  that starts away from its stationary distribution; distance of each N-BFE
  path to the perfect-foresight (rational-expectations) transition path.

Definitions used (stated because the paper leaves them implicit):

* the population starts from the stationary equilibrium of the economy
  without aggregate shocks (``z`` at its stationary mean); ``burn_in`` periods
  are simulated and discarded before the ``periods`` that are measured;
* sigma of a path is the population standard deviation (``ddof=0``) of the
  realised mean state over the measured periods, averaged over paths;
* forecast error ``j`` compares the mean state forecast at ``t`` for the
  realised history ``j`` periods ahead (held at depth ``N`` beyond ``N``)
  with the realised mean at ``t + j``; in finite-population mode the realised
  mean is that of the ``n`` simulated firms while the forecast pushes their
  empirical distribution exactly (so for ``j <= N`` the error is pure sampling
  noise of the firms' idiosyncratic shocks).

Examples
--------
>>> out = monte_carlo("capacity", horizons=(0, 1), paths=2, periods=30, burn_in=5,
...                   scheduler="serial", progress=False, table_points=101)
>>> sorted(out["horizons"])
[0, 1]
>>> len(out["sigma_mean"]), len(out["forecast_error_mean"][0])
(2, 3)
"""

from __future__ import annotations

import functools
import time

import numpy as np

from foresight.errors import ParameterError, require_int
from foresight.numerics.bfe.contract import make_model, require_continuation
from foresight.numerics.bfe.engine import (
    BFESolver,
    FrozenValueTable,
    forecast_errors,
    perfect_foresight_path,
    simulate_aggregate_path,
    simulate_path,
    stationary_equilibrium,
)

__all__ = [
    "PAPER_TABLE1",
    "PAPER_TABLE3",
    "PAPER_TABLE4",
    "paper_reference",
    "PAPER_TABLE5",
    "make_model",
    "initial_state",
    "path_statistics",
    "monte_carlo",
    "figure4_paths",
    "perfect_foresight_convergence",
    "investment_response",
]

#: Table 1 of the paper: sigma of mean capital, N = 0, 1, 2 and the moment-based
#: (KS-ALM) "full horizon" (1000 paths x 1000 periods, HARK's start).
PAPER_TABLE1 = {0: 0.265, 1: 0.324, 2: 0.377}
PAPER_TABLE1_ALM = 0.483
#: Table 4 of the paper, in percent: ``PAPER_TABLE4[j][N]``, j periods ahead.
PAPER_TABLE4 = {
    1: {0: 0.398, 1: 1.080},
    2: {0: 0.671, 1: 1.324},
    3: {0: 0.915, 1: 1.515},
}

#: Table 3 of the paper: sigma of mean capacity, N = 0, 1, 2 (1000 paths x 1000 periods).
PAPER_TABLE3 = {0: 0.087, 1: 0.093, 2: 0.101}
#: Table 5 of the paper, in percent: ``PAPER_TABLE5[j][N]``, j periods ahead.
PAPER_TABLE5 = {
    1: {0: 0.236, 1: 0.308, 2: 0.423},
    2: {0: 0.355, 1: 0.420, 2: 0.509},
    3: {0: 0.453, 1: 0.489, 2: 0.650},
}


@functools.lru_cache(maxsize=16)
def _stationary(model):
    return stationary_equilibrium(model.without_shocks())


INITIAL_CONDITIONS = ("stationary", "hark")


def initial_state(model, initial: str = "stationary", z_index: int = 0) -> np.ndarray:
    """Population state a path starts from.

    ``"stationary"``: the stationary distribution of the economy without
    shocks (``z`` at its mean; Krusell-Smith: its histogram with the
    unemployment of ``z_index``); ``"hark"`` (Krusell-Smith only): everybody
    at HARK's steady-state capital.

    Examples
    --------
    >>> s = initial_state(make_model("capacity"))
    >>> round(float(s.sum()), 12)
    1.0
    """
    if initial not in INITIAL_CONDITIONS:
        raise ParameterError("initial", initial, " | ".join(INITIAL_CONDITIONS))
    if hasattr(model, "initial_population"):
        return model.initial_population(initial, z_index)
    if initial != "stationary":
        raise ParameterError("initial", initial,
                             f"'stationary' (model {type(model).__name__} has no other)")
    return _stationary(model).population_state.copy()


def table_points_for(model, points=None) -> int:
    """Points of the frozen-value table: `points`, else the model's own default."""
    if points is not None:
        return int(points)
    return int(getattr(model, "frozen_table_points", 2001))


_TABLES: dict = {}


def _table(model, points: int, continuation: str = "markov") -> FrozenValueTable:
    # One table per worker process, model and reading: built once, reused by every path.
    key = (getattr(model, "cache_key", model), int(points), continuation)
    table = _TABLES.get(key)
    if table is None:
        table = FrozenValueTable(model, points=int(points), continuation=continuation)
        _TABLES[key] = table
    return table


def paper_reference(kind: str) -> dict | None:
    """The paper's numbers for a model: ``sigma[N]``, ``forecast_error[j][N]`` (percent).

    Examples
    --------
    >>> paper_reference("krusell-smith")["sigma"][2]
    0.377
    >>> paper_reference("quality-ladder") is None
    True
    """
    if kind == "capacity":
        return {"sigma": dict(PAPER_TABLE3), "forecast_error": PAPER_TABLE5,
                "tables": "Tables 3 and 5"}
    if kind == "krusell-smith":
        return {"sigma": dict(PAPER_TABLE1), "forecast_error": PAPER_TABLE4,
                "tables": "Tables 1 and 4", "sigma_alm": PAPER_TABLE1_ALM,
                "note": f"paper's moment-based (KS-ALM) sigma(K): {PAPER_TABLE1_ALM}"}
    return None


def _check_horizons(horizons) -> tuple:
    out = []
    for n in horizons:
        out.append(require_int("horizons", n, 0))
    if not out:
        raise ParameterError("horizons", horizons, "at least one horizon")
    return tuple(out)


#: The largest tree (nodes x numbers per node x 8 bytes x 3 arrays) a run starts on.
TREE_MEMORY_LIMIT = 4 * 2**30
#: Numbers stored per tree node (population state + continuation object).
_NODE_SIZE = {"capacity": 11 + 11, "quality-ladder": 11 + 11, "krusell-smith": 2000 + 200}


def tree_bytes(kind, horizon: int, n_aggregate: int = 2) -> int:
    """Memory of one horizon-N tree: nodes x numbers per node x 8 bytes x 3 arrays.

    Examples
    --------
    >>> tree_bytes("capacity", 2)
    3696
    """
    nodes = sum(n_aggregate**k for k in range(horizon + 1))
    return nodes * _NODE_SIZE.get(kind, 22) * 8 * 3


def check_monte_carlo(kind, *, horizons, paths, periods, burn_in, firms, n_aggregate=2):
    """Check the sizes of a :func:`monte_carlo` run before any work; return them as ints.

    Every size is a whole number in range (NaN, 0 or a negative number is an
    error, not a silently different run), and the deepest horizon's event tree
    must fit in :data:`TREE_MEMORY_LIMIT` (its size is ``n_aggregate**N``).

    Returns
    -------
    tuple
        ``(horizons, paths, periods, burn_in, firms)``.

    Raises
    ------
    ParameterError
        Naming the parameter (the command line renames it to its flag).

    Examples
    --------
    >>> check_monte_carlo("capacity", horizons=(0, 1), paths=2, periods=10, burn_in=0, firms=None)
    ((0, 1), 2, 10, 0, None)
    """
    horizons = _check_horizons(horizons)
    paths = require_int("paths", paths, 1)
    periods = require_int("periods", periods, 1)
    burn_in = require_int("burn_in", burn_in, 0)
    if firms is not None:
        firms = require_int("firms", firms, 1)
    worst = max(horizons)
    need = tree_bytes(kind, worst, n_aggregate)
    if need > TREE_MEMORY_LIMIT:
        nodes = sum(n_aggregate**k for k in range(worst + 1))
        raise ParameterError("horizons", worst,
                             f"horizons whose tree fits in {TREE_MEMORY_LIMIT / 2**30:.0f} GiB",
                             f"N = {worst} needs about {need / 2**30:.1f} GiB ({nodes} nodes)")
    return horizons, paths, periods, burn_in, firms


def path_statistics(path_index, rng, *, model, horizons, periods, burn_in=100, firms=None,
                    forecast_horizon=3, table_points=None, keep_mean_paths=False,
                    forecast="exact", continuation="markov", initial="stationary"):
    """One Monte Carlo path: every horizon on the same shocks.

    Parameters
    ----------
    path_index : int
        Unused (the stream `rng` already depends on it); kept for run_paths.
    rng : numpy.random.Generator
        The path's stream: the aggregate path, then one seed shared by the
        firms' idiosyncratic draws under every ``N``.
    model : LadderModel
    horizons : tuple of int
    periods, burn_in : int
        Measured periods and discarded initial periods.
    firms : int or None
        ``None``: continuum (exact distribution); else the number of firms.
    forecast_horizon : int
        Forecast errors for ``j = 1..forecast_horizon``.
    forecast : {"exact", "resampled"}
        How forecasts are formed with ``firms`` (see
        :func:`~foresight.numerics.bfe.engine.simulate_path`); the resampled
        forecasts draw from a stream of their own, so the realised paths are
        those of ``"exact"``.
    continuation : {"markov", "frozen-prices", "mean-z"}
        What agents assume beyond the horizon (``docs/bfe.md``).
    initial : {"stationary", "hark"}
        Start from the stationary distribution without shocks (with ``z_0``
        drawn from the chain), or -- Krusell-Smith -- HARK's start: everybody at
        the steady-state capital and the first state bad.

    Returns
    -------
    dict
        ``sigma`` (H,), ``mean`` (H,), ``forecast_error`` (H, J),
        ``iterations`` (H,) mean fixed-point iterations per period, ``z_share``
        (fraction of measured periods in the high state), optionally
        ``mean_paths`` (H, periods + 1).

    Examples
    --------
    >>> out = path_statistics(0, np.random.default_rng(1), model=make_model("capacity"),
    ...                       horizons=(0,), periods=20, burn_in=5, table_points=101)
    >>> out["forecast_error"].shape
    (1, 3)
    """
    del path_index
    horizons = _check_horizons(horizons)
    total = int(burn_in) + int(periods)
    z0 = int(rng.integers(model.n_aggregate))
    if initial == "hark":
        z0 = 0  # HARK's first state is bad (the draw above keeps the stream's layout)
    z_path = simulate_aggregate_path(model.chain, z0, total, rng)
    firm_seed = int(rng.integers(2**63))
    s0 = initial_state(model, initial, z0)
    table = _table(model, table_points_for(model, table_points), continuation)
    h = len(horizons)
    sigma = np.empty(h)
    mean = np.empty(h)
    its = np.empty(h)
    fe = np.empty((h, int(forecast_horizon)))
    paths = np.empty((h, int(periods) + 1)) if keep_mean_paths else None
    for i, n in enumerate(horizons):
        solver = BFESolver(model, n, table=table, continuation=continuation)
        firm_rng = None if firms is None else np.random.default_rng(firm_seed)
        fc_rng = None if firms is None else np.random.default_rng([firm_seed, 1])
        res = simulate_path(solver, z_path, s0, firms=firms, rng=firm_rng,
                            forecast_horizon=int(forecast_horizon), forecast=forecast,
                            forecast_rng=fc_rng)
        measured = res.mean_state[int(burn_in):]
        sigma[i] = np.std(measured)
        mean[i] = np.mean(measured)
        its[i] = np.mean(res.iterations[int(burn_in):])
        fe[i] = forecast_errors(res, burn_in=int(burn_in))
        if keep_mean_paths:
            paths[i] = measured
    out = {"sigma": sigma, "mean": mean, "forecast_error": fe, "iterations": its,
           "z_share": np.mean(z_path[int(burn_in):] == model.n_aggregate - 1)}
    if keep_mean_paths:
        out["mean_paths"] = paths
    return out


def monte_carlo(kind, *, horizons=(0, 1, 2), paths=1000, periods=1000, burn_in=100,
                firms=None, seed=0, scheduler=None, n_workers=None, store=None,
                progress=True, forecast_horizon=3, table_points=None, model_params=None,
                forecast="exact", continuation="markov", initial="stationary"):
    """Table 3 and Table 5 statistics over many paths (Dask via ``run_paths``).

    Returns a JSON-able dict: per horizon the mean over paths of sigma, of the
    mean state and of the forecast errors, their standard errors, the paired
    differences between consecutive horizons with standard errors (the same
    shocks under every ``N``), and the run's size and timing.
    ``forecast="resampled"`` (with `firms`) forms the forecasts of equation (2)
    by simulating a copy of the firms through the tree (see
    :func:`path_statistics`).

    Examples
    --------
    >>> out = monte_carlo("capacity", horizons=(0,), paths=2, periods=20, burn_in=5,
    ...                   scheduler="serial", progress=False, table_points=101)
    >>> out["paths"], out["mode"]
    (2, 'continuum')
    """
    from foresight.numerics.montecarlo import run_paths

    model = make_model(kind, **(model_params or {}))
    horizons, paths, periods, burn_in, firms = check_monte_carlo(
        kind, horizons=horizons, paths=paths, periods=periods, burn_in=burn_in, firms=firms,
        n_aggregate=getattr(model, "n_aggregate", 2))
    forecast_horizon = require_int("forecast_horizon", forecast_horizon, 1)
    if forecast not in ("exact", "resampled") or (forecast == "resampled" and firms is None):
        raise ParameterError("forecast", forecast,
                             "'exact', or 'resampled' with a number of firms")
    require_continuation(continuation)
    if initial not in INITIAL_CONDITIONS:
        raise ParameterError("initial", initial, " | ".join(INITIAL_CONDITIONS))
    if initial != "stationary" and not hasattr(model, "initial_population"):
        raise ParameterError("initial", initial, f"'stationary' (model {kind})")
    t0 = time.perf_counter()
    # The markov reading keeps the tag of earlier runs, so their stores stay valid.
    tag = "bfe-path-statistics-v2" + ("" if continuation == "markov" and initial ==
                                      "stationary" else f"-{continuation}-{initial}")
    res = run_paths(path_statistics, int(paths), seed, scheduler=scheduler,
                    n_workers=n_workers, store=store, progress=progress,
                    tag=tag, model=model, horizons=horizons,
                    periods=int(periods), burn_in=int(burn_in),
                    firms=None if firms is None else int(firms),
                    forecast_horizon=int(forecast_horizon),
                    table_points=table_points_for(model, table_points),
                    forecast=forecast, continuation=continuation, initial=initial)
    sigma = res.stack("sigma")
    mean = res.stack("mean")
    fe = res.stack("forecast_error")
    its = res.stack("iterations")
    n = sigma.shape[0]

    def se(a):
        return (np.std(a, axis=0, ddof=1) / np.sqrt(n)) if n > 1 else np.full(a.shape[1:], np.nan)

    return {
        "model": kind,
        "parameters": _describe(model),
        "mode": ("continuum" if firms is None
                 else f"{int(firms)} {getattr(model, 'agent_noun', 'firms')}"),
        "forecast": forecast,
        "continuation": continuation,
        "initial": initial,
        "horizons": list(horizons),
        "paths": n,
        "periods": int(periods),
        "burn_in": int(burn_in),
        "seed": seed if isinstance(seed, int) else str(seed),
        "sigma_mean": sigma.mean(axis=0).tolist(),
        "sigma_se": se(sigma).tolist(),
        "sigma_diff_mean": np.diff(sigma, axis=1).mean(axis=0).tolist(),
        "sigma_diff_se": se(np.diff(sigma, axis=1)).tolist() if len(horizons) > 1 else [],
        "mean_state": mean.mean(axis=0).tolist(),
        "forecast_error_mean": fe.mean(axis=0).tolist(),
        "forecast_error_se": se(fe).tolist(),
        "forecast_error_diff_mean": np.diff(fe, axis=1).mean(axis=0).tolist(),
        "forecast_error_diff_se": se(np.diff(fe, axis=1)).tolist() if len(horizons) > 1
        else [],
        "iterations_mean": its.mean(axis=0).tolist(),
        "elapsed_s": time.perf_counter() - t0,
        "workers": res.n_workers,
    }


def _describe(model) -> dict:
    """JSON-able parameters of a model (dataclass fields, or its ``describe()``)."""
    if hasattr(model, "describe"):
        return model.describe()
    return {k: v for k, v in vars(model).items() if not k.startswith("_")}


def figure4_paths(kind="capacity", *, horizons=(0, 1, 2), periods=400, burn_in=100, seed=4,
                  firms=None, table_points=None, model_params=None, continuation="markov",
                  initial="stationary"):
    """Figure 4: one aggregate path; the mean state under each ``N``.

    Returns ``(z_values_path, {N: mean_state_path})`` over the measured periods.

    Examples
    --------
    >>> z, means = figure4_paths(periods=10, burn_in=2, horizons=(0,), table_points=101)
    >>> z.shape, means[0].shape
    ((11,), (11,))
    """
    from foresight.numerics.montecarlo import path_rng

    model = make_model(kind, **(model_params or {}))
    out = path_statistics(0, path_rng(seed, 0), model=model, horizons=horizons,
                          periods=periods, burn_in=burn_in, firms=firms,
                          table_points=table_points, keep_mean_paths=True,
                          continuation=continuation, initial=initial)
    # Re-draw the same aggregate path to return it (same stream, same first draws).
    rng = path_rng(seed, 0)
    z0 = 0 if initial == "hark" else int(rng.integers(model.n_aggregate))
    if initial == "hark":
        rng.integers(model.n_aggregate)
    z_path = simulate_aggregate_path(model.chain, z0, int(burn_in) + int(periods), rng)
    z = model.z_values[z_path[int(burn_in):]]
    return z, {n: out["mean_paths"][i] for i, n in enumerate(_check_horizons(horizons))}


def perfect_foresight_convergence(kind="capacity", *, horizons=(0, 1, 2, 4, 8),
                                  periods=60, start_state=None, pf_extra=60,
                                  table_points=None, model_params=None):
    """Distance of N-BFE paths to the perfect-foresight path (no aggregate shocks).

    The economy has ``z`` fixed at its stationary mean and starts from
    `start_state` (default: all firms in the top state ``M``, far from the
    stationary distribution).  The perfect-foresight path is the consistency
    fixed point over a single branch of ``periods + pf_extra`` periods with
    exact frozen values beyond it (:func:`perfect_foresight_path`).

    Returns a dict with the PF mean path, each N's mean path and the sup and
    mean absolute distances of the mean state over ``periods``.

    Examples
    --------
    >>> out = perfect_foresight_convergence(horizons=(0, 2), periods=10, pf_extra=20,
    ...                                     table_points=101)
    >>> out["sup_distance"][0] > out["sup_distance"][1]
    True
    """
    model = make_model(kind, **(model_params or {})).without_shocks()
    if start_state is None:
        start_state = np.eye(model.n_states)[-1]
    start_state = np.asarray(start_state, dtype=float)
    t0 = time.perf_counter()
    pf = perfect_foresight_path(model, start_state, int(periods) + int(pf_extra))
    pf_mean = np.array([model.mean_state(s)[0] for s in pf.population_states])[:periods + 1]
    pf_time = time.perf_counter() - t0
    table = _table(model, table_points_for(model, table_points))
    means, sup, avg = {}, [], []
    z_path = np.zeros(int(periods) + 1, dtype=np.int64)
    for n in _check_horizons(horizons):
        res = simulate_path(BFESolver(model, n, table=table), z_path, start_state)
        means[n] = res.mean_state
        sup.append(float(np.max(np.abs(res.mean_state - pf_mean))))
        avg.append(float(np.mean(np.abs(res.mean_state - pf_mean))))
    st = _stationary(make_model(kind, **(model_params or {})))
    return {"horizons": list(_check_horizons(horizons)), "pf_mean": pf_mean,
            "mean_paths": means, "sup_distance": sup, "mean_distance": avg,
            "pf_iterations": pf.iterations, "pf_residual": pf.residual,
            "pf_seconds": pf_time, "stationary_mean": float(model.mean_state(
                st.population_state[None, :])[0])}


def investment_response(kind="capacity", *, horizons=(0, 1, 2), state=None,
                        table_points=None, model_params=None):
    """How strongly investment reacts to the aggregate state, for each ``N``.

    At one population state (default: the stationary equilibrium without
    shocks) the N-BFE is solved once for every aggregate state; the root
    policy averaged over the population is the mean investment.  The spread
    between the highest and lowest ``z`` measures the response that drives
    the variability of mean capacity (Table 3): a smaller spread, less
    variability.  Also reported: the population share whose investment sits at
    the bound ``a_max`` (there the policy cannot react to forecasts at all).

    Returns a dict with ``horizons``, ``mean_investment`` (H, |Z|), ``spread``
    (H,), ``at_bound`` (H, |Z|) and ``max_investment`` (H, |Z|, over states).

    Examples
    --------
    >>> out = investment_response(horizons=(0, 1), table_points=101)
    >>> len(out["spread"]), len(out["mean_investment"][0])
    (2, 2)
    """
    model = make_model(kind, **(model_params or {}))
    s = initial_state(model) if state is None else np.asarray(state, dtype=float)
    if s.shape != (model.n_states,):
        raise ParameterError("state", f"shape {s.shape}", f"({model.n_states},)")
    table = _table(model, table_points_for(model, table_points))
    hs = _check_horizons(horizons)
    mean_inv = np.empty((len(hs), model.n_aggregate))
    at_bound = np.empty((len(hs), model.n_aggregate))
    top = np.empty((len(hs), model.n_aggregate))
    for i, n in enumerate(hs):
        solver = BFESolver(model, n, table=table)
        for z in range(model.n_aggregate):
            policy = solver.solve(s, z).root_policy
            mean_inv[i, z] = float(s @ policy)
            at_bound[i, z] = float(s @ (policy >= model.a_max * (1 - 1e-12)))
            top[i, z] = float(policy.max())
    spread = mean_inv.max(axis=1) - mean_inv.min(axis=1)
    return {"horizons": list(hs), "mean_investment": mean_inv.tolist(),
            "spread": spread.tolist(), "at_bound": at_bound.tolist(),
            "max_investment": top.tolist()}


# ------------------------------------------------------------- Krusell-Smith vs KS-ALM


@functools.lru_cache(maxsize=2)
def _alm_policy(continuum: bool = True):
    """The KS-ALM benchmark's household policy (previous issue's fixed point; ~3 s)."""
    from foresight.numerics.krusell_smith.alm import solve_alm

    return solve_alm(agents=None if continuum else 5000)


def alm_capital_path(z_path, initial: str = "hark") -> np.ndarray:
    """Aggregate capital of the KS-ALM economy (continuum) along `z_path`, ``K_0..K_T``.

    The same population start as an N-BFE path with ``initial`` (``"hark"``:
    everybody at the steady-state capital, first state bad).
    """
    from foresight.numerics.krusell_smith.alm import simulate_economy

    z_path = np.asarray(z_path, dtype=np.int64)
    if initial == "hark" and z_path[0] != 0:
        raise ParameterError("z_path[0]", int(z_path[0]), "0 (HARK's start is a bad state)")
    alm = _alm_policy()
    sim = simulate_economy(alm.params, alm.grids, alm.policy, z_path, None, initial, 0, 0, 0)
    return np.asarray(sim["capital"][:z_path.size])


def figure3_paths(*, horizons=(0, 1, 2), periods=500, burn_in=0, seed=3,
                  continuation="markov", initial="hark", firms=None):
    """Figure 3: one aggregate path; mean capital under each ``N`` and under KS-ALM.

    Returns ``(z_values, {N: K path}, K_ALM path)`` over the measured periods
    (HARK's start by default, as the paper's figure: everybody at the
    steady-state capital, first state bad).

    Examples
    --------
    >>> z, paths, alm = figure3_paths(horizons=(0,), periods=5)
    >>> z.shape, paths[0].shape, alm.shape
    ((6,), (6,), (6,))
    """
    from foresight.numerics.montecarlo import path_rng

    if initial != "hark":
        raise ParameterError("initial", initial, "'hark' (the KS-ALM path starts there)")
    z, paths = figure4_paths("krusell-smith", horizons=horizons, periods=periods,
                             burn_in=burn_in, seed=seed, firms=firms,
                             continuation=continuation, initial=initial)
    rng = path_rng(seed, 0)
    rng.integers(2)  # the draw of z_0 that HARK's start overrides (as path_statistics)
    z_path = simulate_aggregate_path(make_model("krusell-smith").chain, 0,
                                     int(burn_in) + int(periods), rng)
    return z, paths, alm_capital_path(z_path, initial)[int(burn_in):]


def distance_to_alm(*, horizons=(0, 1, 2, 3, 4), paths=10, periods=1000, burn_in=100,
                    seed=7, continuation="markov") -> dict:
    """How far N-BFE capital paths are from the KS-ALM path on the same shocks.

    For each path (HARK's start, the first `burn_in` periods left out): mean and
    max of ``|K_N - K_ALM|`` and sigma of both.  Returns per-horizon means over
    paths and their standard errors.

    Examples
    --------
    >>> out = distance_to_alm(horizons=(0,), paths=1, periods=10, burn_in=2)
    >>> sorted(out)[:3]
    ['burn_in', 'continuation', 'horizons']
    """
    from foresight.numerics.montecarlo import path_rng

    hs = _check_horizons(horizons)
    model = make_model("krusell-smith")
    mean_d = np.empty((paths, len(hs)))
    max_d = np.empty((paths, len(hs)))
    sig = np.empty((paths, len(hs)))
    sig_alm = np.empty(paths)
    for p in range(int(paths)):
        out = path_statistics(0, path_rng(seed, p), model=model, horizons=hs,
                              periods=periods, burn_in=burn_in, keep_mean_paths=True,
                              continuation=continuation, initial="hark")
        rng = path_rng(seed, p)
        rng.integers(2)
        z_path = simulate_aggregate_path(model.chain, 0, int(burn_in) + int(periods), rng)
        alm = alm_capital_path(z_path)[int(burn_in):]
        for i in range(len(hs)):
            d = np.abs(out["mean_paths"][i] - alm)
            mean_d[p, i], max_d[p, i] = d.mean(), d.max()
            sig[p, i] = np.std(out["mean_paths"][i])
        sig_alm[p] = np.std(alm)

    def se(a):
        return (np.std(a, axis=0, ddof=1) / np.sqrt(a.shape[0])).tolist() if a.shape[0] > 1 \
            else [float("nan")] * (a.shape[1] if a.ndim > 1 else 1)

    return {"horizons": list(hs), "continuation": continuation, "paths": int(paths),
            "periods": int(periods), "burn_in": int(burn_in),
            "mean_abs_distance": mean_d.mean(axis=0).tolist(),
            "mean_abs_distance_se": se(mean_d),
            "max_abs_distance": max_d.mean(axis=0).tolist(),
            "sigma": sig.mean(axis=0).tolist(), "sigma_alm": float(sig_alm.mean()),
            "sigma_alm_se": se(sig_alm[:, None])[0]}

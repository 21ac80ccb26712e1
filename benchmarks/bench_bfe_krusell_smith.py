"""Benchmark: one period of the Krusell-Smith N-BFE, where the time goes, tables.

Measures, warm numba cache, continuum (1,000-point histogram x 2 employment
states; 100-point EGM asset grid):

* per-period solve time along a path with the warm start of ``simulate_path``
  (the realised subtree), N = 0..4, each continuation reading;
* where the time goes at N = 2 and N = 4: backward EGM steps, forward pushes,
  frozen-table lookups, the rest (fixed-point bookkeeping, Python);
* frozen-value tables: build time per reading and the error of the
  interpolated tables against exact frozen solves at the leaves (33, 65, 129
  capital points);
* the ladder models' per-period times (the previous targets: N = 2 0.35 ms,
  N = 8 1.2 ms) after the contract refactor.

Usage: ``python benchmarks/bench_bfe_krusell_smith.py [--periods 200] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def _path(model, periods, seed=1):
    from foresight.numerics.bfe.engine import simulate_aggregate_path

    return simulate_aggregate_path(model.chain, 0, periods, np.random.default_rng(seed))


def per_period(model, horizon, reading, periods, table=None):
    from foresight.numerics.bfe.engine import BFESolver, simulate_path

    solver = BFESolver(model, horizon, continuation=reading, table=table)
    z = _path(model, periods)
    start = model.initial_population("stationary", 0) \
        if hasattr(model, "initial_population") else np.full(model.n_states, 1 / model.n_states)
    simulate_path(solver, z[:6], start)  # compile / warm
    t0 = time.perf_counter()
    res = simulate_path(solver, z, start, forecast_horizon=1)
    dt = (time.perf_counter() - t0) / (periods + 1)
    return dt, float(np.mean(res.iterations)), solver


def breakdown(model, horizon, periods):
    """Wrap the model's methods with timers along a path."""
    from foresight.numerics.bfe.engine import BFESolver, simulate_path

    spent = {"bellman_step": 0.0, "push": 0.0, "table": 0.0}
    solver = BFESolver(model, horizon)

    def timed(name, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[name] += time.perf_counter() - t
        return wrapper

    model_b, model_p = model.bellman_step, model.push
    table_call = solver.table.__call__
    model.bellman_step = timed("bellman_step", model_b)
    model.push = timed("push", model_p)
    solver._frozen = timed("table", lambda z, s: table_call(s, z))
    try:
        z = _path(model, periods)
        start = model.initial_population("stationary", 0)
        t0 = time.perf_counter()
        simulate_path(solver, z, start, forecast_horizon=1)
        total = time.perf_counter() - t0
    finally:
        del model.bellman_step, model.push
    n = periods + 1
    out = {k: 1e3 * v / n for k, v in spent.items()}
    out["other"] = 1e3 * total / n - sum(out.values())
    out["total"] = 1e3 * total / n
    return out


def tables(model):
    from foresight.numerics.bfe.engine import BFESolver, FrozenValueTable

    start = model.initial_population("stationary", 0)
    rows = []
    for reading in ("markov", "frozen-prices", "mean-z"):
        exact = BFESolver(model, 1, continuation=reading, exact=True).solve(start, 1)
        for points in (33, 65, 129):
            t0 = time.perf_counter()
            table = FrozenValueTable(model, points=points, continuation=reading)
            build = time.perf_counter() - t0
            eq = BFESolver(model, 1, continuation=reading, table=table).solve(start, 1)
            rows.append({"reading": reading, "points": points, "build_s": build,
                         "k_next_error": abs(eq.statistics[1][0] - exact.statistics[1][0]),
                         "policy_error": float(np.max(np.abs(eq.root_policy
                                                             - exact.root_policy)))})
    return rows


def main(argv=None):
    from foresight.numerics.bfe.krusell_smith import KrusellSmithBFE
    from foresight.numerics.bfe.models import CapacityModel, QualityLadderModel

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--periods", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    model = KrusellSmithBFE()
    out = {"periods": args.periods, "krusell_smith": [], "ladders": []}
    for reading in ("markov", "frozen-prices", "mean-z"):
        for n in (0, 1, 2, 3, 4):
            dt, its, _ = per_period(model, n, reading, args.periods)
            out["krusell_smith"].append({"reading": reading, "N": n, "ms": 1e3 * dt,
                                         "iterations": its})
            if not args.json:
                print(f"KS {reading:>13} N={n}: {1e3 * dt:7.2f} ms/period, "
                      f"{its:.1f} fixed-point iterations", flush=True)
    out["breakdown"] = {n: breakdown(KrusellSmithBFE(), n, args.periods) for n in (2, 4)}
    out["tables"] = tables(model)
    for m in (CapacityModel(), QualityLadderModel()):
        for n in (2, 8):
            dt, its, _ = per_period(m, n, "markov", 4 * args.periods)
            out["ladders"].append({"model": type(m).__name__, "N": n, "ms": 1e3 * dt})
    if args.json:
        print(json.dumps(out, indent=1))
        return
    for n, b in out["breakdown"].items():
        print(f"N={n} where the time goes (ms/period): " +
              ", ".join(f"{k} {v:.2f}" for k, v in b.items()))
    for r in out["tables"]:
        print(f"table {r['reading']:>13} {r['points']:>4} points: build {r['build_s']:.2f} s, "
              f"|K' - exact| {r['k_next_error']:.1e}, policy {r['policy_error']:.1e}")
    for r in out["ladders"]:
        print(f"{r['model']} N={r['N']}: {r['ms']:.3f} ms/period")


if __name__ == "__main__":
    main()

"""Benchmark: N-BFE solve per period, where the time goes, Table 3 / Table 5 at scale.

Run::

    .venv/bin/python benchmarks/bench_bfe.py [--json] [--paths P] [--paper-scale]
        [--store DIR] [--skip-tables] [--skip-per-period]

1. **Per period vs N** (continuum, capacity model, defaults and ``a_max = 10``): the
   N-BFE is solved along a 300-period path with the previous period's tree as warm
   start (what Monte Carlo does); time per period is the best of three runs.  A cold
   solve (from the root statistic) is timed too.  Targets: N = 2 <= 1 ms,
   N = 8 <= 100 ms.
2. **Where the time goes**: per period, the share in the tree map (backward induction
   + forward generation; for the generic level-by-level route also split into the two),
   in the frozen-value interpolation, and the rest (fixed-point algebra, packaging, the
   path loop, Python); fixed-point iterations per period; tree nodes.
3. **Interpolation error** of the frozen-value table (2001 points) vs exact policy
   iteration at off-grid statistics.
4. **Tables 3 and 5**: ``--paper-scale`` runs 1000 paths x 1000 periods (+100 burn-in)
   x N = 0, 1, 2 through Dask (local cluster, 2 workers), continuum and 1000 firms.
   Otherwise ``--paths`` paths (default 40) are run and the paper-scale time is
   extrapolated linearly in the number of paths (labelled as such).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from foresight.numerics.bfe import (
    BFESolver,
    CapacityModel,
    FrozenValueTable,
    simulate_aggregate_path,
    simulate_path,
)
from foresight.numerics.bfe.experiments import (
    PAPER_TABLE3,
    PAPER_TABLE5,
    initial_state,
    monte_carlo,
)


def per_period(model, horizons, periods=300, repeat=3, fused=True):
    table = FrozenValueTable(model)
    s0 = initial_state(model)
    z = simulate_aggregate_path(model.chain, 0, periods, np.random.default_rng(1))
    rows = []
    for n in horizons:
        solver = BFESolver(model, n, table=table, fused=fused)
        simulate_path(solver, z[:5], s0)  # compile / warm caches
        best = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            res = simulate_path(solver, z, s0)
            best = min(best, (time.perf_counter() - t0) / (periods + 1))
        cold = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            solver.solve(s0, 0)
            cold = min(cold, time.perf_counter() - t0)
        # Where the time goes: wrap the pieces with timers (one extra run).
        acc = {"backward": 0.0, "forward": 0.0, "interpolation": 0.0, "map": 0.0}

        def timed(name, fn, acc=acc):
            def run(*args, **kwargs):
                t = time.perf_counter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    acc[name] += time.perf_counter() - t
            return run

        solver.backward = timed("backward", solver.backward)
        solver.forward = timed("forward", solver.forward)
        solver._frozen = timed("interpolation", solver._frozen)
        solver.consistency_map = timed("map", solver.consistency_map)
        t0 = time.perf_counter()
        simulate_path(solver, z, s0)
        total = time.perf_counter() - t0
        tree = acc["map"] - acc["interpolation"]
        rows.append({
            "N": n, "nodes": int(sum(model.n_aggregate**k for k in range(n + 1))),
            "ms_per_period": 1e3 * best, "ms_cold_solve": 1e3 * cold,
            "iterations_per_period": float(np.mean(res.iterations)),
            # fused: backward + forward in one compiled call; generic: split below.
            "share_tree": tree / total,
            "share_backward": (acc["backward"] - acc["interpolation"]) / total
            if not fused else float("nan"),
            "share_forward": acc["forward"] / total if not fused else float("nan"),
            "share_interpolation": acc["interpolation"] / total,
            "share_rest": 1 - acc["map"] / total,
        })
    return rows


def interpolation_error(model, points=2001):
    table = FrozenValueTable(model, points=points)
    lo, hi = model.statistic_bounds()
    stats = lo + (hi - lo) * (np.arange(1, 40) + 0.5) / 41
    exact = model.frozen_values(stats)
    approx = table(stats)
    return float(np.max(np.abs(exact - approx) / np.maximum(1.0, np.abs(exact))))


def tables(paths, paper_scale, store):
    out = {}
    n_paths = 1000 if paper_scale else paths
    for label, firms in (("continuum", None), ("1000 firms", 1000)):
        sub = None if store is None else f"{store}/{'continuum' if firms is None else 'firms'}"
        res = monte_carlo("capacity", horizons=(0, 1, 2), paths=n_paths, periods=1000,
                          burn_in=100, firms=firms, seed=2025, scheduler=None, n_workers=2,
                          store=sub, progress=True)
        res["extrapolated_paper_scale_s"] = res["elapsed_s"] * 1000 / n_paths
        out[label] = res
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--paths", type=int, default=40)
    parser.add_argument("--paper-scale", action="store_true")
    parser.add_argument("--store", default=None)
    parser.add_argument("--skip-tables", action="store_true")
    parser.add_argument("--skip-per-period", action="store_true")
    args = parser.parse_args(argv)
    result = {"per_period": {}, "interpolation_rel_error": {}}
    models = () if args.skip_per_period else (
        ("a_max=1", CapacityModel(), True), ("a_max=10", CapacityModel(a_max=10.0), True),
        ("a_max=1, generic level-by-level route", CapacityModel(), False))
    for label, model, fused in models:
        result["per_period"][label] = per_period(model, (0, 1, 2, 3, 4, 5, 6, 7, 8),
                                                 fused=fused)
        result["interpolation_rel_error"][label] = interpolation_error(model)
    if not args.skip_tables:
        result["tables"] = tables(args.paths, args.paper_scale, args.store)
    if args.json:
        print(json.dumps(result, default=float))
        return result
    for label, rows in result["per_period"].items():
        print(f"per period, continuum, {label} (best of 3, warm start along a path)")
        print(f"{'N':>2} {'nodes':>5} {'ms/period':>9} {'cold ms':>8} {'iters':>6} "
              f"{'tree':>6} {'(back':>6} {'fwd)':>6} {'interp':>7} {'rest':>6}")
        for r in rows:
            split = ("     -      -" if np.isnan(r["share_backward"]) else
                     f"{r['share_backward']:6.0%} {r['share_forward']:6.0%}")
            print(f"{r['N']:>2} {r['nodes']:>5} {r['ms_per_period']:9.3f} "
                  f"{r['ms_cold_solve']:8.3f} {r['iterations_per_period']:6.2f} "
                  f"{r['share_tree']:6.0%} {split} {r['share_interpolation']:7.0%} "
                  f"{r['share_rest']:6.0%}")
        print(f"frozen-table interpolation max rel. error: "
              f"{result['interpolation_rel_error'][label]:.2e}")
    for label, r in result.get("tables", {}).items():
        scale = "paper scale" if r["paths"] == 1000 else (
            f"{r['paths']} paths; paper-scale time EXTRAPOLATED: "
            f"{r['extrapolated_paper_scale_s']:.0f} s")
        print(f"\nTables 3/5, {label}: {r['paths']} x {r['periods']} periods, "
              f"{r['elapsed_s']:.1f} s on {r['workers']} workers ({scale})")
        for i, n in enumerate(r["horizons"]):
            fe = "  ".join(f"{100 * r['forecast_error_mean'][i][j]:.3f}% "
                           f"(paper {PAPER_TABLE5[j + 1][n]:.3f}%)" for j in range(3))
            print(f"  N={n}: sigma {r['sigma_mean'][i]:.4f} +- {r['sigma_se'][i]:.4f} "
                  f"(paper {PAPER_TABLE3[n]:.3f}); FE {fe}")
    return result


if __name__ == "__main__":
    main()

"""Benchmarks of the Krusell–Smith solvers (a script, not a timed test).

    .venv/bin/python benchmarks/bench_krusell_smith.py            # our solvers
    .venv/bin/python benchmarks/bench_krusell_smith.py --json
    .venv/bin/python benchmarks/bench_krusell_smith.py --hark VENV/bin/python
        # also run econ-ark HARK (../shared/peers/hark_ks.py, patched so its loop
        # iterates) in its own venv, and ours on HARK's aggregate path: one run,
        # side by side
    .venv/bin/python benchmarks/bench_krusell_smith.py --grid-study

What is timed (best of `--repeat` after a warm-up call, so numba's compile
time is excluded; ``--cold`` measures the first call in a fresh numba cache):

* one household EGM solve to 1e-8 under a given law of motion, cold start
  (``c = m``) and warm start (from the policy of a law 0.1 % away);
* one histogram step over the default fine grid (1000 points x 2);
* the stationary equilibrium, both routes;
* the KS-ALM fixed point: continuum, 2,000 and 10,000 agents; Anderson vs
  HARK's damped update.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
PEER = ROOT.parent / "shared" / "peers" / "hark_ks.py"
LAW = ((0.0835, 0.0949), (0.9649, 0.9624))  # the HARK law (KS form)


def best_of(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def bench_household(repeat):
    from foresight.numerics.krusell_smith.household import (
        AggregateLawOfMotion,
        solve_alm_household,
    )
    from foresight.numerics.krusell_smith.params import KrusellSmithGrids, KrusellSmithParameters

    p, g = KrusellSmithParameters(), KrusellSmithGrids.default()
    law = AggregateLawOfMotion(*LAW)
    near = AggregateLawOfMotion((LAW[0][0] + 0.001, LAW[0][1] + 0.001), LAW[1])
    cold = best_of(lambda: solve_alm_household(p, g, law), repeat)
    start = solve_alm_household(p, g, near)
    warm = best_of(lambda: solve_alm_household(p, g, law, start=start), repeat)
    out = {
        "grid": f"{g.assets.size} assets x {g.capital.size} capital x 4 states",
        "cold_s": cold[0], "cold_median_s": cold[1],
        "cold_iterations": solve_alm_household(p, g, law).iterations,
        "warm_s": warm[0], "warm_iterations": solve_alm_household(p, g, law,
                                                                start=start).iterations,
    }
    small = KrusellSmithGrids.default(asset_points=64)
    out["cold_64_assets_s"] = best_of(lambda: solve_alm_household(p, small, law), repeat)[0]
    return out


def bench_histogram_step(repeat):
    from foresight.numerics.krusell_smith.household import (
        AggregateLawOfMotion,
        solve_alm_household,
    )
    from foresight.numerics.krusell_smith.params import KrusellSmithGrids, KrusellSmithParameters
    from foresight.numerics.krusell_smith.population import histogram_step, point_mass_histogram

    p, g = KrusellSmithParameters(), KrusellSmithGrids.default()
    pol = solve_alm_household(p, g, AggregateLawOfMotion(*LAW))
    dist = point_mass_histogram(g.fine, 11.6, p.urate_bad)
    nk = g.capital.size
    curves = np.array([[5, 6], [nk + 5, nk + 6]])
    cond = np.ascontiguousarray(p.conditional_employment[0, 0])
    out, sav, cons = np.empty_like(dist), np.empty_like(dist), np.empty_like(dist)
    idx, wt = np.empty(dist.shape, dtype=np.int64), np.empty_like(dist)
    R, w = p.prices(0, 11.6)
    m_nodes, c_nodes = pol.curves
    for _ in range(200):  # spread the mass over the grid first
        histogram_step(dist, g.fine, R, w * p.labour_endowment, m_nodes, c_nodes, curves, 0.3,
                       cond, out, sav, cons, idx, wt)
        dist, out = out, dist
    n = 2000

    def steps():
        d, o = dist, out
        for _ in range(n):
            histogram_step(d, g.fine, R, w * p.labour_endowment, m_nodes, c_nodes, curves, 0.3,
                           cond, o, sav, cons, idx, wt)
            d, o = o, d

    best, median = best_of(steps, repeat)
    return {"points": f"{g.fine.size} x 2", "step_us": 1e6 * best / n,
            "step_median_us": 1e6 * median / n}


def bench_stationary(repeat):
    from foresight.numerics.krusell_smith.stationary import (
        stationary_equilibrium,
        stationary_equilibrium_by_interest,
    )

    a = best_of(stationary_equilibrium, repeat)
    b = best_of(stationary_equilibrium_by_interest, repeat)
    ea, eb = stationary_equilibrium(), stationary_equilibrium_by_interest()
    return {"route_a_s": a[0], "route_b_s": b[0], "capital_a": ea.capital,
            "capital_b": eb.capital, "relative_difference": abs(ea.capital - eb.capital)
            / ea.capital, "evaluations_a": ea.evaluations, "evaluations_b": eb.evaluations,
            "representative_agent_capital": ea.representative_agent_capital}


def _alm_summary(res):
    d = res.to_dict()
    k = np.array([11.0, 11.5, 12.0, 12.5])
    d["predicted_log_k_next"] = [np.log(res.law.next_capital(z, k)).tolist() for z in (0, 1)]
    return d


def bench_alm(agents_list=(None, 2000, 10000), z_path=None, label=""):
    from foresight.numerics.krusell_smith.alm import solve_alm

    solve_alm(periods=600, discard=100)  # compile
    out = {}
    for agents in agents_list:
        t0 = time.perf_counter()
        res = solve_alm(agents=agents, z_path=z_path)
        wall = time.perf_counter() - t0
        key = ("continuum" if agents is None else f"{agents} agents") + label
        out[key] = {**_alm_summary(res), "wall_s": wall}
        print(f"  KS-ALM {key}: {wall:.2f} s, {res.iterations} iterations, den Haan max "
              f"{res.den_haan['max_percent']:.4f} %, sigma(K) {res.capital_std:.4f}",
              file=sys.stderr, flush=True)
    return out


def bench_methods():
    from foresight.numerics.krusell_smith.alm import solve_alm

    out = {}
    for method in ("anderson", "damped"):
        t0 = time.perf_counter()
        res = solve_alm(method=method, damping=0.5)
        out[method] = {"iterations": res.iterations, "wall_s": time.perf_counter() - t0}
    return out


def cold_compile():
    """First ALM call in a fresh numba cache (a subprocess)."""
    with tempfile.TemporaryDirectory() as cache:
        code = ("import time; t=time.perf_counter(); "
                "from foresight.numerics.krusell_smith.alm import solve_alm; "
                "solve_alm(); print(time.perf_counter()-t)")
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        first = float(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                     capture_output=True, text=True).stdout)
        second = float(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                      capture_output=True, text=True).stdout)
    return {"first_call_fresh_cache_s": first, "second_process_cached_s": second}


def grid_study():
    from foresight.numerics.krusell_smith.alm import solve_alm
    from foresight.numerics.krusell_smith.params import KrusellSmithGrids

    rows = []
    for kw in ({}, {"asset_points": 64}, {"asset_points": 200},
               {"asset_points": 100, "capital_points": 7},
               {"asset_points": 100, "fine_points": 3000},
               {"asset_points": 100, "asset_scale": 0.2},
               {"asset_points": 400, "asset_scale": 0.2, "capital_points": 25,
                "fine_points": 3000, "asset_min": 1e-5},
               {"asset_points": 32, "asset_max": 50.0, "asset_min": 1e-3}):
        g = KrusellSmithGrids.default(**kw)
        t0 = time.perf_counter()
        res = solve_alm(grids=g)
        rows.append({"grid": kw, "wall_s": time.perf_counter() - t0, **_alm_summary(res)})
        print(f"  grid {kw}: K {res.capital_mean:.5f}, sigma {res.capital_std:.5f}, "
              f"den Haan {res.den_haan['max_percent']:.4f}, Euler "
              f"{res.euler['mean_log10']:.2f}/{res.euler['max_log10']:.2f}",
              file=sys.stderr, flush=True)
    return rows


def run_hark(python, agents=2000, periods=6000, discard=1000, damping=0.5):
    """HARK's own run (the peer script) and its aggregate path, from its venv."""
    t0 = time.perf_counter()
    proc = subprocess.run([python, str(PEER), "--agents", str(agents), "--act-T", str(periods),
                           "--discard", str(discard), "--damping", str(damping)],
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    text = proc.stdout
    post = text.split("post-convergence simulation")[-1]
    ks = re.findall(r"KS form.*?bad : intercept=(\S+) slope=(\S+) R2=(\S+).*?good: "
                    r"intercept=(\S+) slope=(\S+) R2=(\S+)", post, re.S)[0]
    dh = re.findall(r"max (\S+)%\s+mean (\S+)%", post)[0]
    km = re.findall(r"mean K = (\S+)\s+std K = (\S+)", post)[0]
    solve = re.findall(r"Market.solve wall time: (\S+)s, ALM iterations: (\d+)", text)[0]
    path_code = ("import numpy as np, sys; from HARK.ConsumptionSaving.ConsAggShockModel import "
                 f"KrusellSmithEconomy as E; e=E(act_T={periods}); e.make_Mrkv_history(); "
                 "np.save(sys.argv[1], e.MrkvNow_hist)")
    with tempfile.TemporaryDirectory() as tmp:
        path_file = pathlib.Path(tmp) / "z.npy"
        subprocess.run([python, "-c", path_code, str(path_file)], check=True,
                       capture_output=True)
        z = np.load(path_file)
    return {
        "wall_s": wall, "solve_s": float(solve[0]), "iterations": int(solve[1]),
        "ks_form": [{"intercept": float(ks[0]), "slope": float(ks[1]), "r2": float(ks[2])},
                    {"intercept": float(ks[3]), "slope": float(ks[4]), "r2": float(ks[5])}],
        "den_haan_max_percent": float(dh[0]), "den_haan_mean_percent": float(dh[1]),
        "capital_mean": float(km[0]), "capital_std": float(km[1]), "z_path": z,
    }


def compare_with_hark(hark, ours):
    k = np.array([11.0, 11.5, 12.0, 12.5])
    rows = {}
    for key, res in ours.items():
        diff = []
        for z in (0, 1):
            h = hark["ks_form"][z]
            theirs = h["intercept"] + h["slope"] * np.log(k)
            diff.append(100 * (np.exp(np.array(res["predicted_log_k_next"][z]) - theirs) - 1))
        rows[key] = {"prediction_diff_percent_bad": diff[0].tolist(),
                     "prediction_diff_percent_good": diff[1].tolist(),
                     "max_abs_prediction_diff_percent": float(np.max(np.abs(diff))),
                     "speedup_vs_hark_solve": hark["solve_s"] / res["seconds"]["total"]}
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--hark", metavar="PYTHON", help="python of a venv with econ-ark 0.17.2")
    ap.add_argument("--cold", action="store_true", help="also time a fresh numba cache")
    ap.add_argument("--grid-study", action="store_true", help="accuracy vs grid sizes")
    args = ap.parse_args(argv)
    import numba

    result = {"numba_threads": numba.get_num_threads(), "cpus": os.cpu_count()}
    print("household EGM ...", file=sys.stderr, flush=True)
    result["household"] = bench_household(args.repeat)
    print("histogram step ...", file=sys.stderr, flush=True)
    result["histogram_step"] = bench_histogram_step(args.repeat)
    print("stationary equilibrium ...", file=sys.stderr, flush=True)
    result["stationary"] = bench_stationary(args.repeat)
    print("KS-ALM ...", file=sys.stderr, flush=True)
    result["alm"] = bench_alm()
    result["alm_methods"] = bench_methods()
    if args.cold:
        result["compile"] = cold_compile()
    if args.grid_study:
        result["grid_study"] = grid_study()
    if args.hark:
        print("HARK (several minutes) ...", file=sys.stderr, flush=True)
        hark = run_hark(args.hark)
        z = hark.pop("z_path")
        result["hark"] = hark
        result["alm_on_hark_path"] = bench_alm((None, 2000), z_path=z, label=" (HARK's path)")
        result["vs_hark"] = compare_with_hark(hark, {**result["alm"],
                                                     **result["alm_on_hark_path"]})
    if args.json:
        print(json.dumps(result, indent=1, default=float))
        return 0
    h, s, st = result["household"], result["histogram_step"], result["stationary"]
    print(f"household EGM to 1e-8 ({h['grid']}): cold {1e3 * h['cold_s']:.1f} ms "
          f"({h['cold_iterations']} iterations), warm {1e3 * h['warm_s']:.1f} ms "
          f"({h['warm_iterations']}); 64 assets cold {1e3 * h['cold_64_assets_s']:.1f} ms")
    print(f"histogram step ({s['points']}): {s['step_us']:.1f} us")
    print(f"stationary equilibrium: route A {st['route_a_s']:.2f} s, route B "
          f"{st['route_b_s']:.2f} s, K* {st['capital_a']:.6f} (difference "
          f"{st['relative_difference']:.1e})")
    for key, r in result["alm"].items():
        print(f"KS-ALM {key}: {r['wall_s']:.2f} s, {r['iterations']} iterations, den Haan "
              f"{r['den_haan']['max_percent']:.4f} % / {r['den_haan']['mean_percent']:.4f} %, "
              f"K {r['capital_mean']:.4f} sigma {r['capital_std']:.4f}")
    m = result["alm_methods"]
    print(f"fixed point: Anderson {m['anderson']['iterations']} iterations "
          f"{m['anderson']['wall_s']:.1f} s; damped 0.5 {m['damped']['iterations']} iterations "
          f"{m['damped']['wall_s']:.1f} s")
    if "compile" in result:
        print(f"compile: first ALM call in a fresh cache {result['compile']}")
    if "hark" in result:
        hk = result["hark"]
        print(f"HARK: {hk['wall_s']:.0f} s wall ({hk['solve_s']:.0f} s solve, "
              f"{hk['iterations']} iterations), den Haan {hk['den_haan_max_percent']} %, "
              f"K {hk['capital_mean']} sigma {hk['capital_std']}")
        for key, r in result["vs_hark"].items():
            print(f"  vs HARK, ours {key}: max |prediction difference| "
                  f"{r['max_abs_prediction_diff_percent']:.4f} %, "
                  f"{r['speedup_vs_hark_solve']:.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Paper-scale N-BFE experiments under every continuation reading (a CLI job, not a test).

Runs, with Dask (``--scheduler``; local cluster by default) and a resumable
store per configuration under ``--store``:

* Krusell-Smith Table 1 / Table 4: N = 0, 1, 2; continuum and n households;
  HARK's start with the transient measured (``burn_in = 0``) and left out
  (``burn_in = 100``), and the stationary start with a burn-in;
* Krusell-Smith beyond the paper: N = 0..4 (sigma and forecast errors as
  functions of N) and the distance of N-BFE capital to the KS-ALM path on the
  same shocks;
* capacity Tables 3 and 5 (continuum and 1000 firms).

Each configuration's result (``monte_carlo``'s JSON, self-describing: model
parameters, reading, start, sizes, seed, timing) is written to ``--out`` as
it finishes; rerunning skips finished ones.

Usage::

    python benchmarks/bfe_readings.py --paths 100 --out benchmarks/results/bfe_readings
    python benchmarks/bfe_readings.py --only ks-table1 --paths 1000 --scheduler tcp://...
"""

from __future__ import annotations

import argparse
import json
import pathlib
import time

READINGS = ("markov", "frozen-prices", "mean-z")


def configurations(paths: int, agent_paths: int, deep_paths: int, periods: int):
    out = []
    for reading in READINGS:
        for initial, burn in (("hark", 0), ("hark", 100), ("stationary", 100)):
            out.append(("ks-table1", f"ks_{reading}_{initial}_burn{burn}_continuum",
                        dict(kind="krusell-smith", horizons=(0, 1, 2), paths=paths,
                             periods=periods, burn_in=burn, continuation=reading,
                             initial=initial)))
        out.append(("ks-agents", f"ks_{reading}_hark_burn0_5000",
                    dict(kind="krusell-smith", horizons=(0, 1, 2), paths=agent_paths,
                         periods=periods, burn_in=0, firms=5000, continuation=reading,
                         initial="hark")))
        out.append(("ks-deep", f"ks_{reading}_hark_burn100_N0-4",
                    dict(kind="krusell-smith", horizons=(0, 1, 2, 3, 4), paths=deep_paths,
                         periods=periods, burn_in=100, continuation=reading,
                         initial="hark")))
        for firms in (None, 1000):
            mode = "continuum" if firms is None else "1000firms"
            out.append(("capacity", f"capacity_{reading}_{mode}",
                        dict(kind="capacity", horizons=(0, 1, 2), paths=paths,
                             periods=periods, burn_in=100, firms=firms,
                             continuation=reading)))
    return out


def _fmt(values, scale=1.0, digits=3):
    return " / ".join(f"{scale * v:.{digits}f}" for v in values)


def summary(directory: pathlib.Path) -> str:
    """Markdown tables (sigma, forecast errors, timing) of every result in `directory`."""
    from foresight.numerics.bfe.experiments import paper_reference

    lines = []
    results = {}
    for path in sorted(directory.glob("*.json")):
        results[path.stem] = json.loads(path.read_text())
    for model in ("krusell-smith", "capacity"):
        paper = paper_reference(model)
        lines += [f"### {model}", "",
                  "| run | paths x periods | sigma, N = 0 / 1 / 2 ... | FE j=1 % | FE j=2 % | "
                  "FE j=3 % | s |", "|---|---|---|---|---|---|---|"]
        hs = (0, 1, 2)
        lines.append(f"| paper | 1000 x 1000 | {_fmt([paper['sigma'][n] for n in hs])} | "
                     + " | ".join(_fmt([paper['forecast_error'][j][n] for n in hs
                                        if n in paper['forecast_error'][j]])
                                  for j in (1, 2, 3)) + " | |")
        for r in results.values():
            if r.get("model") != model or "sigma_mean" not in r:
                continue
            fe = r["forecast_error_mean"]
            label = f"{r['continuation']}, {r['mode']}"
            if model == "krusell-smith":
                label += f", start {r['initial']}, burn-in {r['burn_in']}"
            lines.append(
                f"| {label} | {r['paths']} x {r['periods']} | "
                f"{_fmt(r['sigma_mean'], digits=4)} (se {_fmt(r['sigma_se'], digits=4)}) | "
                + " | ".join(_fmt([fe[i][j] for i in range(len(fe))], 100)
                             for j in range(3)) + f" | {r['elapsed_s']:.0f} |")
        lines.append("")
    alm = {k: v for k, v in results.items() if "mean_abs_distance" in v}
    if alm:
        lines += ["### distance to the KS-ALM path (HARK start, after 100 periods)", "",
                  "| reading | N | mean abs distance | max abs distance | sigma N | "
                  "sigma KS-ALM |", "|---|---|---|---|---|---|"]
        for r in alm.values():
            for i, n in enumerate(r["horizons"]):
                lines.append(f"| {r['continuation']} | {n} | {r['mean_abs_distance'][i]:.4f} | "
                             f"{r['max_abs_distance'][i]:.4f} | {r['sigma'][i]:.4f} | "
                             f"{r['sigma_alm']:.4f} |")
    return "\n".join(lines)


def main(argv=None):
    from foresight.numerics.bfe.experiments import distance_to_alm, monte_carlo

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paths", type=int, default=100)
    ap.add_argument("--agent-paths", type=int, default=20)
    ap.add_argument("--deep-paths", type=int, default=20)
    ap.add_argument("--alm-paths", type=int, default=10)
    ap.add_argument("--periods", type=int, default=1000)
    ap.add_argument("--out", default="benchmarks/results/bfe_readings")
    ap.add_argument("--store", default=None, help="resumable per-batch stores (a folder)")
    ap.add_argument("--only", default=None,
                    help="ks-table1 | ks-agents | ks-deep | capacity | alm-distance")
    ap.add_argument("--scheduler", default=None)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--summary", action="store_true",
                    help="print Markdown tables of the results in --out and exit")
    args = ap.parse_args(argv)
    out = pathlib.Path(args.out)
    if args.summary:
        print(summary(out))
        return
    out.mkdir(parents=True, exist_ok=True)
    for group, name, cfg in configurations(args.paths, args.agent_paths, args.deep_paths,
                                           args.periods):
        if args.only and group != args.only:
            continue
        target = out / f"{name}.json"
        if target.exists():
            print(f"{name}: done earlier", flush=True)
            continue
        kind = cfg.pop("kind")
        store = None if args.store is None else str(pathlib.Path(args.store) / name)
        t0 = time.perf_counter()
        res = monte_carlo(kind, seed=2025, scheduler=args.scheduler, n_workers=args.workers,
                          store=store, progress=False, **cfg)
        target.write_text(json.dumps(res, indent=1))
        print(f"{name}: {time.perf_counter() - t0:.0f} s, sigma {res['sigma_mean']}",
              flush=True)
    if args.only in (None, "alm-distance"):
        for reading in READINGS:
            target = out / f"ks_{reading}_alm_distance.json"
            if target.exists():
                continue
            t0 = time.perf_counter()
            res = distance_to_alm(horizons=(0, 1, 2, 3, 4), paths=args.alm_paths,
                                  periods=args.periods, burn_in=100, continuation=reading)
            res["elapsed_s"] = time.perf_counter() - t0
            target.write_text(json.dumps(res, indent=1))
            print(f"alm distance {reading}: {res['elapsed_s']:.0f} s", flush=True)


if __name__ == "__main__":
    main()

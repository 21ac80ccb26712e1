"""Benchmark: start-up time of the ``foresight`` command line.

Run::

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5] [--label after] [--json]

Times, best and median of ``--repeat`` runs each (rounds interleaved so a
burst of load on the machine hits every command alike), in fresh processes:

- ``python -c pass``: the interpreter's own start (site, the venv's .pth files);
- ``python -m foresight --help``;
- ``python -m foresight simulate --help``;
- ``python -m foresight simulate --paths 10 --periods 10`` (two fixed Beta
  believers on one block: NumPy and the numba-free generated twins);
- the same with two learners, which takes a compiled kernel, with a warm numba
  cache (one untimed run first fills it).

It then runs the simulate command once more under ``python -X importtime``
and lists the modules with the largest cumulative import time (top-level
imports only: their cumulative time contains their children) and whether
sympy, scipy, dask, distributed or matplotlib were imported.  Results go to
``benchmarks/results/startup_<label>.json`` together with the load average
(``os.getloadavg``): the machine is shared, so timings without the load are
not comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "foresight --help": ["-m", "foresight", "--help"],
    "foresight simulate --help": ["-m", "foresight", "simulate", "--help"],
    "foresight simulate --paths 10 --periods 10": [
        "-m", "foresight", "simulate", "--paths", "10", "--periods", "10"],
    # learners take a compiled kernel: what a run that needs numba pays
    "foresight simulate --paths 10 --periods 10 (learners)": [
        "-m", "foresight", "simulate", "--paths", "10", "--periods", "10", "--models",
        "beta(1.5,1); beta(1,1.5)", "--prior", "0.3,0.7", "--prior", "0.7,0.3"],
}
SIMULATE = COMMANDS["foresight simulate --paths 10 --periods 10"]
WATCHED = ("sympy", "scipy", "dask", "distributed", "matplotlib", "numba", "numpy", "mpmath")


def _wall(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def import_profile(args: list[str]) -> tuple[list[tuple[str, float, float]], set[str]]:
    """``(name, self s, cumulative s)`` of every import of a run, and the top-level packages.

    Parses the ``-X importtime`` lines ``import time: self | cumulative | name``
    (microseconds; the name is indented by two spaces per nesting level).
    """
    out = subprocess.run([sys.executable, "-X", "importtime", *args], check=True,
                         capture_output=True, text=True)
    rows = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:"):].split("|")
        rows.append((name.rstrip(), int(own) / 1e6, int(cumulative) / 1e6))
    packages = {name.strip().split(".")[0] for name, _, _ in rows}
    return rows, packages


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (best-of)")
    parser.add_argument("--label", default="latest", help="results file suffix")
    parser.add_argument("--top", type=int, default=15, help="import rows to report")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    for warm_up in (SIMULATE, COMMANDS["foresight simulate --paths 10 --periods 10 (learners)"]):
        _wall(warm_up)  # fills the numba cache and the file-system cache
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeat):
        for name, cmd in COMMANDS.items():
            times[name].append(_wall(cmd))
    load_after = os.getloadavg()
    base = min(times["python -c pass"])
    timings = {
        name: {"best_s": min(t), "median_s": statistics.median(t),
               "best_above_python_s": min(t) - base, "runs_s": t}
        for name, t in times.items()
    }
    rows, packages = import_profile(SIMULATE)
    top_level = [r for r in rows if not r[0].startswith("  ")]
    top_level.sort(key=lambda r: -r[2])
    result = {
        "label": args.label,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "repeat": args.repeat,
        "timings": timings,
        "simulate_imports_total_s": sum(r[2] for r in top_level),
        "simulate_top_imports": [
            {"module": name.strip(), "self_s": own, "cumulative_s": cum}
            for name, own, cum in top_level[: args.top]
        ],
        "simulate_imports_watched": {p: p in packages for p in WATCHED},
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"startup_{args.label}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result, indent=2))
        return result
    print(f"load average {load_before[0]:.2f} -> {load_after[0]:.2f} ({os.cpu_count()} CPUs), "
          f"best/median of {args.repeat}")
    for name, t in timings.items():
        print(f"  {name:55s} best {t['best_s']:.3f} s  median {t['median_s']:.3f} s  "
              f"(+{t['best_above_python_s']:.3f} s over python)")
    print(f"simulate: imports {result['simulate_imports_total_s']:.3f} s in all; largest:")
    for r in result["simulate_top_imports"]:
        print(f"  {r['module']:45s} {r['cumulative_s']:.3f} s")
    print("imported: " + ", ".join(f"{p}={'yes' if v else 'no'}"
                                   for p, v in result["simulate_imports_watched"].items()))
    print(f"written {path}")
    return result


if __name__ == "__main__":
    main()

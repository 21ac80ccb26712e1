"""Overhead of :func:`foresight.numerics.montecarlo.run_paths`: serial vs LocalCluster.

Runs a trivial path function (one normal draw, ~µs) and a moderate one (a
2 000-step random walk with a running maximum, ~100 µs) serially and on a
LocalCluster, and prints wall time, per-path and per-batch cost.  The
cluster time is split into startup (spawning workers) and the rest.

Usage::

    python benchmarks/bench_montecarlo.py [--paths 20000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from foresight.numerics.montecarlo import run_paths


def trivial(path_index, rng):
    return {"x": rng.standard_normal()}


def moderate(path_index, rng, n_steps=2000):
    walk = np.cumsum(rng.standard_normal(n_steps))
    return {"final": walk[-1], "max": walk.max(), "hist": np.histogram(walk, bins=16)[0]}


def measure(fn, n_paths, batch, **options):
    t0 = time.perf_counter()
    res = run_paths(fn, n_paths, seed=1, progress=False, batch=batch, **options)
    wall = time.perf_counter() - t0
    n_batches = -(-n_paths // batch)
    return wall, res.startup, n_batches, res


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args(argv)
    n = args.paths
    print(f"n_paths={n} workers={args.workers} cpu_count={os.cpu_count()}")
    print(f"{'fn':9} {'mode':22} {'batch':>6} {'wall s':>8} {'startup':>8} "
          f"{'us/path':>9} {'ms/batch':>9}")
    reference = {}
    for fn in (trivial, moderate):
        for mode, options in [
            ("serial", dict(scheduler="serial")),
            ("serial+store", dict(scheduler="serial", store=True)),
            (f"local x{args.workers}", dict(n_workers=args.workers)),
            (f"local x{args.workers}+store", dict(n_workers=args.workers, store=True)),
        ]:
            for batch in (10, 100, 1000):
                with tempfile.TemporaryDirectory() as tmp:
                    opts = dict(options)
                    if opts.pop("store", False):
                        opts["store"] = tmp
                    wall, startup, n_batches, res = measure(fn, n, batch, **opts)
                    key = list(res.keys)[0]
                    values = res.stack(key)
                if fn.__name__ in reference:
                    assert np.array_equal(values, reference[fn.__name__]), "results differ"
                reference.setdefault(fn.__name__, values)
                work = wall - startup
                print(f"{fn.__name__:9} {mode:22} {batch:6d} {wall:8.3f} {startup:8.3f} "
                      f"{1e6 * work / n:9.1f} {1e3 * work / n_batches:9.2f}")


if __name__ == "__main__":
    main()

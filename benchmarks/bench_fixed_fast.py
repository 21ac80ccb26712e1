"""Benchmark: fixed-belief shares + log l_t, N = 10**4 x T = 100, on the same draws.

Interleaves, round by round (so load from other processes hits all alike):
the lecture's own ``simulate_blume_easley`` (numba ``@vectorize`` density, as
printed in the lecture), the lecture's approach vectorised with NumPy
(``lecture_numpy`` of bench_blume_easley: Beta pdfs, ratio, ``cumprod``,
shares), foresight's ``simulate_on_states`` (fixed Beta beliefs take the split
route: NumPy SIMD log/exp, compiled running sums) on all threads and on one,
and the general compiled kernel (``kernel="general"``, libm log/exp).  Reports
best and median times, the ratios, bytes moved per second against this
machine's measured fill and copy bandwidth, and the largest differences
between the routes.

Run::

    .venv/bin/python benchmarks/bench_fixed_fast.py [--rounds 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_blume_easley import F, G, H, lecture_numpy  # noqa: E402

from foresight.numerics import blume_easley as nb  # noqa: E402


def lecture_own_route(f_params=(1.0, 1.0), g_params=(3.0, 1.2)):
    """The lecture's own ``simulate_blume_easley`` as its Section 23.9 prints it.

    The comparator issue 11 names: a numba ``@vectorize`` Beta density ``p`` with
    ``math.gamma``, ``f``/``g`` as ``jit`` lambdas, ``compute_likelihood_ratios``
    (``f(s) / g(s)`` and ``np.cumprod``) and the share ``lam l / (1 - lam + lam l)``.
    Written here (a benchmark baseline, not library code) so both run on the same draws.
    """
    from math import gamma

    from numba import jit, vectorize

    @vectorize
    def p(x, a, b):
        r = gamma(a + b) / (gamma(a) * gamma(b))
        return r * x ** (a - 1) * (1 - x) ** (b - 1)

    fa, fb = f_params
    ga, gb = g_params
    f = jit(lambda x: p(x, fa, fb))
    g = jit(lambda x: p(x, ga, gb))

    def compute_likelihood_ratios(sequences, f, g):
        l_ratios = f(sequences) / g(sequences)
        return l_ratios, np.cumprod(l_ratios, axis=1)

    def simulate_blume_easley(sequences, f_belief=f, g_belief=g, lam=0.5):
        _, l_cumulative = compute_likelihood_ratios(sequences, f_belief, g_belief)
        return l_cumulative, lam * l_cumulative / (1 - lam + lam * l_cumulative)

    return simulate_blume_easley


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--periods", type=int, default=100)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    states = nb.sample_states(H, args.paths, args.periods, seed=1)
    econ = nb.lecture_economy(F, G, pareto_weight=0.5)
    lecture_own = lecture_own_route((F.a, F.b), (G.a, G.b))
    outputs = ("shares", "log_likelihood_ratio")
    threads = numba.get_num_threads()

    def one_thread():
        numba.set_num_threads(1)
        try:
            return nb.simulate_on_states(econ, states, outputs=outputs)
        finally:
            numba.set_num_threads(threads)

    routes = {
        "lecture_own": lambda: lecture_own(states),
        "lecture": lambda: lecture_numpy(states),
        "foresight": lambda: nb.simulate_on_states(econ, states, outputs=outputs),
        "foresight_1_thread": one_thread,
        "general_kernel": lambda: nb.simulate_on_states(econ, states, outputs=outputs,
                                                        kernel="general"),
    }
    times = {k: [] for k in routes}
    for fn in routes.values():
        fn()  # warm-up: compile or load the numba cache, first-touch memory
    for _ in range(args.rounds):
        for name, fn in routes.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    big = np.empty(2**25)
    src = np.ones_like(big)
    fill = min(_timed(lambda: big.fill(1.5)) for _ in range(5))
    copy = min(_timed(lambda: np.copyto(big, src)) for _ in range(5))
    sim = nb.simulate_on_states(econ, states, outputs=outputs)
    general = nb.simulate_on_states(econ, states, outputs=outputs, kernel="general")
    best = {k: min(v) for k, v in times.items()}
    median = {k: float(np.median(v)) for k, v in times.items()}
    pp = args.paths * args.periods
    moved = pp * 8 * (1 + 3)  # read s; write two shares and log l
    out = {
        "paths": args.paths, "periods": args.periods, "rounds": args.rounds,
        "threads": threads,
        "best_ms": {k: 1e3 * v for k, v in best.items()},
        "median_ms": {k: 1e3 * v for k, v in median.items()},
        "ratio_vs_lecture_own": best["lecture_own"] / best["foresight"],
        "ratio_vs_lecture_own_median": median["lecture_own"] / median["foresight"],
        "ratio_1_thread_vs_lecture_own": best["lecture_own"] / best["foresight_1_thread"],
        "ratio_general_kernel_vs_lecture_own": best["lecture_own"] / best["general_kernel"],
        "ratio_vs_lecture_numpy": best["lecture"] / best["foresight"],
        "foresight_GBps": moved / best["foresight"] / 1e9,
        "fill_GBps": big.nbytes / fill / 1e9, "copy_GBps": 2 * big.nbytes / copy / 1e9,
        "max_share_diff_vs_general_kernel": float(np.max(np.abs(sim.shares - general.shares))),
        "max_log_l_diff_vs_general_kernel": float(np.max(np.abs(
            sim.log_likelihood_ratio - general.log_likelihood_ratio))),
        "max_share_diff_lecture_own_vs_foresight": _lecture_agreement(lecture_own(states), sim),
        "target": ">= 20x the lecture's own simulate_blume_easley",
    }
    out["met"] = out["ratio_vs_lecture_own"] >= 20
    print(json.dumps(out, indent=2) if args.json else
          "\n".join(f"{k}: {v}" for k, v in out.items()))
    return out


def _lecture_agreement(lecture_out, sim) -> float:
    """Largest share difference where the lecture's unlogged l_t is representable."""
    ell, c1 = lecture_out
    ok = np.isfinite(ell) & (ell > 1e-300) & (ell < 1e300)
    return float(np.max(np.abs(sim.shares[..., 0][ok] - c1[ok])))


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()

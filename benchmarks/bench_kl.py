"""Benchmark: closed-form Beta KL (generated numba kernel) vs quadrature routes.

Run::

    .venv/bin/python benchmarks/bench_kl.py [--json]

Times per KL evaluation of KL(Beta(1,1) || Beta(3,1.2)):

- the generated ``@njit`` kernel ``beta_kl`` called from Python (dispatch overhead included);
- the same kernel in a loop inside ``@njit`` (per evaluation, 10**6 pairs);
- ``kl_closed_form_float`` (validated Python edge, Beta objects);
- the derived formula evaluated with mpmath at 30 digits;
- mpmath tanh-sinh quadrature at 30 digits (Beta pair and the 50/50 mixture);
- the lecture's scipy ``quad`` on [1e-5, 1 - 1e-5].
"""

from __future__ import annotations

import argparse
import json
import timeit

import numpy as np
from numba import njit

from foresight.derivations.distributions import Beta, parse_distribution
from foresight.derivations.kl import kl_closed_form, kl_quadrature
from foresight.numerics.distributions import kl_closed_form_float, kl_lecture_truncated
from foresight.numerics.generated.beta_kl import beta_kl


@njit(cache=True)
def _kl_loop(a1, b1, a2, b2, out):
    for i in range(a1.shape[0]):
        out[i] = beta_kl(a1[i], b1[i], a2[i], b2[i])
    return out


def _per_call(fn, repeat: int = 5) -> float:
    """Seconds per call: best of `repeat` runs of timeit's autorange count (>= 0.2 s)."""
    timer = timeit.Timer(fn)
    n, _ = timer.autorange()
    return min(timer.repeat(repeat, n)) / n


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    f, g = Beta(1, 1), Beta(3, 1.2)
    h = parse_distribution("mix(0.5*beta(1,1), 0.5*beta(3,1.2))")
    beta_kl(1.0, 1.0, 3.0, 1.2)  # compile / load cache before timing

    n = 1_000_000
    rng = np.random.default_rng(0)
    a1, b1, a2, b2 = (rng.uniform(0.5, 5.0, n) for _ in range(4))
    out = np.empty(n)
    _kl_loop(a1[:10], b1[:10], a2[:10], b2[:10], out[:10])
    loop_total = min(timeit.repeat(lambda: _kl_loop(a1, b1, a2, b2, out), number=1, repeat=5))

    results = {
        "njit kernel from Python": _per_call(lambda: beta_kl(1.0, 1.0, 3.0, 1.2)),
        "njit kernel in njit loop (1e6 pairs)": loop_total / n,
        "kl_closed_form_float (validated)": _per_call(lambda: kl_closed_form_float(f, g)),
        "mpmath closed form, 30 digits": _per_call(lambda: kl_closed_form(f, g, dps=30)),
        "mpmath quadrature, Beta pair, 30 digits": _per_call(lambda: kl_quadrature(f, g), 3),
        "mpmath quadrature, mixture h vs f, 30 digits": _per_call(
            lambda: kl_quadrature(h, f), 3),
        "lecture scipy quad [1e-5, 1-1e-5]": _per_call(lambda: kl_lecture_truncated(f, g)),
    }
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        width = max(map(len, results))
        for name, sec in results.items():
            print(f"{name:<{width}}  {sec * 1e6:12.3f} us/call")
    return results


if __name__ == "__main__":
    main()

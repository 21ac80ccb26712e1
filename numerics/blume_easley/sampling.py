"""Sampling nature's states: numpy Generators, one stream per block of paths."""


import os
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from foresight.derivations.distributions import as_distribution
from foresight.derivations.economy import (
    DiscreteStates,
)
from foresight.errors import (
    ForesightError,
    ParameterError,
    require_positive_int,
)
from foresight.numerics.blume_easley.constants import (
    PATHS_PER_STREAM,
)

# --------------------------------------------------------------------------
# Sampling states (numpy Generators, one per block of paths)
# --------------------------------------------------------------------------


def _as_nature(nature):
    if isinstance(nature, DiscreteStates):
        return nature
    try:
        return as_distribution(nature)
    except ForesightError:  # a bad spec or parameter names its own cause
        raise
    except Exception:
        raise ParameterError(
            "nature", nature, "a Beta, a Mixture, a DiscreteStates or a spec such as 'beta(1,1)'"
        ) from None


def _beta_draws(rng: np.random.Generator, a: float, b: float, size) -> np.ndarray:
    """Beta(a, b) draws: ``X / (X + Y)``, ``X ~ Gamma(a)``, ``Y ~ Gamma(b)`` when a, b >= 1.

    numpy's ``beta`` uses the same representation unless both shapes are
    <= 1, where it switches to Johnk's rejection method (5x slower at
    ``a = b = 1``); that method is kept for shapes below one, where the ratio
    of gammas loses precision.
    """
    if a >= 1.0 and b >= 1.0:
        x = rng.standard_gamma(a, size)
        y = rng.standard_gamma(b, size)
        x /= x + y
        return x
    return rng.beta(a, b, size=size)


def _draw(dist, rng: np.random.Generator, shape) -> np.ndarray:
    """Draws of `dist` with `rng`, filled in a fixed order (deterministic per stream)."""
    if isinstance(dist, DiscreteStates):
        cum = np.cumsum(dist.probs)
        u = rng.random(shape)
        idx = np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(cum) - 1)
        return np.asarray(dist.values, dtype=float)[idx]
    w, a, b = dist.components_arrays()
    if len(w) == 1:
        return _beta_draws(rng, a[0], b[0], shape)
    cum = np.cumsum(w)
    comp = np.minimum(np.searchsorted(cum / cum[-1], rng.random(shape), side="right"), len(w) - 1)
    out = np.empty(shape)
    for k in range(len(w)):
        mask = comp == k
        count = int(mask.sum())
        if count:
            out[mask] = _beta_draws(rng, a[k], b[k], count)
    return out


def _n_threads() -> int:
    """numba's thread count; numba's default when it is not loaded (its import costs
    0.4 s that a small run would pay only to learn this number)."""
    numba = sys.modules.get("numba")
    if numba is not None:
        return max(1, int(numba.get_num_threads()))
    configured = os.environ.get("NUMBA_NUM_THREADS", "")
    if configured.strip().isdigit():
        return max(1, int(configured))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def _fill_blocks(out: np.ndarray, seed, first_block: int, fill) -> None:
    """Call ``fill(rng, rows_view)`` for each block of rows in `out`, on a thread pool."""
    from foresight.numerics.montecarlo import path_rng

    n_rows = out.shape[0]
    jobs = []
    for b in range(first_block, first_block + -(-n_rows // PATHS_PER_STREAM)):
        lo = (b - first_block) * PATHS_PER_STREAM
        hi = min(lo + PATHS_PER_STREAM, n_rows)
        jobs.append((b, lo, hi))

    def work(job):
        b, lo, hi = job
        fill(path_rng(seed, b), out[lo:hi])

    threads = min(_n_threads(), len(jobs))
    if threads <= 1:
        for job in jobs:
            work(job)
    else:  # numpy's samplers release the GIL: blocks fill in parallel
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(work, jobs))


def sample_states(nature, n_paths: int, n_periods: int, seed) -> np.ndarray:
    """The ``(n_paths, n_periods)`` iid draws of nature that :func:`simulate` uses.

    Block ``b`` of :data:`PATHS_PER_STREAM` paths is filled from
    ``path_rng(seed, b)`` as one array (all of one gamma variate, then the
    other), so the paths of a complete block never depend on `n_paths`, but
    those of a partial last block do (its draws are laid out for its row count).

    Examples
    --------
    >>> s = sample_states("beta(3, 1.2)", 3, 4, seed=1)
    >>> s.shape, bool(((s > 0) & (s < 1)).all())
    ((3, 4), True)
    """
    nature = _as_nature(nature)
    n_paths = require_positive_int("n_paths", n_paths)
    n_periods = require_positive_int("n_periods", n_periods)
    out = np.empty((n_paths, n_periods))
    _fill_blocks(out, seed, 0,
                 lambda rng, rows: rows.__setitem__(slice(None), _draw(nature, rng, rows.shape)))
    return out

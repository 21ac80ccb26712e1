"""Checks of the random streams every Monte Carlo in foresight draws from.

Two properties a statistical check cannot see (duplicated draws still give
plausible means, only with an overstated sample size):

* :func:`check_block_size_independence` -- the paths of
  :func:`~foresight.numerics.montecarlo.run_paths` are the same whatever the
  batch (block) size, and the states of
  :func:`~foresight.numerics.blume_easley.sample_states` do not depend on how
  many paths are drawn (a prefix of a larger run is the smaller run);
* :func:`check_blocks_disjoint` -- no two paths or blocks share draws: the
  first draws of every stream are pairwise distinct.

Both compare the runner's output with streams rebuilt here from
``numpy.random.SeedSequence(seed).spawn`` (the documented contract), not with
the runner's own helper.
"""

from __future__ import annotations

import numpy as np

from foresight.verify.check import CheckResult, compare_close, compare_equal
from foresight.verify.registry import case

__all__ = ["check_block_size_independence", "check_blocks_disjoint", "first_draws_path"]


def first_draws_path(p, rng, n_draws=4):
    """A path function for :func:`run_paths` that returns its first uniform draws."""
    return {"u": rng.random(n_draws)}


def check_block_size_independence(results_by_batch: dict, reference, *,
                                  name="montecarlo.block_size_independence") -> CheckResult:
    """Each batch size's draws vs the reference streams ``SeedSequence(seed).spawn(n)``.

    Parameters
    ----------
    results_by_batch : dict
        ``{batch size: (n_paths, k) array}`` from runs with the same seed.
    reference : ndarray (n_paths, k)
        The first draws of each path rebuilt from the spawned seed sequences.
    """
    ref = np.asarray(reference, dtype=float)
    worst = max(results_by_batch, key=lambda b: float(np.max(np.abs(
        np.asarray(results_by_batch[b], dtype=float) - ref))))
    return compare_close(
        name, "path p draws from SeedSequence(seed).spawn(n)[p] whatever the batch size",
        ref, np.asarray(results_by_batch[worst], dtype=float), atol=0.0,
        basis="bit-identical streams", details={"batches": sorted(results_by_batch),
                                                "worst_batch": worst})


def check_blocks_disjoint(first_draws, *, name="montecarlo.blocks_disjoint") -> CheckResult:
    """No two rows (paths or blocks) of `first_draws` ``(rows, k)`` are the same stream.

    Rows of ``k`` uniform doubles from independent streams coincide with
    probability ``~rows^2 2^-53k``: any shared row means a shared stream.
    """
    rows = np.asarray(first_draws, dtype=float)
    _, counts = np.unique(rows, axis=0, return_counts=True)
    shared = int(np.sum(counts[counts > 1]))
    return compare_equal(
        name, "the first draws of every stream are distinct (no two blocks share draws)",
        0, shared, basis=f"{rows.shape[0]} streams x {rows.shape[1]} draws; duplicates "
        "among independent doubles have probability < 1e-20",
        details={"streams": int(rows.shape[0])})


@case("montecarlo")
def streams():
    """Seed streams: results independent of block size, no two blocks share draws."""
    from foresight.derivations.distributions import Beta
    from foresight.numerics import blume_easley as nbe
    from foresight.numerics.montecarlo import run_paths

    seed, n = 2024, 40
    ref = np.stack([np.random.default_rng(s).random(4)
                    for s in np.random.SeedSequence(seed).spawn(n)])
    runs = {b: run_paths(first_draws_path, n, seed, scheduler="serial", progress=False,
                         batch=b).stack("u")
            for b in (1, 7, 40)}
    out = [check_block_size_independence(runs, ref),
           check_blocks_disjoint(ref, name="montecarlo.paths_disjoint[reference]"),
           check_blocks_disjoint(runs[7], name="montecarlo.paths_disjoint[run_paths]")]
    # The Blume-Easley sampler: block b of PATHS_PER_STREAM paths uses stream b.
    per = nbe.PATHS_PER_STREAM
    nature = Beta(3, 1.2)
    # Complete blocks only: a partial last block draws its gammas for the rows it
    # has (X for all rows, then Y), so its paths depend on how many rows it holds.
    big = nbe.sample_states(nature, 3 * per + 5, 3, seed=seed)
    small = nbe.sample_states(nature, 2 * per, 3, seed=seed)
    out.append(compare_close(
        "montecarlo.sample_states_prefix", "paths in complete blocks do not depend on how many "
        "are drawn (block b always uses stream b)", big[: 2 * per], small, atol=0.0,
        basis="bit-identical streams", details={"paths_per_stream": per}))
    # Every path's draws, and every block's first row, distinct.
    out.append(check_blocks_disjoint(big, name="montecarlo.paths_disjoint[sample_states]"))
    out.append(check_blocks_disjoint(big[::per], name="montecarlo.blocks_disjoint"
                                                      "[sample_states]"))
    return out

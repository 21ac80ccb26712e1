"""Issue 10, item 4: the stream checks fail when blocks share draws or depend on batch size."""

from __future__ import annotations

import numpy as np

from foresight.verify import streams


def test_shared_streams_are_caught():
    rows = np.random.default_rng(0).random((10, 4))
    assert streams.check_blocks_disjoint(rows).passed
    shared = rows.copy()
    shared[7] = shared[2]  # block 7 reuses block 2's stream
    assert not streams.check_blocks_disjoint(shared).passed


def test_batch_dependent_streams_are_caught():
    ref = np.random.default_rng(1).random((6, 3))
    assert streams.check_block_size_independence({1: ref, 3: ref.copy()}, ref).passed
    # A runner that seeds each batch by its first path: every path of a batch the same stream.
    wrong = ref.copy()
    wrong[1:3] = wrong[0]
    assert not streams.check_block_size_independence({1: ref, 3: wrong}, ref).passed


def test_registered_case_passes():
    assert all(r.passed for r in streams.streams())

"""Issue 11: the result store never trusts a damaged or misplaced file, never
crashes on one, checks before new work, serialises concurrent runs, and names
what differs when it refuses a store."""

from __future__ import annotations

import json
import shutil
import threading
import time

import numpy as np
import pytest

from foresight.errors import ParameterError
from foresight.numerics.montecarlo import PathResults, StoreWarning, run_paths

CALLS: list[int] = []


def walk(path_index, rng, n_steps=20, drift=0.0):
    CALLS.append(path_index)
    steps = rng.standard_normal(n_steps) + drift
    return {"path": np.cumsum(steps), "index": path_index}


def slow_walk(path_index, rng, n_steps=20):
    time.sleep(0.05)
    return walk(path_index, rng, n_steps)


def run(*args, **kwargs):
    kwargs.setdefault("scheduler", "serial")
    kwargs.setdefault("progress", False)
    return run_paths(*args, **kwargs)


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "s"
    run(walk, 12, 3, store=root, batch=4)
    return root


def _files(root):
    return sorted(root.glob("paths-*.npz"))


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x40
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_truncate, _flip], ids=["truncated", "bit-flipped"])
def test_damaged_file_is_named_moved_aside_and_recomputed_first(store, damage):
    expected = run(walk, 12, 3).stack("path")
    victim = _files(store)[1]
    damage(victim)
    CALLS.clear()
    with pytest.warns(StoreWarning, match=victim.name):
        res = run(walk, 12, 3, store=store, batch=4)
    assert sorted(CALLS) == [4, 5, 6, 7]  # only the damaged batch, recomputed
    np.testing.assert_array_equal(res.stack("path"), expected)
    assert len(list((store / "damaged").iterdir())) == 1  # kept for a person to look at
    CALLS.clear()
    assert run(walk, 12, 3, store=store).n_computed == 0 and CALLS == []  # repaired


def test_file_copied_over_another_is_not_trusted(store):
    expected = run(walk, 12, 3).stack("path")
    first, second = _files(store)[:2]
    # same shapes, valid file: only its header says it holds paths 0..3
    shutil.copyfile(first, second)
    with pytest.warns(StoreWarning, match="copied or renamed from another batch"):
        res = run(walk, 12, 3, store=store, batch=4)
    np.testing.assert_array_equal(res.stack("path"), expected)


def test_file_of_another_experiment_is_not_trusted(tmp_path, store):
    other = tmp_path / "other"
    run(walk, 12, 3, store=other, batch=4, drift=1.0)
    shutil.copyfile(_files(other)[2], _files(store)[2])
    with pytest.warns(StoreWarning, match="another experiment"):
        res = run(walk, 12, 3, store=store, batch=4)
    np.testing.assert_array_equal(res.stack("path"), run(walk, 12, 3).stack("path"))


def test_from_store_names_damage_instead_of_crashing(store):
    _truncate(_files(store)[0])
    with pytest.warns(StoreWarning), pytest.raises(ParameterError, match="4 of 12 paths"):
        PathResults.from_store(store)


def test_damage_after_opening_is_named_on_read(store):
    res = PathResults.from_store(store)
    _flip(_files(store)[2])
    with pytest.raises(Exception, match="paths-000000000008-000000000012.npz"):
        res.stack("path")


def test_damaged_manifest_is_rebuilt_and_files_of_this_experiment_kept(store):
    (store / "manifest.json").write_text("{not json")
    CALLS.clear()
    with pytest.warns(StoreWarning, match="manifest.json"):
        res = run(walk, 12, 3, store=store, batch=4)
    assert CALLS == [] and res.n_reused == 12
    json.loads((store / "manifest.json").read_text())


def test_refusal_names_the_differing_parameter_with_both_values(store):
    with pytest.raises(ParameterError) as info:
        run(walk, 12, 3, store=store, n_steps=30)
    message = str(info.value)
    assert "n_steps: stored (absent), this run 30" in message
    with pytest.raises(ParameterError, match=r"drift: stored 0\.5, this run 0\.25"):
        root = store.parent / "d"
        run(walk, 4, 1, store=root, drift=0.5)
        run(walk, 4, 1, store=root, drift=0.25)
    with pytest.raises(ParameterError, match="n_paths: stored 12, this run 13"):
        run(walk, 13, 3, store=store)
    assert "sha256" not in message


def test_temporary_file_of_another_run_is_left_alone_while_it_runs(tmp_path):
    """Two runs on one store: the second waits for the first (it does not delete
    the first's temporary files), then reuses every path; nothing is computed twice."""
    root = tmp_path / "s"
    counts: dict[str, int] = {}
    errors: list[BaseException] = []

    def go(name):
        try:
            counts[name] = run(slow_walk, 16, 5, store=root, batch=2).n_computed
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    first = threading.Thread(target=go, args=("first",))
    first.start()
    time.sleep(0.2)  # the first holds the lock and is writing
    second = threading.Thread(target=go, args=("second",))
    second.start()
    first.join(30)
    second.join(30)
    assert not errors
    assert sorted(counts.values()) == [0, 16]
    np.testing.assert_array_equal(PathResults.from_store(root).stack("index"), np.arange(16))


def test_store_files_open_with_plain_numpy(store):
    with np.load(_files(store)[0]) as data:
        assert data["path"].shape == (4, 20)
        header = json.loads(data["__foresight__"].tobytes())
    assert (header["start"], header["stop"]) == (0, 4) and len(header["sha256"]) == 64



def test_unreadable_file_is_closed_not_leaked(store):
    """np.load leaks the handle it opens when the zip directory is bad; a ResourceWarning
    (file closed by the garbage collector) on every damaged file is the symptom."""
    import gc
    import warnings

    from foresight.numerics.montecarlo import _BadFile, _read_batch_file

    path = _files(store)[1]
    _truncate(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(_BadFile):
            _read_batch_file(path, 4, 8, None)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]

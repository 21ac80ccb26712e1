"""Tests of foresight.numerics.montecarlo.run_paths (serial mostly; one LocalCluster module)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from foresight.errors import ParameterError
from foresight.numerics.montecarlo import PathError, PathResults, path_rng, run_paths

# Path functions live at module level so Dask workers can unpickle them by name.
CALLS: list[int] = []
INTERRUPT_AT: dict[str, int] = {}


def walk(path_index, rng, n_steps=20, drift=0.0):
    steps = rng.standard_normal(n_steps) + drift
    return {"final": steps.sum(), "path": np.cumsum(steps), "index": path_index}


def counting_walk(path_index, rng, n_steps=20):
    CALLS.append(path_index)
    if INTERRUPT_AT.get("p") == path_index:
        raise KeyboardInterrupt
    return walk(path_index, rng, n_steps)


def failing(path_index, rng):
    if path_index == 5:
        raise ValueError("negative wealth")
    return {"x": rng.random()}


def ragged(path_index, rng):
    return {"x": np.zeros(2 if path_index < 3 else 3)}


def reference(n_paths, seed, n_steps=20):
    children = np.random.SeedSequence(seed).spawn(n_paths)
    return np.stack([np.cumsum(np.random.default_rng(c).standard_normal(n_steps))
                     for c in children])


def run(*args, **kwargs):
    kwargs.setdefault("scheduler", "serial")
    kwargs.setdefault("progress", False)
    return run_paths(*args, **kwargs)


def test_streams_match_seedsequence_spawn():
    res = run(walk, 13, 2024, batch=4)
    np.testing.assert_array_equal(res.stack("path"), reference(13, 2024))
    np.testing.assert_array_equal(res.stack("index"), np.arange(13))
    assert res.stack("final").shape == (13,)
    assert res.n_workers == 1 and res.n_computed == 13 and res.elapsed > 0


@pytest.mark.parametrize("batch", [1, 3, 7, 100])
def test_batch_size_does_not_change_results(batch):
    np.testing.assert_array_equal(run(walk, 20, 5, batch=batch).stack("path"), reference(20, 5))


def test_seed_sequence_seed_extends_spawn_key():
    root = np.random.SeedSequence(99)
    child = root.spawn(2)[1]
    res = run(walk, 4, child)
    expected = [np.cumsum(np.random.default_rng(c).standard_normal(20)) for c in child.spawn(4)]
    np.testing.assert_array_equal(res.stack("path"), np.stack(expected))
    fresh = np.random.SeedSequence(99, spawn_key=(1,))  # spawn() above advanced child's counter
    assert path_rng(child, 2).random() == np.random.default_rng(fresh.spawn(3)[2]).random()


def test_iter_paths_and_batches_stream_in_order(tmp_path):
    res = run(walk, 10, 1, batch=3, store=tmp_path / "s")
    assert [p for p, _ in res.iter_paths()] == list(range(10))
    assert [(a, b) for a, b, _ in res.iter_batches()] == [(0, 3), (3, 6), (6, 9), (9, 10)]
    assert res.keys == ("final", "path", "index")
    for p, row in res.iter_paths():
        assert row["index"] == p


def test_store_resume_after_interrupt_recomputes_nothing_finished(tmp_path):
    store = tmp_path / "store"
    expected = run(walk, 30, 11).stack("path")
    CALLS.clear()
    INTERRUPT_AT["p"] = 17
    try:
        with pytest.raises(KeyboardInterrupt):
            run(counting_walk, 30, 11, batch=4, store=store)
    finally:
        INTERRUPT_AT.clear()
    # batches 0-3, ..., 12-15 finished before the interrupt in batch 16-19
    last = sorted(p.name for p in store.glob("paths-*.npz"))[-1]
    assert last == "paths-000000000012-000000000016.npz"
    CALLS.clear()
    res = run(counting_walk, 30, 11, batch=5, store=store)  # another batch size on resume
    assert sorted(CALLS) == list(range(16, 30))
    assert res.n_reused == 16 and res.n_computed == 14
    np.testing.assert_array_equal(res.stack("path"), expected)
    # finished store: nothing recomputed, and openable without path_fn
    CALLS.clear()
    assert run(counting_walk, 30, 11, store=store).n_computed == 0 and CALLS == []
    np.testing.assert_array_equal(PathResults.from_store(store).stack("path"), expected)
    assert not list(store.glob(".tmp-*"))


def test_manifest_mismatch_raises(tmp_path):
    store = tmp_path / "s"
    run(walk, 5, 1, store=store, tag="v1", n_steps=4)
    manifest = json.loads((store / "manifest.json").read_text())
    assert manifest["n_paths"] == 5 and manifest["path_fn"].endswith("walk")
    for change in [dict(seed=2), dict(n_paths=6), dict(tag="v2"), dict(n_steps=5),
                   dict(drift=0.1), dict(path_fn=failing)]:
        args = dict(path_fn=walk, n_paths=5, seed=1, tag="v1", n_steps=4) | change
        with pytest.raises(ParameterError, match="store"):
            run(args.pop("path_fn"), args.pop("n_paths"), args.pop("seed"), store=store, **args)
    run(walk, 5, 1, store=store, tag="v1", n_steps=4)  # same experiment: fine


def test_store_refuses_foreign_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ParameterError, match="no manifest"):
        run(walk, 3, 1, store=tmp_path)
    with pytest.raises(ParameterError, match="written by run_paths"):
        PathResults.from_store(tmp_path / "missing")
    store = tmp_path / "s"
    run(walk, 6, 1, store=store, batch=2)
    (store / "paths-000000000002-000000000004.npz").unlink()
    with pytest.raises(ParameterError, match="2 of 6 paths are missing"):
        PathResults.from_store(store)


def test_array_kwargs_fingerprint(tmp_path):
    store = tmp_path / "s"
    run(walk, 3, 1, store=store, drift=np.float64(0.5))
    with pytest.raises(ParameterError):
        run(walk, 3, 1, store=store, drift=np.float64(0.25))


def test_path_error_names_the_path():
    with pytest.raises(PathError, match=r"path 5: ValueError: negative wealth") as info:
        run(failing, 10, 0, batch=3)
    assert info.value.path_index == 5 and "negative wealth" in info.value.remote_traceback
    with pytest.raises(PathError, match="path 3: returned 'x' with shape"):
        run(ragged, 6, 0, batch=6)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(n_paths=0), "n_paths"),
        (dict(n_paths=2.5), "n_paths"),
        (dict(seed=None), "seed"),
        (dict(seed=-1), "seed"),
        (dict(batch=0), "batch"),
        (dict(max_in_flight=0), "max_in_flight"),
        (dict(scheduler="seriall"), "scheduler"),
        (dict(scheduler=3), "scheduler"),
        (dict(n_workers=2), "n_workers"),
        (dict(tag=1), "tag"),
    ],
)
def test_invalid_arguments(kwargs, name):
    args = dict(n_paths=3, seed=1) | kwargs
    with pytest.raises(ParameterError) as info:
        run(walk, args.pop("n_paths"), args.pop("seed"), **args)
    assert info.value.name == name


def test_unknown_key_suggests():
    with pytest.raises(ParameterError, match="did you mean 'final'"):
        run(walk, 2, 1).stack("fnal")


def test_progress_bar_env(monkeypatch, capsys):
    monkeypatch.setenv("FORESIGHT_PROGRESS", "1")
    run(walk, 4, 1, progress=True)
    assert "4/4" in capsys.readouterr().err
    monkeypatch.setenv("FORESIGHT_PROGRESS", "0")
    run(walk, 4, 1, progress=True)
    assert capsys.readouterr().err == ""


def test_distributed_matches_serial(tmp_path):
    """1 worker, 2 workers, an existing cluster (address and Client) and a resumed
    distributed run all give the serial arrays bit for bit."""
    distributed = pytest.importorskip("distributed")
    expected = run(walk, 40, 3).stack("path")
    for n_workers in (1, 2):
        res = run_paths(walk, 40, 3, n_workers=n_workers, batch=3, progress=False)
        assert res.n_workers == n_workers
        np.testing.assert_array_equal(res.stack("path"), expected)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                                 silence_logs=40) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        res = run_paths(walk, 40, 3, scheduler=cluster.scheduler_address, progress=False)
        np.testing.assert_array_equal(res.stack("path"), expected)
        store = tmp_path / "s"
        run(walk, 40, 3, store=store, batch=7)
        for f in sorted(store.glob("paths-*.npz"))[1::2]:
            f.unlink()  # as if interrupted with holes
        res = run_paths(walk, 40, 3, scheduler=client, store=store, batch=2, progress=False)
        assert 0 < res.n_computed < 40
        np.testing.assert_array_equal(res.stack("path"), expected)
        with pytest.raises(PathError, match="path 5: ValueError: negative wealth"):
            run_paths(failing, 10, 0, scheduler=client, batch=2, progress=False)

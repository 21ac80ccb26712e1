"""Monte Carlo over many independent paths, fanned out through Dask.

:func:`run_paths` calls a user function once per path index ``p = 0 .. n_paths-1``
and collects what it returns.  It exists so that every simulation in foresight
gets the same four guarantees without re-implementing them:

* **Reproducible streams.**  Path ``p`` always draws from
  ``Generator(PCG64(SeedSequence(entropy, spawn_key=spawn_key + (p,))))``, the
  ``p``-th child that ``SeedSequence(seed).spawn`` would give (see
  :func:`path_rng`).  The stream depends on ``(seed, p)`` only, so results are
  bit-identical whatever the scheduler, the number of workers, the batch size,
  the order batches finish in, and whether the run was resumed.
* **Dask, not a home-made pool.**  ``scheduler=None`` starts a
  :class:`distributed.LocalCluster` for the call; an address or a
  :class:`distributed.Client` uses an existing cluster; ``"serial"`` runs
  in-process without Dask.
* **Resumable, flat memory.**  With ``store=`` each finished batch of paths is
  written atomically to its own ``.npz`` file as it arrives; a rerun skips
  paths already stored.  At most ``max_in_flight`` batches are submitted at
  once, so client memory does not grow with ``n_paths``.
* **Progress.**  A tqdm bar advances as batches finish.

Cost model (``benchmarks/bench_montecarlo.py``, 2 shared cores): starting a
LocalCluster of 2 workers takes about 0.5 s (more with more workers and with
heavy imports in the path function's module); each batch costs about 5 ms of
scheduling and transfer (0.3 ms serial, +0.5 ms with a store for the fsync);
creating a path's generator costs about 25 us.  For runs of a few seconds or
less use ``scheduler="serial"``; for many runs start one cluster and pass its
client, address or cluster object to every call.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import itertools
import json
import logging
import math
import os
import pickle
import re
import sys
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from foresight.errors import ForesightError, ParameterError, did_you_mean

__all__ = ["PathError", "PathResults", "StoreWarning", "path_rng", "run_paths"]

#: Bumped when the layout of a store changes; a store of another format is refused.
STORE_FORMAT = 2
_MANIFEST = "manifest.json"
_BATCH_FILE = re.compile(r"^paths-(\d{12})-(\d{12})\.npz$")
#: Defaults of the automatic batch size (see :func:`_auto_batch`).
_TASKS_PER_WORKER = 8
_MIN_TASKS = 64
_MAX_BATCH = 10_000
_SCHEDULERS = ("None, 'serial', a scheduler address 'tcp://host:port', a distributed.Client "
               "or a distributed cluster object")

PathFn = Callable[..., Mapping[str, Any]]


class PathError(ForesightError, RuntimeError):
    """``path_fn`` raised, or returned something that cannot be stacked, on one path.

    Parameters
    ----------
    path_index : int
        The path that failed; rerun it alone with
        ``path_fn(path_index, path_rng(seed, path_index), **kwargs)``.
    reason : str
        What went wrong (the original exception type and message).
    remote_traceback : str, optional
        The traceback where the error happened (on a worker in distributed
        runs, where the chained ``__cause__`` does not survive pickling).

    Examples
    --------
    >>> str(PathError(7, "ValueError: negative wealth"))
    'path_fn failed on path 7: ValueError: negative wealth'
    """

    def __init__(self, path_index: int, reason: str, remote_traceback: str = ""):
        self.path_index, self.reason = path_index, reason
        self.remote_traceback = remote_traceback
        super().__init__(f"path_fn failed on path {path_index}: {reason}")

    def __reduce__(self):
        # Exceptions pickle as type(*args); ours has a different signature, and
        # the state dict carries __notes__ (the worker traceback) across.
        return (type(self), (self.path_index, self.reason, self.remote_traceback), self.__dict__)


# ---------------------------------------------------------------- random streams


@dataclasses.dataclass(frozen=True)
class _Seed:
    """The root of all path streams, in a form that pickles and goes into JSON."""

    entropy: int | tuple[int, ...]
    spawn_key: tuple[int, ...]
    pool_size: int

    @classmethod
    def parse(cls, seed) -> _Seed:
        if isinstance(seed, np.random.SeedSequence):
            entropy = seed.entropy
            if not isinstance(entropy, int):
                entropy = tuple(int(e) for e in entropy)
            return cls(entropy, tuple(int(k) for k in seed.spawn_key), int(seed.pool_size))
        valid = "an integer >= 0 or a numpy.random.SeedSequence"
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            hint = "pass an explicit seed so the run can be reproduced" if seed is None else None
            raise ParameterError("seed", seed, valid, hint)
        if seed < 0:
            raise ParameterError("seed", seed, valid)
        return cls(int(seed), (), 4)

    def sequence(self, path_index: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(
            self.entropy, spawn_key=self.spawn_key + (path_index,), pool_size=self.pool_size
        )

    def as_json(self) -> dict:
        entropy = self.entropy if isinstance(self.entropy, int) else list(self.entropy)
        return {"entropy": entropy, "spawn_key": list(self.spawn_key), "pool_size": self.pool_size}


def path_rng(seed, path_index: int) -> np.random.Generator:
    """Return the generator that :func:`run_paths` hands to path `path_index`.

    It is ``Generator(PCG64(SeedSequence(seed, spawn_key=(path_index,))))``,
    the same stream as ``SeedSequence(seed).spawn(n)[path_index]`` for any
    ``n > path_index``.  When `seed` is itself a ``SeedSequence``, its
    ``spawn_key`` is extended by ``(path_index,)`` (so experiments can be
    nested without overlapping streams).  Use it to rerun one path alone.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        The seed passed to :func:`run_paths`.
    path_index : int
        The path, ``>= 0``.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> import numpy as np
    >>> a = path_rng(42, 3).standard_normal()
    >>> b = np.random.default_rng(np.random.SeedSequence(42).spawn(4)[3]).standard_normal()
    >>> a == b
    True
    """
    if isinstance(path_index, bool) or not isinstance(path_index, int | np.integer):
        raise ParameterError("path_index", path_index, "integers >= 0")
    if path_index < 0:
        raise ParameterError("path_index", path_index, "integers >= 0")
    return np.random.Generator(np.random.PCG64(_Seed.parse(seed).sequence(int(path_index))))


# ---------------------------------------------------------------- one batch of paths


def _run_batch(path_fn: PathFn, start: int, stop: int, seed: _Seed, kwargs: dict):
    """Run paths ``start .. stop-1``; return ``(start, stop, {key: (stop-start, ...) array})``.

    Runs on a Dask worker (or in-process in serial mode).  The first path fixes
    the keys, shapes and dtypes; every later path must match exactly, so that
    stacking never casts silently (an int that becomes a float on path 900
    would otherwise truncate).
    """
    columns: dict[str, np.ndarray] | None = None
    for p in range(start, stop):
        rng = np.random.Generator(np.random.PCG64(seed.sequence(p)))
        try:
            out = path_fn(p, rng, **kwargs)
        except Exception as exc:
            err = PathError(p, f"{type(exc).__name__}: {exc}", traceback.format_exc())
            err.add_note("Traceback of the original error:\n" + err.remote_traceback.rstrip())
            raise err from exc
        row = _as_row(p, out)
        if columns is None:
            columns = {k: np.empty((stop - start, *v.shape), dtype=v.dtype) for k, v in row.items()}
        elif row.keys() != columns.keys():
            raise PathError(
                p, f"returned keys {sorted(row)}, but path {start} returned {sorted(columns)}"
            )
        for key, value in row.items():
            column = columns[key]
            if value.shape != column.shape[1:] or value.dtype != column.dtype:
                raise PathError(
                    p,
                    f"returned {key!r} with shape {value.shape} and dtype {value.dtype}, but "
                    f"path {start} returned shape {column.shape[1:]} and dtype {column.dtype}",
                )
            column[p - start] = value
    return start, stop, columns


def _as_row(p: int, out) -> dict[str, np.ndarray]:
    if not isinstance(out, Mapping) or not out:
        raise PathError(p, f"must return a non-empty dict of arrays, got {type(out).__name__}")
    row = {}
    for key, value in out.items():
        if not isinstance(key, str) or not key:
            raise PathError(p, f"returned key {key!r}; keys must be non-empty strings")
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise PathError(p, f"returned {key!r} of object dtype; return numeric arrays")
        row[key] = array
    return row


# ---------------------------------------------------------------- results


class PathResults:
    """What :func:`run_paths` returns: per-path results, in path order.

    Results live either in memory (``store=None``) or in the store directory;
    in the latter case nothing is read until asked for, and :meth:`iter_batches`
    / :meth:`iter_paths` hold one batch at a time.

    Attributes
    ----------
    n_paths : int
        Number of paths.
    elapsed : float
        Wall-clock seconds of the :func:`run_paths` call, cluster start and
        shutdown included.
    startup : float
        Seconds spent starting or connecting to the cluster (0 in serial mode).
    n_workers : int
        Workers that ran paths: 1 in serial mode, the cluster's worker count
        otherwise, 0 when every path came from the store.
    n_computed, n_reused : int
        Paths computed by this call, and paths read back from the store.
    store : pathlib.Path or None
        The store directory.
    """

    def __init__(self, n_paths: int, *, store: Path | None = None, batches=None):
        self.n_paths = n_paths
        self.store = store
        self.elapsed = 0.0
        self.startup = 0.0
        self.n_workers = 0
        self.n_computed = 0
        self.n_reused = 0
        # start -> (stop, arrays or None); None means "read from the store file".
        self._batches: dict[int, tuple[int, dict[str, np.ndarray] | None]] = dict(batches or {})
        self._experiment: str | None = None  # the key every store file must carry

    @classmethod
    def from_store(cls, store) -> PathResults:
        """Open a finished store written by :func:`run_paths`, without rerunning anything.

        Raises
        ------
        ParameterError
            If `store` has no manifest or some paths are missing.
        """
        root = Path(store)
        try:
            manifest = _read_manifest(root) if root.is_dir() else None
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise ParameterError("store", str(store), "a directory with a readable manifest.json",
                                 f"cannot read it ({exc}); rerun run_paths to repair it") from None
        if manifest is None:
            raise ParameterError("store", str(store), "a directory written by run_paths")
        if manifest.get("format") != STORE_FORMAT:
            raise ParameterError("store", str(store), f"a store of format {STORE_FORMAT}",
                                 f"it has format {manifest.get('format')!r}; recompute it")
        n_paths = int(manifest["n_paths"])
        experiment = _experiment_key(manifest)
        with _StoreLock(root):
            done = _scan_store(root, n_paths, experiment)
        missing = n_paths - sum(stop - start for start, stop in done)
        if missing:
            raise ParameterError(
                "store", str(store), "a complete store",
                hint=f"{missing} of {n_paths} paths are missing; rerun run_paths to finish it",
            )
        results = cls(n_paths, store=root, batches={a: (b, None) for a, b in done})
        results._experiment = experiment
        results.n_reused = n_paths
        return results

    def __len__(self) -> int:
        return self.n_paths

    def __repr__(self) -> str:
        where = f"store={str(self.store)!r}" if self.store else "in memory"
        return (
            f"PathResults(n_paths={self.n_paths}, batches={len(self._batches)}, {where}, "
            f"n_workers={self.n_workers}, elapsed={self.elapsed:.3g}s)"
        )

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys ``path_fn`` returned, in its order."""
        for _, _, arrays in self.iter_batches():
            return tuple(arrays)
        return ()

    def iter_batches(self) -> Iterator[tuple[int, int, dict[str, np.ndarray]]]:
        """Yield ``(start, stop, {key: array of shape (stop-start, ...)})`` in path order.

        Reads one store file at a time, so memory stays at one batch.
        """
        covered = 0
        for start in sorted(self._batches):
            stop, arrays = self._batches[start]
            if start != covered:
                raise ForesightError(f"paths {covered}..{start - 1} are missing from the results")
            if arrays is None:
                arrays = _load_batch(self.store, start, stop, self._experiment)
            yield start, stop, arrays
            covered = stop
        if covered != self.n_paths:
            raise ForesightError(
                f"paths {covered}..{self.n_paths - 1} are missing from the results"
            )

    def iter_paths(self) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
        """Yield ``(path_index, {key: array})`` for every path, in path order.

        Examples
        --------
        >>> res = run_paths(_example_path, 3, seed=1, scheduler="serial", progress=False)
        >>> [p for p, _ in res.iter_paths()]
        [0, 1, 2]
        """
        for start, stop, arrays in self.iter_batches():
            for i in range(stop - start):
                yield start + i, {key: value[i] for key, value in arrays.items()}

    def stack(self, key: str) -> np.ndarray:
        """Return ``key`` of every path as one array of shape ``(n_paths, ...)``.

        Raises
        ------
        ParameterError
            If no path returned `key`.
        """
        out = None
        for start, stop, arrays in self.iter_batches():
            if key not in arrays:
                raise ParameterError("key", key, f"one of {sorted(arrays)}",
                                     did_you_mean(str(key), arrays))
            value = arrays[key]
            if out is None:
                out = np.empty((self.n_paths, *value.shape[1:]), dtype=value.dtype)
            elif value.shape[1:] != out.shape[1:] or value.dtype != out.dtype:
                raise ForesightError(
                    f"{key!r} has shape {value.shape[1:]} / dtype {value.dtype} in paths "
                    f"{start}..{stop - 1} but {out.shape[1:]} / {out.dtype} in path 0"
                )
            out[start:stop] = value
        return out


# ---------------------------------------------------------------- the store
#
# Format 2.  Each batch file is a plain ``.npz`` (``numpy.load`` opens it, and
# ``pandas.DataFrame(dict(np.load(f)))`` for scalar keys) holding the arrays
# ``path_fn`` returned plus one entry, ``__foresight__``: a JSON header (as
# uint8 bytes) with the batch's path range, the experiment key (a SHA-256 of
# the manifest's identity fields) and a SHA-256 of the arrays' names, dtypes,
# shapes and bytes.  A file is trusted only when all three agree with its name
# and this experiment, so a truncated, bit-flipped, copied-over or foreign file
# is detected on read.  Such a file is moved into ``damaged/`` with a warning
# naming it and the reason, and its paths are recomputed; this happens when the
# store is opened, before any new work.  A lock file (``.lock``, ``flock``)
# serialises runs on one store: a second run waits for the first, then finds
# its paths done, so runs neither collide nor duplicate work.  The lock is
# released by the kernel if its holder dies.


_HEADER = "__foresight__"
_DAMAGED = "damaged"
_LOCK = ".lock"


class StoreWarning(RuntimeWarning):
    """A store file was damaged or misplaced; it was moved aside and will be recomputed."""


class _BadFile(Exception):
    """Internal: why a batch file cannot be trusted."""


def _batch_name(start: int, stop: int) -> str:
    return f"paths-{start:012d}-{stop:012d}.npz"


def _content_digest(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 of the arrays' names, dtypes, shapes and bytes, in key order."""
    h = hashlib.sha256()
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(json.dumps([key, a.dtype.str, list(a.shape)]).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _experiment_key(manifest: Mapping) -> str:
    """SHA-256 of the manifest fields that identify an experiment."""
    identity = {field: manifest.get(field) for field in _IDENTITY}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _read_batch_file(path: Path, start: int, stop: int, experiment: str | None):
    """Return the arrays of `path` after checking its header; raise :class:`_BadFile`."""
    try:
        # Our own handle: np.load leaks the one it opens when the zip directory is bad.
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except Exception as exc:  # zipfile.BadZipFile, OSError, ValueError, EOFError, ...
        raise _BadFile(f"unreadable ({type(exc).__name__}: {exc})") from None
    raw = arrays.pop(_HEADER, None)
    if raw is None:
        raise _BadFile("no integrity header (not written by this version of run_paths)")
    try:
        header = json.loads(raw.tobytes().decode())
    except (ValueError, UnicodeDecodeError):
        raise _BadFile("its integrity header is not valid JSON") from None
    if (header.get("start"), header.get("stop")) != (start, stop):
        raise _BadFile(
            f"it holds paths {header.get('start')}..{header.get('stop', 0) - 1}, not "
            f"{start}..{stop - 1} (copied or renamed from another batch)"
        )
    if experiment is not None and header.get("experiment") != experiment:
        raise _BadFile("it belongs to another experiment (its experiment key differs)")
    if header.get("sha256") != _content_digest(arrays):
        raise _BadFile("its checksum does not match its content")
    for key, value in arrays.items():
        if value.shape[:1] != (stop - start,):
            raise _BadFile(f"{key!r} has {value.shape[:1]} rows for {stop - start} paths")
    return arrays


def _load_batch(root: Path, start: int, stop: int, experiment: str | None = None):
    path = root / _batch_name(start, stop)
    try:
        return _read_batch_file(path, start, stop, experiment)
    except FileNotFoundError:
        raise ForesightError(f"store file {path} disappeared; rerun run_paths") from None
    except _BadFile as exc:
        raise ForesightError(
            f"store file {path} cannot be trusted: {exc}; rerun run_paths with the same "
            "arguments, which moves it aside and recomputes its paths"
        ) from None


def _write_batch(root: Path, start: int, stop: int, arrays: dict[str, np.ndarray],
                 experiment: str) -> None:
    # Write a hidden temporary file, flush it to disk, then rename: a reader (or
    # a resumed run) sees either the whole batch or nothing.
    header = {"start": start, "stop": stop, "experiment": experiment,
              "sha256": _content_digest(arrays), "format": STORE_FORMAT}
    payload = dict(arrays)
    payload[_HEADER] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    tmp = root / f".tmp-{start}-{stop}-{uuid.uuid4().hex}.npz"
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / _batch_name(start, stop))
    finally:
        if tmp.exists():
            tmp.unlink()


def move_to_damaged(path: Path, damaged: Path) -> Path:
    """Move the file or folder `path` into the folder `damaged` under a unique, dated name.

    Never deleted: a person may want to look.  Shared by the path store and the
    report's result cache.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "bad.npz").write_bytes(b"x")
    >>> move_to_damaged(root / "bad.npz", root / "damaged").name.startswith("bad.npz.")
    True
    """
    damaged.mkdir(parents=True, exist_ok=True)
    target = damaged / f"{path.name}.{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    os.replace(path, target)
    return target


def _move_aside(root: Path, name: str, reason: str) -> Path:
    """Move `name` into ``damaged/`` and warn."""
    target = move_to_damaged(root / name, root / _DAMAGED)
    warnings.warn(f"store file {root / name} {reason}; moved to {target} and its paths will "
                  "be recomputed", StoreWarning, stacklevel=4)
    return target


def _scan_store(root: Path, n_paths: int, experiment: str | None,
                verify: bool = True) -> list[tuple[int, int]]:
    """Return the sorted ``(start, stop)`` ranges stored and trusted.

    With `verify`, every file is read and checked against its header; a damaged,
    misplaced, overlapping or out-of-range file is moved aside (and named in a
    :class:`StoreWarning`), so its paths count as not done.
    """
    ranges = []
    for entry in os.scandir(root):
        match = _BATCH_FILE.match(entry.name)
        if match:
            ranges.append((int(match[1]), int(match[2]), entry.name))
    ranges.sort()
    kept, covered = [], 0
    for start, stop, name in ranges:
        if start < covered or not start < stop <= n_paths:
            _move_aside(root, name, f"overlaps another batch or lies outside 0..{n_paths - 1}")
            continue
        if verify:
            try:
                _read_batch_file(root / name, start, stop, experiment)
            except _BadFile as exc:
                _move_aside(root, name, f"cannot be trusted: {exc}")
                continue
        kept.append((start, stop))
        covered = stop
    return kept


def _read_manifest(root: Path) -> dict | None:
    """The manifest, None if absent; raises ``ValueError`` when it cannot be parsed."""
    try:
        data = json.loads((root / _MANIFEST).read_text())
    except FileNotFoundError:
        return None
    if not isinstance(data, dict):
        raise ValueError("manifest.json is not a JSON object")
    return data


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}.json")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


#: Manifest fields that must agree for a store to be reused.
_IDENTITY = ("format", "seed", "n_paths", "path_fn", "tag", "kwargs_sha256")


def _differences(stored: Mapping, manifest: Mapping) -> list[str]:
    """The identity fields that differ, each as ``name: stored X, this run Y``."""
    out = []
    for field in _IDENTITY:
        if field == "kwargs_sha256" or stored.get(field) == manifest[field]:
            continue
        out.append(f"{field}: stored {stored.get(field)!r}, this run {manifest[field]!r}")
    if stored.get("kwargs_sha256") != manifest["kwargs_sha256"]:
        old = stored.get("kwargs_each_sha256")
        new, shown_old, shown_new = (manifest["kwargs_each_sha256"], stored.get("kwargs", {}),
                                     manifest["kwargs"])
        if not isinstance(old, dict):
            out.append("kwargs (this store predates per-parameter fingerprints): stored "
                       f"{shown_old!r}, this run {shown_new!r}")
        else:
            for key in sorted(set(old) | set(new)):
                if old.get(key) == new.get(key):
                    continue
                before = shown_old.get(key, "(absent)") if key in old else "(absent)"
                after = shown_new.get(key, "(absent)") if key in new else "(absent)"
                if before == after:  # same repr, different value (a long array, say)
                    before, after = f"{before} [sha256 {str(old.get(key))[:12]}]", \
                        f"{after} [sha256 {str(new.get(key))[:12]}]"
                out.append(f"{key}: stored {before}, this run {after}")
    return out


class _StoreLock:
    """An exclusive ``flock`` on ``<store>/.lock`` for the duration of a run.

    A second run on the same store prints who holds it and waits; the kernel
    drops the lock when its holder exits, killed or not, so it never goes stale.
    """

    def __init__(self, root: Path):
        self.root, self.fh = root, None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, one run at a time is the user's job
            return self
        self.fh = open(self.root / _LOCK, "a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.seek(0)
            holder = self.fh.read().strip() or "another run"
            print(f"run_paths: store {self.root} is in use by {holder}; waiting for it to "
                  "finish (its finished paths will be reused)", file=sys.stderr)
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"pid {os.getpid()} on {os.uname().nodename} since "
                      f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
        self.fh.flush()
        return self

    def __exit__(self, *exc):
        if self.fh is not None:
            self.fh.close()  # closing drops the flock
            self.fh = None


def _open_store(store, manifest: dict) -> tuple[Path, list[tuple[int, int]], str]:
    """Create or reopen the store (under its lock); return it, the trusted finished
    path ranges and the experiment key.  Every stored file is verified here,
    before any new work."""
    root = Path(store)
    if root.exists() and not root.is_dir():
        raise ParameterError("store", str(store), "a directory (or a path to create one at)")
    root.mkdir(parents=True, exist_ok=True)
    experiment = _experiment_key(manifest)
    try:
        stored = _read_manifest(root)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        # The batch files carry the experiment key, so a damaged manifest costs
        # nothing: rewrite it, and keep exactly the files of this experiment.
        _move_aside(root, _MANIFEST, f"cannot be read ({exc})")
        stored = None
        foreign_ok = True
    else:
        foreign_ok = False
    if stored is None:
        others = [e.name for e in os.scandir(root)
                  if not e.name.startswith(".") and e.name != _DAMAGED
                  and not (foreign_ok and _BATCH_FILE.match(e.name))]
        if others:
            raise ParameterError(
                "store", str(store), "an empty directory or one written by run_paths",
                hint=f"it holds other files ({', '.join(sorted(others)[:3])}) and no "
                "manifest.json",
            )
        _write_json(root / _MANIFEST, manifest)
    else:
        diff = _differences(stored, manifest)
        if diff:
            raise ParameterError(
                "store", str(store), "a store written by the same experiment",
                hint="; ".join(diff) + "; use another directory or delete this one",
            )
        if stored.get("numpy") != manifest["numpy"]:
            warnings.warn(
                f"store {root} was started with numpy {stored.get('numpy')} and is resumed "
                f"with numpy {manifest['numpy']}; NumPy does not promise identical "
                "Generator streams across versions",
                RuntimeWarning,
                stacklevel=3,
            )
    # Left-overs of a run killed while writing; never valid results.  Safe to
    # delete: we hold the lock, so no other run is writing.
    for entry in os.scandir(root):
        if entry.name.startswith(".tmp-"):
            os.unlink(entry.path)
    return root, _scan_store(root, manifest["n_paths"], experiment), experiment


def _qualified_name(fn) -> str:
    module = getattr(fn, "__module__", None) or "?"
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{module}.{name}"


def _canonical(obj, where: str):
    """A JSON-able description of `obj` that is equal exactly when the values are.

    Arrays are hashed by dtype, shape and bytes; floats by ``repr`` (exact
    round-trip); dataclasses field by field; functions and classes by name.
    Anything else falls back to a hash of its pickle.
    """
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, float | complex):
        return {"float": repr(obj)}
    if isinstance(obj, enum.Enum):
        return {"enum": _qualified_name(type(obj)), "name": obj.name}
    if isinstance(obj, np.ndarray | np.generic):
        array = np.asarray(obj)
        if array.dtype.hasobject:
            return {"pickle": _pickle_hash(obj, where)}
        digest = hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()
        return {"ndarray": array.dtype.str, "shape": list(array.shape), "sha256": digest}
    if isinstance(obj, list | tuple):
        return {type(obj).__name__: [_canonical(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, dict):
        return {"dict": sorted(([repr(k), _canonical(v, f"{where}[{k!r}]")] for k, v in
                                obj.items()), key=lambda kv: kv[0])}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {"dataclass": _qualified_name(type(obj)),
                "fields": {f.name: _canonical(getattr(obj, f.name), f"{where}.{f.name}")
                           for f in dataclasses.fields(obj)}}
    if callable(obj) and hasattr(obj, "__qualname__"):
        return {"callable": _qualified_name(obj)}
    return {"pickle": _pickle_hash(obj, where)}


def _pickle_hash(obj, where: str) -> str:
    try:
        return hashlib.sha256(pickle.dumps(obj, protocol=5)).hexdigest()
    except Exception as exc:
        raise ParameterError(where, obj, "a picklable value",
                             hint=f"it cannot be fingerprinted for the store ({exc})") from None


def _kwargs_fingerprint(kwargs: dict) -> str:
    canonical = {key: _canonical(value, key) for key, value in kwargs.items()}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- scheduling


def _auto_batch(n_paths: int, n_workers: int) -> int:
    """Paths per task: about ``max(64, 8 * workers)`` tasks, at most 10 000 paths each.

    Several tasks per worker balance the load when paths take unequal time
    and keep the progress bar and the resume granularity fine (an interrupt
    loses at most the batches in flight); the cap bounds the memory of one
    batch.  Results do not depend on the batch size.
    """
    target = max(_MIN_TASKS, _TASKS_PER_WORKER * n_workers)
    return max(1, min(_MAX_BATCH, math.ceil(n_paths / target)))


def _todo_ranges(done: list[tuple[int, int]], n_paths: int, batch: int):
    """Yield ``(start, stop)`` batches of at most `batch` paths covering what is not done."""
    gaps, covered = [], 0
    for start, stop in [*done, (n_paths, n_paths)]:
        if start > covered:
            gaps.append((covered, start))
        covered = stop
    for low, high in gaps:
        for start in range(low, high, batch):
            yield start, min(start + batch, high)


def _progress_disable(progress: bool) -> bool | None:
    """tqdm's ``disable``: off if asked, or if ``FORESIGHT_PROGRESS=0``; ``FORESIGHT_PROGRESS=1``
    forces it on; otherwise tqdm shows it only when stderr is a terminal (None)."""
    if not progress:
        return True
    env = os.environ.get("FORESIGHT_PROGRESS", "").strip()
    if env == "0":
        return True
    if env == "1":
        return False
    return None


class _Sink:
    """Receives finished batches: writes them to the store or keeps them in memory."""

    def __init__(self, results: PathResults, root: Path | None, experiment: str | None = None):
        self.results, self.root, self.experiment = results, root, experiment
        self.schema: dict[str, tuple] | None = None

    def __call__(self, start: int, stop: int, arrays: dict[str, np.ndarray]) -> None:
        schema = {k: (v.shape[1:], v.dtype.str) for k, v in arrays.items()}
        if self.schema is None:
            self.schema = schema
        elif schema != self.schema:
            raise PathError(start, f"returned {schema} but other paths returned {self.schema}")
        if self.root is not None:
            _write_batch(self.root, start, stop, arrays, self.experiment)
            arrays = None  # the store holds it; keep memory flat
        self.results._batches[start] = (stop, arrays)
        self.results.n_computed += stop - start


def _connect(scheduler, n_workers: int | None):
    """Return ``(client, cleanup)`` for `scheduler`; cleanup closes what this call opened."""
    import distributed
    from distributed.deploy import Cluster

    if scheduler is not None and n_workers is not None:
        raise ParameterError("n_workers", n_workers, "None unless scheduler is None",
                             hint="an existing cluster already has its workers")
    if isinstance(scheduler, distributed.Client):
        return scheduler, lambda: None
    if isinstance(scheduler, str | Cluster):
        client = distributed.Client(scheduler, set_as_default=False)
        return client, client.close
    if scheduler is not None:
        raise ParameterError("scheduler", scheduler, _SCHEDULERS)
    cluster = distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,  # path functions are numpy/numba code holding the GIL
        processes=True,
        dashboard_address=":0",  # a free port: None means 8787, which clashes between runs
        silence_logs=logging.ERROR,
    )
    try:
        client = distributed.Client(cluster, set_as_default=False)
    except BaseException:
        cluster.close()
        raise

    def cleanup():
        client.close()
        cluster.close()

    return client, cleanup


def _drive_distributed(client, path_fn, ranges, seed, kwargs, sink, bar, max_in_flight):
    """Submit batches with at most `max_in_flight` in flight; hand each to `sink` as it ends."""
    from distributed import as_completed

    kw = client.scatter([kwargs], hash=False)[0] if kwargs else {}
    token = uuid.uuid4().hex[:8]
    in_flight: set = set()

    def submit(start, stop):
        future = client.submit(_run_batch, path_fn, start, stop, seed, kw,
                               key=f"run_paths-{token}-{start}-{stop}", pure=False)
        in_flight.add(future)
        return future

    todo = iter(ranges)
    ac = as_completed([submit(*r) for r in itertools.islice(todo, max_in_flight)],
                      loop=client.loop)
    try:
        for future in ac:
            in_flight.discard(future)
            start, stop, arrays = future.result()
            del future  # let the cluster forget the result
            sink(start, stop, arrays)
            bar.update(stop - start)
            following = next(todo, None)
            if following is not None:
                ac.add(submit(*following))
    finally:
        if in_flight:
            ac.clear()
            client.cancel(list(in_flight), force=True)


# ---------------------------------------------------------------- the runner


def run_paths(
    path_fn: PathFn,
    n_paths: int,
    seed,
    *,
    scheduler=None,
    n_workers: int | None = None,
    store=None,
    progress: bool = True,
    batch: int | None = None,
    max_in_flight: int | None = None,
    tag: str | None = None,
    **kwargs,
) -> PathResults:
    """Run ``path_fn`` on paths ``0 .. n_paths-1``, spread over Dask workers.

    Parameters
    ----------
    path_fn : callable
        ``path_fn(path_index, rng, **kwargs) -> dict[str, array or float]``.
        Must be a top-level function of an importable module (workers unpickle
        it by name); under ``if __name__ == "__main__":`` when the calling
        script itself starts a LocalCluster (workers are spawned).  Every path
        must return the same keys with the same shapes and dtypes.  It must
        draw all randomness from `rng`.
    n_paths : int
        Number of paths, ``>= 1``.
    seed : int or numpy.random.SeedSequence
        Root seed.  Path ``p`` gets :func:`path_rng(seed, p) <path_rng>`, so
        results are bit-identical for any scheduler, worker count, batch size
        or resume (on the same NumPy version).
    scheduler : None, "serial", str, distributed.Client or cluster
        ``None``: start a ``distributed.LocalCluster`` (worker processes, one
        thread each, no dashboard, quiet logs) for this call and close it
        after; this costs about a second or two.  ``"serial"``: run in this
        process without Dask -- best for tests, debugging and runs of a few
        seconds.  ``"tcp://host:port"``: connect to a running scheduler.
        A ``distributed.Client``: use it (it is not closed).  A cluster
        object (e.g. a ``LocalCluster`` you keep for many calls): connect a
        client to it for this call.
    n_workers : int, optional
        Workers of the LocalCluster (``scheduler=None`` only); default
        ``os.cpu_count()``, and never more than there are batches to run.
    store : str or path-like, optional
        Directory for per-batch results.  Each finished batch is written
        atomically as ``paths-<start>-<stop>.npz`` as soon as it arrives, and
        a rerun with the same arguments skips stored paths (so an interrupted
        run resumes, and a finished one returns at once).  ``manifest.json``
        records the seed, `n_paths`, the name of `path_fn`, `tag` and
        fingerprints of `kwargs`; a mismatch raises :class:`ParameterError`
        naming each differing parameter with both values.  Every batch file
        carries its path range, the experiment key and a SHA-256 of its
        content; all are checked when the store is opened, before new work,
        and a damaged or misplaced file is moved to ``damaged/`` with a
        :class:`StoreWarning` naming it, and recomputed.  Runs on one store
        are serialised by a lock (``.lock``): a second run waits, then reuses
        what the first finished.  Results are written by this process
        (workers need no shared disk).  Files open with ``numpy.load``.
        Without a store, results are held in memory and nothing survives an
        interrupt.
    progress : bool
        Show a tqdm bar advancing as batches finish.  Also switched off by the
        environment variable ``FORESIGHT_PROGRESS=0`` (``=1`` forces it on);
        by default it shows only when stderr is a terminal.
    batch : int, optional
        Paths per task.  Default: about ``max(64, 8 * workers)`` tasks, at
        most 10 000 paths each.  Larger batches cut scheduling overhead
        (a few ms per batch); smaller ones balance load and lose less on an
        interrupt.  Results do not depend on it.
    max_in_flight : int, optional
        Batches submitted but not yet collected; default twice the worker
        threads.  Bounds client and cluster memory independently of `n_paths`.
    tag : str, optional
        A label recorded in the store's manifest, e.g. a model version, for
        what `kwargs` cannot show (a change in `path_fn`'s code).
    **kwargs
        Passed to every call of `path_fn` (sent to the cluster once).  The
        names of the parameters above are reserved.

    Returns
    -------
    PathResults
        ``.stack(key)`` gives an ``(n_paths, ...)`` array in path order;
        ``.iter_paths()`` / ``.iter_batches()`` stream without holding all
        results; ``.elapsed``, ``.startup``, ``.n_workers``.

    Raises
    ------
    ParameterError
        For invalid arguments or a store made by a different experiment.
    PathError
        When `path_fn` raises (or returns something unstackable) on a path; its
        message names the path.  Batches finished before are kept in the store.

    Examples
    --------
    >>> import numpy as np
    >>> def walk(p, rng, n_steps):
    ...     steps = rng.standard_normal(n_steps)
    ...     return {"final": steps.sum(), "max": np.cumsum(steps).max()}
    >>> res = run_paths(walk, 100, seed=7, scheduler="serial", progress=False, n_steps=50)
    >>> res.stack("final").shape
    (100,)
    >>> again = run_paths(walk, 100, seed=7, scheduler="serial", progress=False, batch=3,
    ...                   n_steps=50)
    >>> bool(np.array_equal(res.stack("max"), again.stack("max")))
    True
    """
    t0 = time.perf_counter()
    if not callable(path_fn):
        raise ParameterError("path_fn", path_fn, "a callable path_fn(path_index, rng, **kwargs)")
    n_paths = _positive_int("n_paths", n_paths)
    root_seed = _Seed.parse(seed)
    if batch is not None:
        batch = _positive_int("batch", batch)
    if max_in_flight is not None:
        max_in_flight = _positive_int("max_in_flight", max_in_flight)
    if n_workers is not None:
        n_workers = _positive_int("n_workers", n_workers)
    if tag is not None and not isinstance(tag, str):
        raise ParameterError("tag", tag, "a string or None")
    serial = isinstance(scheduler, str) and scheduler == "serial"
    if serial and n_workers not in (None, 1):
        raise ParameterError("n_workers", n_workers, "None or 1 with scheduler='serial'")
    if isinstance(scheduler, str) and not serial and ":" not in scheduler:
        raise ParameterError("scheduler", scheduler, _SCHEDULERS,
                             did_you_mean(scheduler, ["serial"]))
    if not (scheduler is None or isinstance(scheduler, str) or _is_distributed(scheduler)):
        raise ParameterError("scheduler", scheduler, _SCHEDULERS)

    with contextlib.ExitStack() as stack:
        return _run_paths(stack, path_fn, n_paths, root_seed, scheduler, n_workers, store,
                          progress, batch, max_in_flight, tag, serial, t0, kwargs)


def _run_paths(stack, path_fn, n_paths, root_seed, scheduler, n_workers, store, progress,
               batch, max_in_flight, tag, serial, t0, kwargs) -> PathResults:
    """The body of :func:`run_paths` once its arguments are checked; `stack` holds the lock."""
    results = PathResults(n_paths)
    root, done, experiment = None, [], None
    if store is not None:
        manifest = {
            "format": STORE_FORMAT,
            "seed": root_seed.as_json(),
            "n_paths": n_paths,
            "path_fn": _qualified_name(path_fn),
            "tag": tag,
            "kwargs_sha256": _kwargs_fingerprint(kwargs),
            # per parameter, so a refusal can name what differs (not checked itself)
            "kwargs_each_sha256": {k: _kwargs_fingerprint({k: v}) for k, v in kwargs.items()},
            "kwargs": {k: _short_repr(v) for k, v in kwargs.items()},  # for people, not checked
            "numpy": np.__version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        where = Path(store)
        if where.exists() and not where.is_dir():
            raise ParameterError("store", str(store), "a directory (or a path to create one at)")
        where.mkdir(parents=True, exist_ok=True)
        # Held until this call returns: opening, checking, computing and writing.
        stack.enter_context(_StoreLock(where))
        root, done, experiment = _open_store(store, manifest)
        results.store = root
        results._experiment = experiment
        results._batches.update({start: (stop, None) for start, stop in done})
        results.n_reused = sum(stop - start for start, stop in done)
    n_todo = n_paths - results.n_reused
    sink = _Sink(results, root, experiment)

    from tqdm.auto import tqdm

    bar = tqdm(total=n_paths, initial=results.n_reused, unit="path", smoothing=0.1,
               desc=getattr(path_fn, "__name__", "paths"), disable=_progress_disable(progress))
    try:
        if n_todo == 0:
            pass
        elif serial:
            results.n_workers = 1
            for start, stop in _todo_ranges(done, n_paths, batch or _auto_batch(n_todo, 1)):
                sink(*_run_batch(path_fn, start, stop, root_seed, kwargs))
                bar.update(stop - start)
        else:
            _check_picklable(path_fn, kwargs)
            if scheduler is None:
                wanted = n_workers or os.cpu_count() or 1
                size = batch or _auto_batch(n_todo, wanted)
                n_workers = min(wanted, math.ceil(n_todo / size))
            client, cleanup = _connect(scheduler, n_workers)
            try:
                threads = client.nthreads()
                results.startup = time.perf_counter() - t0
                results.n_workers = len(threads)
                total_threads = max(1, sum(threads.values()))
                size = batch or _auto_batch(n_todo, total_threads)
                _drive_distributed(
                    client, path_fn, _todo_ranges(done, n_paths, size), root_seed, kwargs,
                    sink, bar, max_in_flight or 2 * total_threads,
                )
            finally:
                cleanup()
    finally:
        bar.close()
        results.elapsed = time.perf_counter() - t0
    return results


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ParameterError(name, value, "integers >= 1")
    return int(value)


def _is_distributed(obj) -> bool:
    # Avoid importing distributed (about 0.5 s) unless it could be a Client or Cluster.
    return type(obj).__module__.startswith("distributed")


def _check_picklable(path_fn, kwargs) -> None:
    import cloudpickle

    try:
        cloudpickle.dumps(path_fn)
    except Exception as exc:
        raise ParameterError("path_fn", path_fn, "a picklable function",
                             hint=f"define it at the top level of a module ({exc})") from None
    for key, value in kwargs.items():
        try:
            cloudpickle.dumps(value)
        except Exception as exc:
            raise ParameterError(key, value, "a picklable value",
                                 hint=f"kwargs are sent to the workers ({exc})") from None


def _short_repr(value, limit: int = 200) -> str:
    if isinstance(value, np.ndarray):
        return f"ndarray(shape={value.shape}, dtype={value.dtype})"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _example_path(path_index: int, rng: np.random.Generator) -> dict[str, float]:
    """A trivial path function for examples: one standard normal draw."""
    return {"x": rng.standard_normal()}

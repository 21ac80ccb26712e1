"""Results computed once, reused by later reports: a content-addressed cache on disk.

``foresight report`` spends its time in the sections' simulations and solvers
and in the registered verification cases.  With the same code, the same
dependencies and the same seed they produce the same numbers (every stream is
seeded; results do not depend on the number of workers), so a second report
reuses them instead of recomputing them.

What makes an entry's key
    the SHA-256 of every source file of the installed package (``foresight``,
    its derivations, numerics -- generated kernels included --, verify and
    reports, templates too), the versions of Python and of the numerical
    dependencies, whether the sandbox (``bwrap``) is available, the cache
    format, and the entry's own parameters (section, seed, quick; or the
    verification case).  A section may name further inputs in a module-level
    ``CACHE_INPUTS`` (paths read at build time: the paper-scale results, the
    example solutions); their content enters the key too.  Any change to any
    of these is a different key: the entry is recomputed, never patched.

What an entry holds (one folder ``<root>/<key[:2]>/<key>/``)
    ``entry.json`` -- format, key, kind, name, parameters, the fingerprint, the
    creation date and the SHA-256 of every other file; ``payload.json`` -- the
    JSON-encoded result (NumPy arrays and scalars tagged with their dtype and
    shape, so they come back as they were); ``files/`` -- files the result
    wrote (figures).  Standard formats only: JSON and the files themselves.

What is checked when an entry is read
    the format, the key and parameters it records, and the SHA-256 of every
    file.  An entry that fails is moved to ``<root>/damaged/`` (named in the
    progress messages) and the result is recomputed: a damaged entry is never
    trusted and never fatal.  Entries are written to a temporary folder and
    renamed into place, so a reader never sees half an entry and two reports
    on one cache do not collide.

The checksums detect damage, not intent: whoever can write the cache folder
can write a consistent wrong entry, as they could edit the installed package.
``foresight report --no-cache`` recomputes everything; ``--cache-dir`` moves
the cache (default ``$FORESIGHT_CACHE_DIR``, else
``$XDG_CACHE_HOME/foresight/report``, else ``~/.cache/foresight/report``).

Examples
--------
>>> import tempfile, numpy as np
>>> cache = ResultCache(tempfile.mkdtemp(), fingerprint="example")
>>> cache.load("case", "demo", {"seed": 1}) is None
True
>>> cache.store("case", "demo", {"seed": 1}, {"x": np.arange(3.0)})
True
>>> cache.load("case", "demo", {"seed": 1}).payload["x"]
array([0., 1., 2.])
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import importlib.util
import json
import math
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Bumped whenever the layout or the encoding of an entry changes.
FORMAT = 1

# The packages whose source decides every number of a report (pyproject's layout).
_PACKAGES = ("foresight", "foresight.derivations", "foresight.numerics",
             "foresight.verify", "foresight.reports")
_DEPENDENCIES = ("numpy", "numba", "llvmlite", "scipy", "sympy", "mpmath", "matplotlib",
                 "dask", "distributed", "jinja2")


def default_dir() -> Path:
    """The cache folder: ``$FORESIGHT_CACHE_DIR``, else the XDG cache, else ``~/.cache``.

    Examples
    --------
    >>> default_dir().name
    'report'
    """
    explicit = os.environ.get("FORESIGHT_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit).expanduser() / "report"
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base).expanduser() / "foresight" / "report"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _source_files(package: str) -> list[tuple[Path, Path]]:
    """(package folder, file) for the Python sources and templates of `package`."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return []
    files = []
    for location in spec.submodule_search_locations:
        root = Path(location)
        for path in root.rglob("*"):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            # Sources and the report's templates; numba's compiled caches are not inputs.
            if path.suffix == ".py" or "templates" in path.relative_to(root).parts:
                files.append((root, path))
    return files


def inputs_digest(paths) -> str:
    """SHA-256 over the names and contents of `paths` (files, or folders walked in order).

    A missing path enters as missing, so creating it later changes the digest.

    Examples
    --------
    >>> inputs_digest([]) == inputs_digest([])
    True
    """
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        if path.is_dir():
            members = sorted(p for p in path.rglob("*") if p.is_file())
        else:
            members = [path]
        for member in members:
            digest.update(str(member).encode() + b"\0")
            digest.update((_sha256_file(member) if member.exists() else "missing").encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the package's sources, the dependencies' versions and the sandbox.

    Computed once per process (a few tens of milliseconds).

    Examples
    --------
    >>> len(code_fingerprint())
    64
    """
    import platform
    from importlib import metadata

    digest = hashlib.sha256(f"format {FORMAT}\0python {platform.python_version()}\0".encode())
    for name in _DEPENDENCIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{name} {version}\0".encode())
    digest.update(f"bwrap {bool(shutil.which('bwrap'))}\0".encode())
    for package in _PACKAGES:
        for root, path in sorted(_source_files(package)):
            # Relative to its package: the same tree elsewhere has the same key.
            digest.update(f"{package}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(_sha256_file(path).encode())
    return digest.hexdigest()


# ------------------------------------------------------------------ encoding


def encode(value):
    """A JSON-ready copy of `value`; arrays, NumPy scalars, tuples and non-finite floats tagged.

    Raises ``TypeError`` for anything else that JSON cannot carry (the result is
    then simply not cached).

    Examples
    --------
    >>> encode({"a": (1, 2.5), "b": float("nan")})
    {'a': {'__tuple__': [1, 2.5]}, 'b': {'__float__': 'nan'}}
    """
    if isinstance(value, np.generic):  # first: np.float64 is also a float
        if value.dtype.kind not in "biuf":
            raise TypeError(f"cannot cache a NumPy scalar of dtype {value.dtype}")
        return {"__npscalar__": encode(value.item()), "dtype": value.dtype.str}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"cannot cache an array of dtype {value.dtype}")
        return {"__ndarray__": encode(value.ravel().tolist()), "dtype": value.dtype.str,
                "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("cannot cache a dict with non-string keys")
        if any(k.startswith("__") and k.endswith("__") for k in value):
            raise TypeError("cannot cache a dict whose keys look like the cache's tags")
        return {k: encode(v) for k, v in value.items()}
    raise TypeError(f"cannot cache a value of type {type(value).__name__}")


def decode(value):
    """Inverse of :func:`encode`.

    Examples
    --------
    >>> decode(encode({"x": np.float32(1.5), "y": np.arange(4).reshape(2, 2)}))["y"].shape
    (2, 2)
    """
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__float__" in value:
        return float(value["__float__"])
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    if "__ndarray__" in value:
        flat = np.array(decode(value["__ndarray__"]), dtype=np.dtype(value["dtype"]))
        return flat.reshape(value["shape"])
    if "__npscalar__" in value:
        return np.dtype(value["dtype"]).type(decode(value["__npscalar__"]))
    return {k: decode(v) for k, v in value.items()}


# ------------------------------------------------------------------ the store


@dataclass(frozen=True)
class CachedResult:
    """A verified entry: its decoded payload, its files and when it was computed."""

    payload: object
    files: dict  # relative name -> Path inside the entry
    created: str
    key: str


class ResultCache:
    """Entries keyed by (kind, name, parameters) and the code fingerprint.

    Parameters
    ----------
    root : path
        The cache folder (created on first store).
    fingerprint : str, optional
        Defaults to :func:`code_fingerprint`; tests pass their own.
    notify : callable(str), optional
        Where messages about damaged entries go (the report's progress).
    """

    def __init__(self, root, *, fingerprint: str | None = None, notify=None):
        self.root = Path(root)
        self.fingerprint = fingerprint or code_fingerprint()
        self.notify = notify or (lambda message: None)

    def key(self, kind: str, name: str, params: dict) -> str:
        """The entry's key: SHA-256 of format, fingerprint, kind, name and parameters."""
        text = json.dumps({"format": FORMAT, "fingerprint": self.fingerprint, "kind": kind,
                           "name": name, "params": encode(params)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def _folder(self, key: str) -> Path:
        return self.root / key[:2] / key

    def load(self, kind: str, name: str, params: dict) -> CachedResult | None:
        """The verified entry, or None (absent, or damaged: moved aside and reported)."""
        key = self.key(kind, name, params)
        folder = self._folder(key)
        if not folder.is_dir():
            return None
        try:
            entry = json.loads((folder / "entry.json").read_text())
            expect = {"format": FORMAT, "key": key, "kind": kind, "name": name,
                      "fingerprint": self.fingerprint,
                      "params": json.loads(json.dumps(encode(params)))}
            wrong = [k for k, v in expect.items() if entry.get(k) != v]
            if wrong:
                raise ValueError(f"entry records other {', '.join(wrong)}")
            checksums = entry["sha256"]
            present = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
                       if p.is_file()} - {"entry.json"}
            if present != set(checksums):
                raise ValueError(f"files {sorted(present ^ set(checksums))} do not match "
                                 "the entry's list")
            for rel, digest in checksums.items():
                if _sha256_file(folder / rel) != digest:
                    raise ValueError(f"checksum of {rel} differs")
            payload = decode(json.loads((folder / "payload.json").read_text()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self._quarantine(folder, f"{type(exc).__name__}: {exc}")
            return None
        files = {rel.removeprefix("files/"): folder / rel for rel in checksums
                 if rel.startswith("files/")}
        return CachedResult(payload, files, entry.get("created", "?"), key)

    def store(self, kind: str, name: str, params: dict, payload, files=None) -> bool:
        """Write an entry atomically; False (and nothing written) if `payload` cannot be encoded.

        `files` maps a relative name to a file to copy into the entry.
        """
        try:
            text = json.dumps(encode(payload), allow_nan=False)
        except (TypeError, ValueError) as exc:
            self.notify(f"cache: {kind} {name} not stored ({exc})")
            return False
        key = self.key(kind, name, params)
        final = self._folder(key)
        staging = self.root / "tmp" / f"{key}-{uuid.uuid4().hex}"
        try:
            (staging / "files").mkdir(parents=True)
            (staging / "payload.json").write_text(text)
            sums = {"payload.json": _sha256_file(staging / "payload.json")}
            for rel, src in (files or {}).items():
                dest = staging / "files" / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
                sums[f"files/{rel}"] = _sha256_file(dest)
            entry = {"format": FORMAT, "key": key, "kind": kind, "name": name,
                     "params": json.loads(json.dumps(encode(params))),
                     "fingerprint": self.fingerprint,
                     "created": datetime.datetime.now(datetime.UTC).strftime(
                         "%Y-%m-%d %H:%M:%S UTC"),
                     "sha256": sums}
            (staging / "entry.json").write_text(json.dumps(entry, indent=1))
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                # A concurrent run stored this key first (a damaged entry was moved aside
                # by load): same inputs, same result; keep theirs.
                shutil.rmtree(staging, ignore_errors=True)
                return True
            os.replace(staging, final)
        except OSError as exc:
            # The other run won the rename race, or the disk is full: the result
            # stands, only its reuse is lost.
            shutil.rmtree(staging, ignore_errors=True)
            if final.is_dir():
                return True
            self.notify(f"cache: {kind} {name} not stored ({exc})")
            return False
        return True

    def _quarantine(self, folder: Path, reason: str) -> None:
        from foresight.numerics.montecarlo import move_to_damaged

        try:
            target = move_to_damaged(folder, self.root / "damaged")
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            target = None
        self.notify(f"cache: entry {folder} is damaged ({reason}); "
                    f"{'moved to ' + str(target) if target else 'removed'}; recomputing")

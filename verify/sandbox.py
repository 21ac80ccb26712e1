"""Run a user's function in an isolated, resource-limited subprocess.

The checker never imports user code into its own process.  A child
interpreter (``python -I``: no user site, no ``PYTHON*`` variables, script
directory not on ``sys.path``) is started in a fresh temporary directory with

* ``RLIMIT_AS`` (memory), ``RLIMIT_CPU`` (CPU seconds), ``RLIMIT_FSIZE``
  (largest file it may write: caps printed output and results), no core dumps;
* a wall-clock timeout, after which its whole process group is killed;
* inputs passed as a ``.npz`` of float arrays plus a JSON file of scalars, and
  results returned as a ``.npz`` of float arrays read with
  ``allow_pickle=False`` (nothing is unpickled from the child) and a JSON
  status.

The child builds the callables the lecture's signatures expect (Beta densities
``f_belief(s)``) from the JSON, calls ``function(*args)`` once per *call* and
converts what it returns (a dict, tuple or array) to float arrays.

Examples
--------
>>> import numpy as np, pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "sol.py").write_text("def double(x):\\n    return {'y': 2 * x}\\n")
>>> calls = [{"args": [{"array": "x"}]}]
>>> out = run_function(f"{d}/sol.py:double", calls, {"x": np.arange(3.0)}, timeout=30)
>>> out.ok, out.results[0]["y"].tolist()
(True, [0.0, 2.0, 4.0])
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from foresight.errors import ForesightError

__all__ = ["SandboxError", "SandboxResult", "run_function", "parse_target", "Limits"]


class SandboxError(ForesightError, ValueError):
    """The target cannot be run at all (missing file, bad ``path:function``)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of the child.

    Attributes
    ----------
    timeout : float
        Wall-clock seconds.
    cpu_seconds : int
        CPU time (``RLIMIT_CPU``).
    memory_mb : int
        Address space (``RLIMIT_AS``).
    output_mb : int
        Largest file the child may write (``RLIMIT_FSIZE``), and cap on the
        total size of the returned arrays.
    """

    timeout: float = 60.0
    cpu_seconds: int = 120
    memory_mb: int = 4096
    output_mb: int = 64


@dataclass
class SandboxResult:
    """What came back from the child.

    ``ok`` is False with a one-line ``error`` when the function could not be
    run or its output could not be used, and ``kind`` says why: ``"load"``
    (import failed, no such function), ``"signature"`` (the function cannot
    take the arguments), ``"raised"``, ``"memory"``, ``"output"`` (not
    numbers, too large), ``"timeout"`` or ``"killed"`` (a resource limit).
    ``results`` holds one dict of float arrays per call otherwise (keys with
    ``π`` spelt ``pi``, other non-ASCII characters as ``_``).
    """

    ok: bool
    error: str = ""
    results: list = field(default_factory=list)
    kind: str = ""
    seconds: float = 0.0
    stdout_tail: str = ""


def parse_target(target: str) -> tuple[Path, str]:
    """Split ``"path/to/file.py:function"``; check the file exists.

    Examples
    --------
    >>> parse_target("nope.py:f")
    Traceback (most recent call last):
    ...
    foresight.verify.sandbox.SandboxError: code file 'nope.py' does not exist
    """
    if not isinstance(target, str) or ":" not in target:
        raise SandboxError(f"expected PATH.py:FUNCTION, got {target!r}")
    path_text, func = target.rsplit(":", 1)
    path = Path(path_text).expanduser()
    if not re.fullmatch(r"[A-Za-z_]\w*", func):
        raise SandboxError(f"{func!r} is not a Python function name (expected PATH.py:FUNCTION)")
    if not path.is_file():
        raise SandboxError(f"code file {path_text!r} does not exist")
    if path.suffix != ".py":
        raise SandboxError(f"code file {path_text!r} is not a .py file")
    return path.resolve(), func


_CHILD = r'''
import inspect, json, math, os, sys, traceback
import importlib.util
import numpy as np


class Refused(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def beta_density(a, b, jit=False):
    lb = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    if jit:
        import numba

        @numba.njit(cache=False)
        def jitted(s):
            return np.exp((a - 1) * np.log(s) + (b - 1) * np.log1p(-s) - lb)
        return jitted

    def density(s):
        x = np.asarray(s, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - lb)
        return float(v) if v.ndim == 0 else v
    return density


def mixture_density(weights, betas, jit=False):
    if jit:
        import numba
        (w1, w2), ((a1, b1), (a2, b2)) = weights, betas  # the exercises mix two Betas
        p1, p2 = beta_density(a1, b1, True), beta_density(a2, b2, True)

        @numba.njit(cache=False)
        def jitted(s):
            return w1 * p1(s) + w2 * p2(s)
        return jitted
    parts = [beta_density(a, b) for a, b in betas]

    def density(s):
        return sum(w * p(s) for w, p in zip(weights, parts))
    return density


def build(spec, arrays, jit):
    if "array" in spec:
        return arrays[spec["array"]]
    if "beta" in spec:
        return beta_density(*spec["beta"], jit=jit)
    if "mixture" in spec:
        return mixture_density(spec["mixture"]["weights"], spec["mixture"]["betas"], jit=jit)
    return spec["value"]


def clean(name):
    name = str(name).replace("\u03c0", "pi").replace("\u03bb", "lambda")
    return "".join(c if (c.isascii() and c.isalnum()) else "_" for c in name)[:60] or "_"


def to_arrays(out):
    if isinstance(out, dict):
        items = list(out.items())
    elif isinstance(out, (tuple, list)) and not (len(out) and np.isscalar(out[0])):
        items = [(str(k), v) for k, v in enumerate(out)]
    else:
        items = [("result", out)]
    arrays = {}
    for k, v in items:
        try:
            a = np.asarray(v, dtype=float)
        except (TypeError, ValueError) as exc:
            raise Refused("output", f"output {str(k)!r} is not an array of numbers "
                          f"({type(v).__name__}: {exc})") from None
        arrays[clean(k)] = a
    return arrays


def signature_problem(fn, args, names):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        sig.bind(*args)
    except TypeError as exc:
        return (f"wrong signature: {fn.__name__}{sig} cannot be called with the "
                f"{len(args)} arguments ({', '.join(names)}) ({exc})")
    return None


def from_numba(exc):
    return type(exc).__module__.startswith("numba")


def main():
    inp, status_path, out_path, path, func, cap = sys.argv[1:7]
    cap = int(cap)
    status = {"ok": False}
    try:
        with open("calls.json") as fh:
            calls = json.load(fh)
        arrays = dict(np.load(inp, allow_pickle=False))
        sys.path.insert(0, os.path.dirname(path))  # helper modules next to the solution
        try:
            spec = importlib.util.spec_from_file_location("user_solution", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules["user_solution"] = module
            spec.loader.exec_module(module)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise Refused("load", f"the solution file exits when imported ({exc!r})")
            raise Refused("load", f"importing the solution failed: {type(exc).__name__}: {exc}"
                          + where(exc, path))
        fn = getattr(module, func, None)
        if fn is None or not callable(fn):
            names = [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
                     and getattr(v, "__module__", "") == "user_solution"]
            raise Refused("load", f"{path} defines no function {func!r} (functions there: "
                          f"{', '.join(names) or 'none'})")
        results, total, jit = {}, 0, False
        for k, call in enumerate(calls):
            names = call.get("names", [f"arg{j}" for j in range(len(call["args"]))])
            args = [build(a, arrays, jit) for a in call["args"]]
            problem = signature_problem(fn, args, names)
            if problem:
                raise Refused("signature", problem)
            try:
                out = fn(*args)
            except Exception as exc:
                # numba-compiled solutions cannot call plain Python densities:
                # hand them numba-compiled ones and try again.
                if jit or not from_numba(exc):
                    raise
                jit = True
                args = [build(a, arrays, jit) for a in call["args"]]
                out = fn(*args)
            for name, a in to_arrays(out).items():
                total += a.nbytes
                if total > cap:
                    raise Refused("output", f"output larger than {cap / 2**20:g} MiB")
                results[f"c{k}__{name}"] = a
        np.savez(out_path, **results)
        status = {"ok": True, "calls": len(calls)}
    except Refused as exc:
        status = {"ok": False, "kind": exc.kind, "error": str(exc)[:600]}
    except OSError as exc:
        if exc.errno == 27:  # EFBIG: RLIMIT_FSIZE reached (printing or writing too much)
            status = {"ok": False, "kind": "output",
                      "error": f"wrote more than {cap / 2**20:g} MiB (output size limit)"}
        else:
            status = {"ok": False, "kind": "raised",
                      "error": f"{type(exc).__name__}: {exc}"[:400] + where(exc, path)}
    except BaseException as exc:
        kind = "memory" if isinstance(exc, MemoryError) else "raised"
        status = {"ok": False, "kind": kind,
                  "error": (f"{type(exc).__name__}: {exc}"[:400] + where(exc, path))}
    with open(status_path, "w") as fh:
        json.dump(status, fh)


def where(exc, path):
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == path:
            return f" (line {frame.lineno} of the solution)"
    return ""


main()
'''


def _limit_child(limits: Limits):
    def apply():
        import resource

        os.setsid()
        mem = limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        cpu = int(limits.cpu_seconds)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        size = limits.output_mb * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _tail(path: Path, n: int = 2000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - n))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def run_function(target: str, calls: list, arrays: dict, *, timeout: float | None = None,
                 limits: Limits | None = None) -> SandboxResult:
    """Call ``target`` (``"file.py:function"``) once per entry of `calls`, isolated.

    Parameters
    ----------
    target : str
        ``"path/to/solution.py:function"``.
    calls : list of dict
        Each ``{"args": [...], "names": [...]}`` (names are optional, used in
        the wrong-signature message); an argument is ``{"array": name}`` (an entry
        of `arrays`), ``{"beta": [a, b]}`` (a Beta density callable),
        ``{"mixture": {"weights": [w1, w2], "betas": [[a1, b1], [a2, b2]]}}`` or
        ``{"value": x}`` (a JSON scalar).
    arrays : dict of str -> ndarray
        Float arrays passed through a ``.npz`` file.
    timeout : float, optional
        Wall-clock seconds (overrides ``limits.timeout``).
    limits : Limits, optional

    Returns
    -------
    SandboxResult

    Raises
    ------
    SandboxError
        When the target is not ``PATH.py:FUNCTION`` of an existing file.
    """
    path, func = parse_target(target)
    limits = limits or Limits()
    if timeout is not None:
        limits = Limits(timeout, max(int(timeout) + 1, 1), limits.memory_mb, limits.output_mb)
    work = Path(tempfile.mkdtemp(prefix="foresight-sandbox-"))
    try:
        np.savez(work / "input.npz", **{k: np.asarray(v, dtype=float) for k, v in arrays.items()})
        (work / "calls.json").write_text(json.dumps(calls))
        (work / "child.py").write_text(_CHILD)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "NUMBA_NUM_THREADS": "1", "NUMBA_CACHE_DIR": str(work / "numba"),
            "MPLBACKEND": "Agg", "TMPDIR": str(work),
        }
        cmd = [sys.executable, "-I", str(work / "child.py"), str(work / "input.npz"),
               str(work / "status.json"), str(work / "out.npz"), str(path), func,
               str(limits.output_mb * 2**20)]
        start = time.monotonic()
        with open(work / "stdout.txt", "wb") as out:
            proc = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT,
                                    preexec_fn=_limit_child(limits))
            try:
                rc = proc.wait(timeout=limits.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                return SandboxResult(False, f"timed out after {limits.timeout:g} s wall-clock "
                                     "(infinite loop, or far too slow)", kind="timeout",
                                     seconds=time.monotonic() - start,
                                     stdout_tail=_tail(work / "stdout.txt"))
            finally:
                _kill_group(proc)  # stray children of the solution
        seconds = time.monotonic() - start
        stdout_tail = _tail(work / "stdout.txt")
        status = _read_status(work / "status.json")
        if status is None:
            return SandboxResult(False, _death_reason(rc, stdout_tail, limits), seconds=seconds,
                                 stdout_tail=stdout_tail, kind="killed")
        if not status.get("ok"):
            return SandboxResult(False, str(status.get("error", "failed"))[:600],
                                 seconds=seconds, stdout_tail=stdout_tail,
                                 kind=str(status.get("kind", "raised")))
        try:
            with np.load(work / "out.npz", allow_pickle=False) as data:
                flat = {k: np.array(data[k]) for k in data.files}
        except (OSError, ValueError) as exc:
            return SandboxResult(False, f"results unreadable: {exc}"[:300], seconds=seconds,
                                 kind="output")
        results = [dict() for _ in calls]
        for key, value in flat.items():
            k, name = key.split("__", 1)
            results[int(k[1:])][name] = value
        return SandboxResult(True, results=results, seconds=seconds, stdout_tail=stdout_tail)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass


def _read_status(path: Path):
    try:
        if path.stat().st_size > 10_000:
            return {"ok": False, "error": "status file too large"}
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _death_reason(rc: int, tail: str, limits: Limits) -> str:
    if rc is not None and rc < 0:
        sig = -rc
        if sig == signal.SIGXCPU:
            return f"killed: CPU time limit of {limits.cpu_seconds} s exceeded"
        if sig == signal.SIGXFSZ:
            return f"killed: wrote more than {limits.output_mb} MiB (output size limit)"
        if sig == signal.SIGKILL:
            return "killed (memory or time limit)"
        return f"killed by signal {signal.Signals(sig).name}"
    last = [ln for ln in tail.strip().splitlines() if ln.strip()]
    hint = f": {last[-1][:200]}" if last else ""
    if "MemoryError" in tail:
        return f"ran out of memory (limit {limits.memory_mb} MiB){hint}"
    return f"exited with status {rc} before returning a result{hint}"

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
>>> mode = "namespaces" if isolation_available()[0] else "process"  # no bwrap: limits only
>>> out = run_function(f"{d}/sol.py:double", calls, {"x": np.arange(3.0)}, timeout=30,
...                    isolation=mode)
>>> out.ok, out.results[0]["y"].tolist(), out.isolation == mode
(True, [0.0, 2.0, 4.0], True)
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from foresight.errors import ForesightError

__all__ = ["SandboxError", "SandboxResult", "run_function", "parse_target", "Limits",
           "isolation_available", "resolve_isolation", "bwrap_command", "ISOLATION_MODES"]


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
    isolation: str = ""
    warning: str = ""


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


def to_array(k, v):
    a = np.asarray(v)
    if a.dtype.kind == "c":
        raise Refused("output", f"output {str(k)!r} is complex-valued; expected real numbers")
    if a.dtype.kind not in "biuf":
        try:
            a = np.asarray(v, dtype=float)
        except (TypeError, ValueError) as exc:
            raise Refused("output", f"output {str(k)!r} is not an array of real numbers "
                          f"({type(v).__name__}: {exc})") from None
    return np.ascontiguousarray(a, dtype=np.float64)


def to_arrays(out):
    if isinstance(out, dict):
        items = list(out.items())
    elif isinstance(out, (tuple, list)) and not (len(out) and np.isscalar(out[0])):
        items = [(str(k), v) for k, v in enumerate(out)]
    else:
        items = [("result", out)]
    return {clean(k): to_array(k, v) for k, v in items}


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
    inp, status_path, out_dir, path, func, cap = sys.argv[1:7]
    cap = int(cap)
    status = {"ok": False}
    try:
        with open(os.path.join(os.path.dirname(inp), "calls.json")) as fh:
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
        os.makedirs(out_dir, exist_ok=True)
        for name, a in results.items():  # plain .npy: the parent reads them with bounds
            with open(os.path.join(out_dir, name + ".npy"), "wb") as fh:
                np.lib.format.write_array(fh, a, allow_pickle=False)
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

        mem = limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        cpu = int(limits.cpu_seconds)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        size = limits.output_mb * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


# --------------------------------------------------------------------------
# Isolation: bubblewrap (Linux namespaces)
# --------------------------------------------------------------------------

#: Where the sandbox sees its inputs (read-only) and its scratch directory.
_IN, _SCRATCH = "/sandbox/in", "/sandbox/scratch"
#: The project's own packages: hidden inside the sandbox (the reference
#: computation must not be importable by a solution).
_PROJECT_PACKAGES = ("foresight", "foresight.verify", "foresight.derivations",
                     "foresight.numerics", "foresight.reports")
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32")


def _bound_dirs() -> list[str]:
    """Directories the child's Python needs, read-only: system, interpreter, site-packages."""
    import site
    import sysconfig

    dirs = [d for d in _SYSTEM_DIRS if os.path.exists(d)]
    extra = {sys.base_prefix, sys.prefix, sysconfig.get_paths()["stdlib"],
             sysconfig.get_paths()["platstdlib"], *site.getsitepackages()}
    extra |= {p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p}
    for d in sorted(extra):
        real = os.path.realpath(d)
        if os.path.isdir(real) and not any(real == b or real.startswith(b + "/")
                                           for b in dirs):
            dirs.append(real)
    return dirs


def _project_paths(bound: list[str]) -> tuple[list[str], list[str]]:
    """(directories, files) of the project that would be visible under `bound`: to mask."""
    import importlib

    def visible(path: str) -> bool:
        return any(path == b or path.startswith(b + "/") for b in bound)

    dirs = []
    for name in _PROJECT_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # pragma: no cover - a partial checkout
            continue
        for d in getattr(module, "__path__", []):
            real = os.path.realpath(d)
            if visible(real) and real not in dirs:
                dirs.append(real)
    import site

    files = []
    site_dirs = {os.path.realpath(p) for p in [*site.getsitepackages(), *sys.path]
                 if p and ("site-packages" in p or "dist-packages" in p)}
    for b in sorted(site_dirs):
        if not visible(b):
            continue
        try:
            names = os.listdir(b)
        except OSError:
            continue
        # An editable install's path hook (.pth) and finder name the checkout.
        files += [os.path.join(b, n) for n in names
                  if "foresight" in n.lower() and n.endswith((".pth", ".py"))]
    return dirs, files


def bwrap_command(work: Path, argv: list[str]) -> list[str]:
    """The ``bwrap`` command line that runs `argv` isolated over `work`.

    The sandbox sees: the system and interpreter directories read-only, the
    project's packages replaced by empty directories, ``work/in`` read-only at
    ``/sandbox/in`` and ``work/scratch`` writable at ``/sandbox/scratch`` (also
    its ``/tmp`` and home); new user, PID, network, IPC, UTS and cgroup
    namespaces; no capabilities; a new session; it dies with its parent.
    """
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxError("bubblewrap (bwrap) is not installed")
    bound = _bound_dirs()
    cmd = [bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
           "--unshare-uts", "--unshare-cgroup-try", "--uid", "65534", "--gid", "65534",
           "--hostname", "sandbox", "--die-with-parent", "--new-session",
           "--cap-drop", "ALL", "--clearenv",
           # /tmp first: the read-only binds below then show through it, so an
           # interpreter or venv that lives under /tmp stays visible.
           "--bind", str(work / "scratch"), "/tmp"]
    for d in bound:
        cmd += ["--ro-bind", d, d]
    dirs, files = _project_paths(bound)
    for d in dirs:
        cmd += ["--tmpfs", d, "--remount-ro", d]
    for f in files:
        cmd += ["--ro-bind", "/dev/null", f]
    cmd += ["--proc", "/proc", "--dev", "/dev",
            "--ro-bind", str(work / "in"), _IN,
            "--bind", str(work / "scratch"), _SCRATCH,
            "--chdir", _SCRATCH]
    for k, v in _child_env(_SCRATCH).items():
        cmd += ["--setenv", k, v]
    return cmd + ["--", *argv]


def _child_env(scratch: str) -> dict:
    return {
        "PATH": "/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch,
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "NUMBA_NUM_THREADS": "1", "NUMBA_CACHE_DIR": f"{scratch}/numba",
        "MPLBACKEND": "Agg", "LANG": "C.UTF-8",
    }


@functools.cache
def isolation_available() -> tuple[bool, str]:
    """Whether bubblewrap runs here (installed, and user namespaces allowed).

    Returns
    -------
    (bool, str)
        ``(True, "")`` or ``(False, why)``.
    """
    if shutil.which("bwrap") is None:
        return False, "bubblewrap (bwrap) is not installed"
    work = Path(tempfile.mkdtemp(prefix="foresight-probe-"))
    try:
        (work / "in").mkdir()
        (work / "scratch").mkdir()
        cmd = bwrap_command(work, [sys.executable, "-I", "-c", "pass"])
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"bwrap failed to start ({exc})"
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            why = err[-1] if err else f"exit status {proc.returncode}"
            return False, f"bwrap cannot create namespaces here ({why})"
        return True, ""
    finally:
        shutil.rmtree(work, ignore_errors=True)


ISOLATION_MODES = ("namespaces", "process", "auto")


def resolve_isolation(isolation: str) -> tuple[str, str]:
    """The isolation actually used, and a warning ('' if none).

    ``"namespaces"`` requires bubblewrap and raises :class:`SandboxError` (a
    clear refusal) without it; ``"process"`` runs with process limits only;
    ``"auto"`` uses namespaces when available and warns otherwise.
    """
    if isolation not in ISOLATION_MODES:
        raise SandboxError(f"isolation = {isolation!r}: expected one of "
                           f"{', '.join(ISOLATION_MODES)}")
    if isolation == "process":
        return "process", PROCESS_ONLY_WARNING
    ok, why = isolation_available()
    if ok:
        return "namespaces", ""
    if isolation == "auto":
        return "process", f"{why}: " + PROCESS_ONLY_WARNING
    raise SandboxError(f"no isolation available ({why}); install bubblewrap, or pass "
                       "--isolation process to run the code with process limits only "
                       "(not a security boundary)")


PROCESS_ONLY_WARNING = ("warning: the code ran with process limits only (no file-system, "
                        "network or process-tree isolation): run only code you trust this way")


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------


def _tail(path: Path, n: int = 2000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - n))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _copy_solution(path: Path, dest: Path) -> None:
    """Copy the solution and the ``.py`` files next to it (helper modules), not folders.

    Folders are left out on purpose: a solution kept inside a checkout of this
    project must not bring the project's packages into the sandbox.
    """
    dest.mkdir()
    total = 0
    for sibling in sorted(path.parent.glob("*.py"))[:200]:
        if not sibling.is_file() or sibling.is_symlink():
            continue
        size = sibling.stat().st_size
        if sibling != path and (size > 2**20 or total + size > 16 * 2**20):
            continue
        shutil.copyfile(sibling, dest / sibling.name)
        total += size


def run_function(target: str, calls: list, arrays: dict, *, timeout: float | None = None,
                 limits: Limits | None = None, isolation: str = "namespaces") -> SandboxResult:
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
    isolation : {"namespaces", "process", "auto"}
        ``"namespaces"`` (default): bubblewrap, refused with
        :class:`SandboxError` where it is not available; ``"process"``:
        resource limits only (``result.warning`` says so); ``"auto"``: the
        first when available, else the second.

    Returns
    -------
    SandboxResult

    Raises
    ------
    SandboxError
        When the target is not ``PATH.py:FUNCTION`` of an existing file, or
        no isolation is available for ``isolation="namespaces"``.
    """
    path, func = parse_target(target)
    mode, warning = resolve_isolation(isolation)
    limits = limits or Limits()
    if timeout is not None:
        limits = Limits(timeout, max(int(timeout) + 1, 1), limits.memory_mb, limits.output_mb)
    work = Path(tempfile.mkdtemp(prefix="foresight-sandbox-"))
    try:
        inp, scratch = work / "in", work / "scratch"
        inp.mkdir()
        scratch.mkdir()
        np.savez(inp / "input.npz", **{k: np.asarray(v, dtype=float) for k, v in arrays.items()})
        (inp / "calls.json").write_text(json.dumps(calls))
        (inp / "child.py").write_text(_CHILD)
        _copy_solution(path, inp / "solution")
        if mode == "namespaces":
            root_in, root_scratch = _IN, _SCRATCH
        else:
            root_in, root_scratch = str(inp), str(scratch)
        inside = f"{root_in}/solution/{path.name}"
        argv = [sys.executable, "-I", f"{root_in}/child.py", f"{root_in}/input.npz",
                f"{root_scratch}/status.json", f"{root_scratch}/out", inside, func,
                str(limits.output_mb * 2**20)]
        if mode == "namespaces":
            cmd, env, cwd = bwrap_command(work, argv), {"PATH": "/usr/bin:/bin"}, work
        else:
            cmd, env, cwd = argv, _child_env(str(scratch)), scratch
        start = time.monotonic()
        # stdout goes to a file outside the scratch directory: the child cannot swap it.
        with open(work / "stdout.txt", "wb") as out:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True, preexec_fn=_limit_child(limits))
            try:
                rc = proc.wait(timeout=limits.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                return SandboxResult(False, f"timed out after {limits.timeout:g} s wall-clock "
                                     "(infinite loop, or far too slow)", kind="timeout",
                                     seconds=time.monotonic() - start,
                                     stdout_tail=_tail(work / "stdout.txt"), isolation=mode,
                                     warning=warning)
            finally:
                _kill_group(proc)  # stray children of the solution
        seconds = time.monotonic() - start
        stdout_tail = _tail(work / "stdout.txt")
        result = _collect(scratch, len(calls), limits, rc, stdout_tail)
        result.seconds, result.stdout_tail = seconds, stdout_tail
        result.isolation, result.warning = mode, warning
        result.error = result.error.replace(inside, str(path))
        return result
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


# --------------------------------------------------------------------------
# Reading what the child left: nothing trusted
# --------------------------------------------------------------------------

_STATUS_MAX = 64 * 1024
_KINDS = {"load", "signature", "raised", "memory", "output"}
_OUT_NAME = re.compile(r"c(\d{1,4})__([A-Za-z0-9_]{1,60})\.npy")
_MAX_FILES = 1000


class _Bad(Exception):
    """The child's files are malformed: a verdict, never a traceback."""


def _open_regular(name: str, dir_fd: int, max_size: int) -> bytes:
    """Read a regular file (no symlink, FIFO or device) of at most `max_size` bytes."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError as exc:
        raise _Bad(f"{name} cannot be opened ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Bad(f"{name} is not a regular file")
        if st.st_size > max_size:
            raise _Bad(f"{name} is larger than {max_size} bytes")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_size + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > max_size:
                raise _Bad(f"{name} is larger than {max_size} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _read_status(scratch_fd: int):
    try:
        raw = _open_regular("status.json", scratch_fd, _STATUS_MAX)
    except _Bad as exc:
        if "cannot be opened" in str(exc):
            return None  # no status at all: the child died
        raise
    try:
        status = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _Bad("status file is not JSON") from None
    if not isinstance(status, dict) or not isinstance(status.get("ok"), bool):
        raise _Bad("status file has no boolean 'ok'")
    if not status["ok"]:
        kind = status.get("kind", "raised")
        error = status.get("error", "failed")
        if not isinstance(kind, str) or kind not in _KINDS or not isinstance(error, str):
            raise _Bad("status file has an unknown 'kind' or a non-text 'error'")
    return status


def _read_npy(raw: bytes, name: str) -> np.ndarray:
    """A float64 array from the bytes of a ``.npy`` file, checked before any allocation."""
    import io

    buf = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(buf)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(buf)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(buf)
        else:
            raise _Bad(f"{name}: unsupported .npy version {version}")
    except (ValueError, EOFError, SyntaxError, TypeError) as exc:
        raise _Bad(f"{name} is not a .npy array ({str(exc)[:80]})") from None
    if dtype.kind == "c":
        raise _Bad(f"output {name!r} is complex-valued; expected real numbers")
    if dtype != np.dtype("<f8") and dtype != np.dtype("=f8"):
        raise _Bad(f"output {name!r} has dtype {dtype}; expected float64")
    if not all(isinstance(n, int) and n >= 0 for n in shape) or len(shape) > 8:
        raise _Bad(f"output {name!r} has an invalid shape")
    count = math.prod(shape)
    body = raw[buf.tell():]
    if count * 8 != len(body):
        raise _Bad(f"output {name!r}: header says {count} numbers, the file holds "
                   f"{len(body)} bytes")
    return np.frombuffer(body, dtype="<f8").reshape(shape, order="F" if fortran else "C").copy()


def _collect(scratch: Path, n_calls: int, limits: Limits, rc, tail: str) -> SandboxResult:
    try:
        scratch_fd = os.open(scratch, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:  # pragma: no cover - the parent made it
        return SandboxResult(False, f"scratch directory unreadable ({exc})", kind="output")
    try:
        try:
            status = _read_status(scratch_fd)
        except _Bad as exc:
            return SandboxResult(False, f"unusable result: {exc}", kind="output")
        if status is None:
            return SandboxResult(False, _death_reason(rc, tail, limits), kind="killed")
        if not status["ok"]:
            return SandboxResult(False, status["error"][:600].replace("\n", " "),
                                 kind=status["kind"])
        try:
            results = _read_outputs(scratch_fd, n_calls, limits.output_mb * 2**20)
        except _Bad as exc:
            return SandboxResult(False, f"unusable result: {exc}", kind="output")
        return SandboxResult(True, results=results)
    finally:
        os.close(scratch_fd)


def _read_outputs(scratch_fd: int, n_calls: int, cap: int) -> list:
    try:
        out_fd = os.open("out", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=scratch_fd)
    except OSError:
        raise _Bad("no output directory") from None
    try:
        names = []
        with os.scandir(out_fd) as it:
            for entry in it:
                names.append(entry.name)
                if len(names) > _MAX_FILES:
                    raise _Bad(f"more than {_MAX_FILES} output files")
        results = [dict() for _ in range(n_calls)]
        remaining = cap
        for name in sorted(names):
            m = _OUT_NAME.fullmatch(name)
            if not m or int(m.group(1)) >= n_calls:
                raise _Bad(f"unexpected output file {name[:80]!r}")
            raw = _open_regular(name, out_fd, remaining + 256)
            remaining -= len(raw)
            if remaining < 0:
                raise _Bad(f"outputs larger than {cap / 2**20:g} MiB")
            results[int(m.group(1))][m.group(2)] = _read_npy(raw, m.group(2))
        return results
    finally:
        os.close(out_fd)


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

"""Run a computation in a forked child with a wall-clock and memory budget.

The exercise checker's symbolic work (parsing an answer, evaluating it) runs
on text a stranger typed; SymPy can be made to compute for minutes or to fill
the memory (``((9^64)^64)^64`` is an integer with 10^9 digits).  Here the work
runs in a ``fork`` of the current process (so caches the parent has filled,
such as the derived references, come for free), with

* ``RLIMIT_AS`` set to the child's size at the fork plus ``memory_mb``
  (allocations beyond it raise ``MemoryError`` in the child), and
* a wall-clock deadline after which the parent kills the child (``SIGKILL``).

The child sends its result back pickled through a pipe; it runs only the
checker's own code, so its result is trusted like any return value.

Examples
--------
>>> run_bounded(sum, ([1, 2, 3],), Budget(5, 256)).value
6
>>> import time
>>> out = run_bounded(time.sleep, (10,), Budget(0.5, 256))
>>> out.ok, out.kind
(False, 'time')
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from dataclasses import dataclass

from foresight.errors import ParameterError

__all__ = ["Budget", "Outcome", "run_bounded"]

# The largest result a child may send (a verdict is a few kB).
_MAX_RESULT = 16 * 2**20


@dataclass(frozen=True)
class Budget:
    """Time and memory allowed for one verdict.

    Attributes
    ----------
    seconds : float
        Wall-clock seconds, in (0, 3600].
    memory_mb : int
        Memory the work may allocate beyond what the process held when it
        started, in MiB, in [64, 65536].
    """

    seconds: float = 20.0
    memory_mb: int = 1024

    def __post_init__(self):
        if not (isinstance(self.seconds, (int, float)) and 0 < self.seconds <= 3600):
            raise ParameterError("budget seconds", self.seconds, "(0, 3600]")
        if not (isinstance(self.memory_mb, int) and 64 <= self.memory_mb <= 65536):
            raise ParameterError("budget memory_mb", self.memory_mb, "[64, 65536] MiB")


@dataclass(frozen=True)
class Outcome:
    """What came back: ``value`` when ``ok``; else ``kind`` (``"time"``,
    ``"memory"``, ``"died"``, ``"error"``) and a one-line ``reason``."""

    ok: bool
    value: object = None
    kind: str = ""
    reason: str = ""
    seconds: float = 0.0


def _vm_bytes() -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _child(fn, args, budget: Budget, w: int) -> None:
    import resource

    try:
        used = _vm_bytes()
        if used is not None:
            limit = used + budget.memory_mb * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        try:
            message = ("ok", fn(*args))
        except MemoryError:
            message = ("memory", "")
        except RecursionError:
            message = ("error", "RecursionError: the expression is nested too deeply")
        except SystemError as exc:
            # A C function that could not allocate under RLIMIT_AS can fail with
            # "returned NULL without setting an exception" instead of MemoryError.
            message = (("memory", "") if used is not None and "NULL" in str(exc)
                       else ("error", f"SystemError: {exc}"[:500]))
        except BaseException as exc:  # noqa: BLE001 - everything goes back as a reason
            message = ("error", f"{type(exc).__name__}: {exc}"[:500])
        try:
            data = pickle.dumps(message)
        except MemoryError:
            data = pickle.dumps(("memory", ""))
        except Exception as exc:  # noqa: BLE001
            data = pickle.dumps(("error", f"result not transferable: {exc}"[:300]))
        view = memoryview(data)
        while view:
            n = os.write(w, view[:65536])
            view = view[n:]
    finally:
        os._exit(0)  # no atexit handlers, no flushing of the parent's buffers


def run_bounded(fn, args: tuple, budget: Budget) -> Outcome:
    """Call ``fn(*args)`` in a forked child within `budget`.

    Parameters
    ----------
    fn : callable
        Must return a picklable value.
    args : tuple
    budget : Budget

    Returns
    -------
    Outcome
        Never raises for what happens in the child: a timeout, a memory
        error, a crash or an exception come back as ``ok=False``.

    Notes
    -----
    Without ``os.fork`` (not POSIX) the call runs in this process, unbounded.
    """
    start = time.monotonic()
    if not hasattr(os, "fork"):  # pragma: no cover - POSIX only in CI
        return Outcome(True, fn(*args), seconds=time.monotonic() - start)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child (coverage cannot see it)
        os.close(r)
        _child(fn, args, budget, w)
    os.close(w)
    chunks, total, reaped = [], 0, False
    try:
        deadline = start + budget.seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Outcome(False, kind="time", seconds=time.monotonic() - start,
                               reason=f"did not finish within the time budget of "
                                      f"{budget.seconds:g} s")
            ready, _, _ = select.select([r], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(r, 65536)
            if not chunk:
                break
            total += len(chunk)
            if total > _MAX_RESULT:
                return Outcome(False, kind="error", seconds=time.monotonic() - start,
                               reason="result too large")
            chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        reaped = True
        seconds = time.monotonic() - start
        if not chunks:
            if os.WIFSIGNALED(status):
                sig = signal.Signals(os.WTERMSIG(status)).name
                return Outcome(False, kind="died", seconds=seconds,
                               reason=f"the checking process was killed ({sig}; memory "
                                      f"budget {budget.memory_mb} MiB?)")
            return Outcome(False, kind="died", seconds=seconds,
                           reason="the checking process ended without a result")
        tag, value = pickle.loads(b"".join(chunks))
        if tag == "ok":
            return Outcome(True, value, seconds=seconds)
        if tag == "memory":
            return Outcome(False, kind="memory", seconds=seconds,
                           reason=f"exceeded the memory budget of {budget.memory_mb} MiB")
        return Outcome(False, kind="error", reason=str(value), seconds=seconds)
    finally:
        os.close(r)
        if not reaped:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover
                pass
            os.waitpid(pid, 0)

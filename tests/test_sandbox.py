"""The sandbox runs user code in a separate, limited process and always comes back."""

import os
import socket
import sys
import textwrap
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from foresight.verify import sandbox as sb
from foresight.verify.sandbox import Limits, SandboxError, parse_target, run_function

BWRAP, WHY_NOT = sb.isolation_available()
needs_bwrap = pytest.mark.skipif(not BWRAP, reason=f"no namespace isolation: {WHY_NOT}")
# What the tests of verdicts (not of isolation) run under: the same under both.
ISOLATION = "namespaces" if BWRAP else "process"

SOLUTION = textwrap.dedent("""
    import numpy as np

    def ok(x, f):
        return {'π_1': 2 * x, 'density': f(np.array([0.5]))}

    def as_tuple(x, f):
        return x, x + 1

    def loops(x, f):
        while True:
            pass

    def raises(x, f):
        return x / 0 if False else 1 / 0

    def one_arg(x):
        return x

    def huge(x, f):
        return np.zeros(4 * 2**20)

    def prints(x, f):
        while True:
            print("x" * 10000)

    def text(x, f):
        return {'a': 'hello'}

    def exits(x, f):
        raise SystemExit(3)

    def spawns(x, f):
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        while True:
            pass
""")

CALLS = [{"args": [{"array": "x"}, {"beta": [2.0, 1.0]}], "names": ["x", "f"]}]
ARRAYS = {"x": np.arange(3.0)}
LIMITS = Limits(timeout=60, cpu_seconds=60, memory_mb=2048, output_mb=8)


@pytest.fixture(scope="module")
def solution(tmp_path_factory):
    path = tmp_path_factory.mktemp("student") / "solution.py"
    path.write_text(SOLUTION)
    return path


def run(solution, name, limits=LIMITS, calls=CALLS):
    return run_function(f"{solution}:{name}", calls, ARRAYS, limits=limits, isolation=ISOLATION)


def test_results_come_back_as_float_arrays(solution):
    out = run(solution, "ok")
    assert out.ok, out.error
    assert out.results[0]["pi_1"].tolist() == [0.0, 2.0, 4.0]  # π spelt pi
    np.testing.assert_allclose(out.results[0]["density"], [1.0])  # Beta(2, 1) at 0.5
    assert "user_solution" not in sys.modules  # never imported here
    tup = run(solution, "as_tuple")
    assert sorted(tup.results[0]) == ["0", "1"]


@pytest.mark.parametrize("name, kind, words", [
    ("raises", "raised", "ZeroDivisionError"),
    ("one_arg", "signature", "wrong signature: one_arg(x) cannot be called with the 2 arguments"),
    ("huge", "output", "output larger than 8 MiB"),
    ("prints", "output", "wrote more than 8 MiB"),
    ("text", "output", "not an array of real numbers"),
    ("exits", "raised", "SystemExit"),
    ("nope", "load", "defines no function 'nope'"),
])
def test_failures_are_one_line_verdicts(solution, name, kind, words):
    out = run(solution, name)
    assert not out.ok and out.kind == kind
    assert words in out.error and "\n" not in out.error


def test_raises_says_where(solution):
    assert "line" in run(solution, "raises").error


def test_infinite_loop_is_killed_with_its_children(solution):
    limits = Limits(timeout=1.5, cpu_seconds=5, memory_mb=2048, output_mb=8)
    out = run(solution, "spawns", limits)
    assert not out.ok and out.kind == "timeout" and "timed out after 1.5 s" in out.error


def test_bad_targets(tmp_path):
    with pytest.raises(SandboxError, match="does not exist"):
        parse_target(str(tmp_path / "missing.py") + ":f")
    with pytest.raises(SandboxError, match="expected PATH.py:FUNCTION"):
        parse_target("solution.py")
    with pytest.raises(SandboxError, match="not a Python function name"):
        parse_target(f"{tmp_path}/x.py:1bad")
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    out = run_function(f"{broken}:f", CALLS, ARRAYS, limits=LIMITS, isolation=ISOLATION)
    assert out.kind == "load" and "SyntaxError" in out.error


def test_numba_solutions_get_compiled_densities(tmp_path):
    path = tmp_path / "jitted.py"
    path.write_text(textwrap.dedent("""
        import numpy as np
        from numba import njit

        @njit
        def apply(x, f):
            out = np.empty_like(x)
            for i in range(x.size):
                out[i] = f(x[i])
            return out
    """))
    calls = [{"args": [{"array": "x"}, {"mixture": {"weights": [0.5, 0.5],
                                                    "betas": [[2.0, 1.0], [1.0, 1.0]]}}]}]
    out = run_function(f"{path}:apply", calls, {"x": np.array([0.25, 0.5])}, limits=LIMITS,
                       isolation=ISOLATION)
    assert out.ok, out.error
    np.testing.assert_allclose(out.results[0]["result"], [0.75, 1.0])


# ---------------------------------------------------------------- escapes (issue 9)
#
# Each solution below tries one escape and reports, as numbers, what it
# managed; the test checks the escape failed.  They need bubblewrap: they are
# skipped (with the reason) only where it cannot run.

REPO = Path(__file__).resolve().parents[1]
CHECKER_SOURCE = REPO / "verify" / "exercise_code.py"
NS = Limits(timeout=60, cpu_seconds=60, memory_mb=2048, output_mb=8)


def run_ns(tmp_path, source, name="attack", calls=CALLS, arrays=ARRAYS, limits=NS):
    path = tmp_path / "attack.py"
    path.write_text(textwrap.dedent(source))
    return run_function(f"{path}:{name}", calls, arrays, limits=limits, isolation="namespaces")


@needs_bwrap
def test_writes_outside_scratch_fail(tmp_path):
    outside = tmp_path / "outside_marker"
    before = CHECKER_SOURCE.read_bytes()
    out = run_ns(tmp_path, f"""
        import os, numpy as np
        def attempt(path):
            try:
                with open(path, "a") as fh:
                    fh.write("# pwned")
                return 1.0
            except OSError:
                return 0.0
        def attack(x, f):
            targets = [{str(CHECKER_SOURCE)!r}, {str(outside)!r}, "/usr/pwned",
                       {str(Path(os.__file__))!r}, "/sandbox/in/child.py",
                       os.path.expanduser("~/ok_here")]
            return {{"wrote": np.array([attempt(p) for p in targets])}}
    """)
    assert out.ok, out.error
    # only the last target, in the scratch directory (its home), is writable
    assert out.results[0]["wrote"].tolist() == [0, 0, 0, 0, 0, 1]
    assert CHECKER_SOURCE.read_bytes() == before and not outside.exists()


@needs_bwrap
def test_project_modules_and_sources_are_not_reachable(tmp_path):
    out = run_ns(tmp_path, f"""
        import importlib, sys, numpy as np
        def tries():
            yield lambda: importlib.import_module("foresight")
            yield lambda: importlib.import_module("foresight.verify.exercise_theory")
            yield lambda: (sys.path.insert(0, {str(REPO)!r}),
                           importlib.import_module("verify.exercise_theory"))
            yield lambda: open({str(REPO / "verify" / "exercise_theory.py")!r}).read()
            yield lambda: open({str(REPO / "derivations" / "blume_easley.py")!r}).read()
        def attack(x, f):
            ok = []
            for t in tries():
                try:
                    t()
                    ok.append(1.0)
                except Exception:
                    ok.append(0.0)
            return {{"reached": np.array(ok)}}
    """)
    assert out.ok, out.error
    assert out.results[0]["reached"].tolist() == [0, 0, 0, 0, 0]


@needs_bwrap
def test_no_network(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        out = run_ns(tmp_path, f"""
            import socket, numpy as np
            def attack(x, f):
                s = socket.socket()
                s.settimeout(2)
                try:
                    s.connect(("127.0.0.1", {port}))
                    return {{"connected": np.array([1.0])}}
                except OSError:
                    return {{"connected": np.array([0.0])}}
        """)
    finally:
        server.close()
    assert out.ok, out.error
    assert out.results[0]["connected"].tolist() == [0.0]


def _alive(token: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline:
            found.append(int(pid))
    return found


@needs_bwrap
@pytest.mark.parametrize("how", ["returns", "times_out"])
def test_process_tree_ends_with_the_check_new_sessions_included(tmp_path, how):
    token = f"survivor-{uuid.uuid4().hex}"
    out = run_ns(tmp_path, f"""
        import os, subprocess, sys, time, numpy as np
        def attack(x, f):
            code = "import time; time.sleep(120)  # {token}"
            # a new session, and a double fork whose grandchild is re-parented
            subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv(sys.executable, [sys.executable, "-c", code])
                os._exit(0)
            time.sleep(1)
            if {how == "times_out"}:
                while True:
                    pass
            return {{"ok": np.array([1.0])}}
    """, limits=Limits(timeout=8, cpu_seconds=30, memory_mb=2048, output_mb=8))
    assert out.ok == (how == "returns"), out.error
    deadline = time.monotonic() + 5
    while _alive(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _alive(token) == []


FORGERIES = {
    "status_not_json": 'open("status.json", "w").write("{not json")',
    "status_not_object": 'open("status.json", "w").write("[1, 2]")',
    "status_huge": 'open("status.json", "w").write("{" + " " * 2_000_000 + "}")',
    "status_ok_no_outputs": 'open("status.json", "w").write(\'{"ok": true}\')',
    "status_bad_kind": 'open("status.json", "w").write(\'{"ok": false, "kind": {"a": 1}}\')',
    "status_symlink": 'os.symlink("/etc/passwd", "status.json")',
    "status_fifo": 'os.mkfifo("status.json")',
    "out_symlink_dir": 'os.symlink("/", "out"); ok()',
    "out_symlink_file": 'os.makedirs("out"); os.symlink("/dev/zero", "out/c0__x.npy"); ok()',
    "out_fifo": 'os.makedirs("out"); os.mkfifo("out/c0__x.npy"); ok()',
    "out_bad_name": 'os.makedirs("out"); save("c0__bad-name", np.zeros(3)); ok()',
    "out_wrong_call": 'os.makedirs("out"); save("c7__x", np.zeros(3)); ok()',
    "out_lying_header": 'os.makedirs("out"); lying(); ok()',
    "out_object_dtype": 'os.makedirs("out"); raw("c0__x", np.array([1, "a"], dtype=object)); ok()',
    "out_complex": 'os.makedirs("out"); raw("c0__x", np.array([1 + 2j])); ok()',
    "out_many_files": 'os.makedirs("out"); [save(f"c0__x{i}", np.zeros(1)) '
                      'for i in range(1200)]; ok()',
    "out_npz_bomb": 'os.makedirs("out"); bomb("out/c0__x.npy"); bomb("out.npz"); ok()',
}

FORGER = '''
import io, json, os, zipfile
import numpy as np

def ok():
    with open("status.json", "w") as fh:
        json.dump({"ok": True, "calls": 1}, fh)

def raw(name, a):
    with open(f"out/{name}.npy", "wb") as fh:
        np.lib.format.write_array(fh, a, allow_pickle=True)

def save(name, a):
    raw(name, np.asarray(a, dtype=float))

def lying():
    # a header that claims 10^12 numbers, and 24 bytes of data
    with open("out/c0__x.npy", "wb") as fh:
        header = {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
        np.lib.format.write_array_header_1_0(fh, header)
        fh.write(np.zeros(3).tobytes())

def bomb(path):
    # 400 MiB of zeros compressed to well under 1 MiB
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("c0__x.npy", "w", force_zip64=True) as member:
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                header, {"descr": "<f8", "fortran_order": False, "shape": (50 * 2**20,)})
            member.write(header.getvalue())
            block = bytes(2**20)
            for _ in range(400):
                member.write(block)

def attack(x, f):
    FORGE
    os._exit(0)  # before the harness can write its own status
'''


@needs_bwrap
@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_forged_results_are_unusable_not_a_traceback(tmp_path, forgery):
    import resource

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    source = FORGER.replace("FORGE", FORGERIES[forgery])
    out = run_ns(tmp_path, source, limits=Limits(timeout=60, cpu_seconds=60, memory_mb=2048,
                                                 output_mb=16))
    assert not out.ok
    assert out.kind in ("output", "killed"), (out.kind, out.error)
    assert "\n" not in out.error and len(out.error) < 700
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert grown_mb < 100  # nothing the child wrote was decompressed or allocated whole


@needs_bwrap
def test_complex_outputs_are_refused(tmp_path):
    out = run_ns(tmp_path, """
        import numpy as np
        def attack(x, f):
            return {"π_1": x + 1j}
    """)
    assert not out.ok and out.kind == "output" and "complex" in out.error


def test_complex_outputs_make_a_code_answer_rejected(tmp_path):
    from foresight.verify.exercises import check_code

    path = tmp_path / "cplx.py"
    path.write_text(textwrap.dedent("""
        import numpy as np
        def simulate(sequences, f, g, p1, p2, lam):
            z = np.full(sequences.shape, 0.5 + 0.1j)
            return {"π_1": z, "π_2": z, "c1_share": z}
    """))
    v = check_code("23.2", f"{path}:simulate", quick=True,
                   isolation="namespaces" if BWRAP else "process")
    assert v.status == "rejected" and "complex-valued" in v.message


def test_no_isolation_is_refused_clearly_or_warned(monkeypatch, tmp_path, capsys):
    from foresight.reports.cli import main
    from foresight.verify.exercises import check_code

    monkeypatch.setattr(sb, "isolation_available", lambda: (False, "bwrap is not installed"))
    path = tmp_path / "sol.py"
    path.write_text(SOLUTION)
    with pytest.raises(SandboxError, match="no isolation available.*--isolation process"):
        run_function(f"{path}:ok", CALLS, ARRAYS, limits=LIMITS)
    out = run_function(f"{path}:ok", CALLS, ARRAYS, limits=LIMITS, isolation="auto")
    assert out.ok and out.isolation == "process" and "warning" in out.warning
    v = check_code("23.2", f"{path}:ok")
    assert v.status == "unusable" and "no isolation available" in v.message
    assert main(["check-exercise", "23.2", "--code", f"{path}:ok"]) == 2
    err = capsys.readouterr().err
    assert "no isolation available" in err and "\n" not in err.strip()


def test_tmp_is_mounted_before_the_interpreter_so_a_venv_under_tmp_stays_visible(tmp_path):
    """A checkout (and its .venv) under /tmp: the scratch mounted on /tmp must not hide the
    interpreter bound read-only (CI in a /tmp clone found 'execvp .venv/bin/python: No such
    file', and every namespace test skipped)."""
    import shutil as _shutil

    if _shutil.which("bwrap") is None:
        pytest.skip("bubblewrap not installed")
    cmd = sb.bwrap_command(tmp_path, ["python"])
    pairs = list(zip(cmd, cmd[1:], cmd[2:], strict=False))
    tmp_at = next(i for i, (flag, _, dest) in enumerate(pairs)
                  if flag == "--bind" and dest == "/tmp")
    ro_binds = [i for i, (flag, _, _) in enumerate(pairs) if flag == "--ro-bind"]
    assert ro_binds and tmp_at < min(ro_binds)

"""The command line: help that teaches, one-line errors with exit status 2."""

import json
import subprocess
import sys
import time

import pytest

from foresight.reports.cli import COMMANDS, build_parser, main


def _run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "foresight", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_help_lists_every_command_and_is_fast():
    _run("--help")  # warm the file-system cache
    start = time.perf_counter()
    out = _run("--help")
    elapsed = time.perf_counter() - start
    assert out.returncode == 0
    for name in COMMANDS:
        assert name in out.stdout
    # Start-up budget is 2 s warm; the subprocess here includes interpreter start.
    assert elapsed < 2.0, f"foresight --help took {elapsed:.2f} s"


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from foresight.reports.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('sympy','numba','numpy','scipy','matplotlib','dask') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, "--help"])
    assert exc.value.code == 0
    assert "example" in capsys.readouterr().out.lower()


@pytest.mark.parametrize("args,fragment", [
    (["derive", "--gamma", "-1"], "--gamma"),
    (["derive", "--only", "plannr"], "did you mean 'planner'"),
    (["derive", "--agents", "1"], "--agents"),
])
def test_bad_input_is_one_line_exit_2(args, fragment, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_derive_json():
    out = _run("derive", "--only", "planner", "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert data[0]["title"].startswith("Planner")
    assert any("FOC" in s["title"] for s in data[0]["steps"])


def test_generate_check_passes_on_checked_in_code():
    out = _run("generate", "--check")
    assert out.returncode == 0, out.stdout + out.stderr

"""The report's result cache: exact round trip, damage never trusted, reuse reads the same."""

from __future__ import annotations

import json
import math
import sys
import types

import numpy as np
import pytest

from foresight.reports import report as rp
from foresight.reports import result_cache as rc
from foresight.verify import registry
from foresight.verify.check import CheckResult


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, np.generic):
        return type(a) is type(b) and (a == b or (np.isnan(a) and np.isnan(b)))
    if isinstance(a, float):
        return type(b) is float and (a == b or (math.isnan(a) and math.isnan(b)))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("value", [
    np.arange(6.0).reshape(2, 3),
    np.array([[1, 2], [3, 4]], dtype=np.int32),
    np.array([np.nan, np.inf, -np.inf, 1e-300]),
    np.float32(1.25), np.int64(7), np.bool_(True),
    (1, 2.5, "x"), [1, (2, 3)], {"a": {"b": [np.zeros(2)]}},
    float("nan"), -math.inf, None, True, "text",
])
def test_encode_decode_round_trip_is_exact(value):
    text = json.dumps(rc.encode(value), allow_nan=False)  # strict JSON on disk
    assert _same(value, rc.decode(json.loads(text)))


@pytest.mark.parametrize("value", [np.array([1 + 2j]), np.array(["a"], dtype=object), {1: 2},
                                   {1.5}, {"__tuple__": [1]}, object()])
def test_encode_refuses_what_it_cannot_carry(value):
    with pytest.raises(TypeError):
        rc.encode(value)


def test_store_refuses_unencodable_payload_and_writes_nothing(tmp_path):
    notes = []
    cache = rc.ResultCache(tmp_path, fingerprint="f", notify=notes.append)
    assert cache.store("case", "c", {}, {"x": object()}) is False
    assert cache.load("case", "c", {}) is None
    assert notes and "not stored" in notes[0]


def test_key_covers_parameters_and_fingerprint(tmp_path):
    a = rc.ResultCache(tmp_path, fingerprint="code-A")
    assert a.store("section", "s", {"seed": 1, "quick": False}, {"v": 1})
    assert a.load("section", "s", {"seed": 1, "quick": False}).payload == {"v": 1}
    assert a.load("section", "s", {"seed": 2, "quick": False}) is None
    assert a.load("section", "s", {"seed": 1, "quick": True}) is None
    assert a.load("section", "other", {"seed": 1, "quick": False}) is None
    assert rc.ResultCache(tmp_path, fingerprint="code-B").load(
        "section", "s", {"seed": 1, "quick": False}) is None


def _entry(cache, kind="section", name="s", params=None):
    return cache._folder(cache.key(kind, name, params or {}))


@pytest.mark.parametrize("damage", ["flip payload", "truncate figure", "drop figure",
                                    "extra file", "entry.json garbage", "misplaced"])
def test_damaged_entry_is_named_moved_aside_and_recomputed(tmp_path, damage):
    notes = []
    cache = rc.ResultCache(tmp_path / "cache", fingerprint="f", notify=notes.append)
    fig = tmp_path / "fig.pdf"
    fig.write_bytes(b"%PDF-1.4 figure bytes")
    assert cache.store("section", "s", {}, {"v": 41}, files={"fig.pdf": fig})
    assert cache.store("section", "t", {}, {"v": 42}, files={"fig.pdf": fig})
    folder = _entry(cache)
    if damage == "flip payload":
        p = folder / "payload.json"
        p.write_text(p.read_text().replace("41", "43"))
    elif damage == "truncate figure":
        (folder / "files" / "fig.pdf").write_bytes(b"%PDF")
    elif damage == "drop figure":
        (folder / "files" / "fig.pdf").unlink()
    elif damage == "extra file":
        (folder / "files" / "other.pdf").write_bytes(b"x")
    elif damage == "entry.json garbage":
        (folder / "entry.json").write_text("{not json")
    else:  # a valid entry of another name copied over this one
        import shutil

        shutil.rmtree(folder)
        shutil.copytree(_entry(cache, name="t"), folder)
    assert cache.load("section", "s", {}) is None
    assert not folder.exists()
    damaged = list((tmp_path / "cache" / "damaged").iterdir())
    assert len(damaged) == 1 and damaged[0].name.startswith(folder.name)
    assert any(str(folder) in n and "damaged" in n and "recomputing" in n for n in notes)
    # the undamaged neighbour is untouched, and a fresh store is trusted again
    assert cache.load("section", "t", {}).payload == {"v": 42}
    assert cache.store("section", "s", {}, {"v": 41}, files={"fig.pdf": fig})
    assert cache.load("section", "s", {}).payload == {"v": 41}


def test_a_second_store_of_one_key_keeps_the_first_and_leaves_nothing_behind(tmp_path):
    """Two runs computing one key (same code, seed, sizes) stored the same result; the
    second finds the entry in place, keeps it, and leaves no staging folder."""
    cache = rc.ResultCache(tmp_path, fingerprint="f")
    assert cache.store("case", "c", {}, [1])
    assert cache.store("case", "c", {}, [1])
    assert cache.load("case", "c", {}).payload == [1]
    assert not any((tmp_path / "tmp").iterdir())
    assert not (tmp_path / "damaged").exists()


def test_inputs_digest_follows_file_content(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "a.json").write_text("{}")
    before = rc.inputs_digest([folder])
    (folder / "a.json").write_text('{"k": 1}')
    assert rc.inputs_digest([folder]) != before
    assert rc.inputs_digest([tmp_path / "missing"]) != rc.inputs_digest([])


def test_fingerprint_covers_every_layer_and_the_templates():
    files = {(pkg, path.name) for pkg in rc._PACKAGES for _, path in rc._source_files(pkg)}
    names = {name for _, name in files}
    for expected in ("blume_easley.py", "capacity.py", "registry.py", "report.py",
                     "report.tex", "errors.py", "engine.py"):
        assert expected in names, expected
    assert any(pkg == "foresight.numerics" and name == "krusell_smith.py"
               for pkg, name in files)  # generated kernels are sources too


# ------------------------------------------------------------------ the report reuses


def _section_module(monkeypatch, calls):
    name = "foresight.reports.section_zz_cache_probe"

    def build(ctx):
        calls.append(1)
        (ctx.figures_dir / "probe.pdf").write_bytes(b"%PDF probe " + bytes([len(calls)]))
        ctx.add_check_results(CheckResult(
            "probe.check", "an array compared", np.array([1.0, 2.0]), np.array([1.0, 2.0]),
            1e-12, "probe", True, 0.0, {"where": (0, 1)}))
        ctx.provenance["probe"] = f"seed {ctx.seed}"
        return "Probe body $x_1$.\n"

    module = types.ModuleType(name)
    module.TITLE, module.ORDER, module.build = "Probe", 99, build
    monkeypatch.setitem(sys.modules, name, module)
    return name


def test_report_reuses_a_section_with_its_checks_figures_and_provenance(tmp_path, monkeypatch):
    calls = []
    name = _section_module(monkeypatch, calls)
    kw = dict(sections=[name], pdf=False, verify=False, progress=lambda m: None,
              cache_dir=tmp_path / "cache")
    first = rp.build_report(tmp_path / "r1", **kw)
    second = rp.build_report(tmp_path / "r2", **kw)
    assert len(calls) == 1
    assert second.sections[0].reused and not first.sections[0].reused
    assert second.sections[0].body == first.sections[0].body
    assert _same(second.checks[0].expected, first.checks[0].expected)
    assert second.checks[0].details == first.checks[0].details
    assert ((tmp_path / "r2" / "figures" / "probe.pdf").read_bytes()
            == (tmp_path / "r1" / "figures" / "probe.pdf").read_bytes())
    tex = (tmp_path / "r2" / "report.tex").read_text()
    assert "reused from the result cache" in tex and "seed" in tex
    # another seed is another entry; no cache recomputes
    rp.build_report(tmp_path / "r3", seed=7, **kw)
    assert len(calls) == 2
    rp.build_report(tmp_path / "r4", **{**kw, "cache_dir": None})
    assert len(calls) == 3


def test_sections_given_as_objects_are_never_cached(tmp_path):
    calls = []
    section = types.SimpleNamespace(__name__="tests.section_obj", TITLE="Obj", ORDER=1,
                                    build=lambda ctx: calls.append(1) or "body")
    for out in ("a", "b"):
        rp.build_report(tmp_path / out, sections=[section], pdf=False, verify=False,
                        progress=lambda m: None, cache_dir=tmp_path / "cache")
    assert len(calls) == 2


def test_verify_cases_reused_only_when_they_passed(tmp_path, monkeypatch):
    calls = {"good": 0, "bad": 0}

    def good():
        calls["good"] += 1
        return CheckResult("zzprobe.good", "s", np.float64(1.0), 1.0, 0.1, "b", True, 0.0)

    def bad():
        calls["bad"] += 1
        return [CheckResult("zzprobe.bad", "s", 1.0, 2.0, 0.1, "b", False, 1.0)]

    for fn in (good, bad):
        monkeypatch.setitem(registry._CASES, f"zzprobe.{fn.__name__}",
                            registry.Case(f"zzprobe.{fn.__name__}", "zzprobe", fn, ""))
    cache = rc.ResultCache(tmp_path, fingerprint="f")
    for _ in range(3):
        out = rp.run_registered_checks("zzprobe.", cache=cache)
        assert [(r.name, r.passed) for r in out] == [("zzprobe.bad", False),
                                                     ("zzprobe.good", True)]
        assert isinstance(out[1].expected, np.float64)
    assert calls == {"good": 1, "bad": 3}


def test_cli_help_teaches_the_cache(capsys):
    from foresight.reports.cli import main

    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = capsys.readouterr().out
    assert "--no-cache" in text and "--cache-dir" in text and "reused" in text


def test_a_section_with_a_failed_check_is_recomputed(tmp_path, monkeypatch):
    calls = []
    name = "foresight.reports.section_zz_failing_probe"

    def build(ctx):
        calls.append(1)
        ctx.add_check_results(CheckResult("probe.bad", "s", 1.0, 2.0, 0.1, "b", False, 1.0))
        return "body"

    module = types.ModuleType(name)
    module.TITLE, module.ORDER, module.build = "Failing probe", 98, build
    monkeypatch.setitem(sys.modules, name, module)
    for out in ("a", "b"):
        result = rp.build_report(tmp_path / out, sections=[name], pdf=False, verify=False,
                                 progress=lambda m: None, cache_dir=tmp_path / "cache")
        assert result.exit_status == 1
    assert len(calls) == 2

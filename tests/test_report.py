"""`foresight report`: quick build, PDF compile, escaping, failing sections and checks."""

import json
import sys
import types
from pathlib import Path

import pytest

from foresight.reports import latex
from foresight.reports import report as rp
from foresight.reports.cli import main
from foresight.verify.check import CheckResult, compare_close

SEED_TEXT = Path(__file__).resolve().parents[1].parent / "shared" / "seeds" / \
    "quantecon_heterogeneous_beliefs.txt"


# ------------------------------------------------------------------ the quick build (shared)


@pytest.fixture(scope="module")
def quick_build(tmp_path_factory):
    """One quick Blume–Easley build without PDF, through the CLI (--json)."""
    out = tmp_path_factory.mktemp("report")
    from contextlib import redirect_stdout
    from io import StringIO

    buf = StringIO()
    with redirect_stdout(buf):
        status = main(["report", "--out", str(out), "--quick", "--no-pdf", "--no-verify",
                       "--sections", "blume_easley", "--json"])
    return out, status, json.loads(buf.getvalue())


def test_quick_build_writes_tex_figures_and_summary(quick_build):
    out, status, summary = quick_build
    assert status == 0, summary
    assert summary["pdf"] is None and "--no-pdf" in summary["pdf_message"]
    tex = (out / "report.tex").read_text()
    assert r"\begin{document}" in tex and r"\end{document}" in tex
    assert "section failed" not in tex
    for stem in ("be_fixed_beliefs", "be_close_far", "be_close_far_densities",
                 "be_learning_23_2", "be_learning_23_3", "be_three_models_23_4",
                 "be_three_models_23_5"):
        assert (out / "figures" / f"{stem}.pdf").exists(), stem
        assert f"figures/{stem}.pdf" in tex
    assert [s["name"] for s in summary["sections"]] == ["blume_easley"]
    assert summary["checks"]["total"] >= 20 and summary["checks"]["failed"] == 0
    assert json.loads((out / "report.json").read_text())["tex"] == summary["tex"]


def test_quick_build_content(quick_build):
    out, _, _ = quick_build
    tex = (out / "report.tex").read_text()
    # derivations, KL table with the lecture's printed values, inconsistency notes
    assert "Lagrangian" in tex and "Negishi" in tex
    assert "0.759" in tex and "0.921" in tex and "0.5514" in tex
    assert "0.10805" in tex and "0.08224" in tex  # truncated KL of the simulated h
    assert tex.count(r"\lecturenote{") >= 4
    # provenance: versions, seed and the generated-code hashes
    for stem, digest in rp.generated_hashes().items():
        assert digest in tex.replace(r"\allowbreak{}", ""), stem
    assert "numba" in tex and str(rp.DEFAULT_SEED) in tex
    assert r"\textbf{quick}" in tex


@pytest.mark.skipif(not latex.tex_engine(), reason="no TeX engine (CI installs latexmk)")
def test_quick_report_compiles_to_pdf(quick_build, tmp_path):
    out, _, _ = quick_build
    import shutil

    shutil.copytree(out, tmp_path / "r")
    run = latex.compile_pdf(tmp_path / "r" / "report.tex")
    assert run.ok, run.message
    assert run.pdf.stat().st_size > 50_000
    # layout: nothing sticks out of the text block (the log has no overfull box)
    wide = [line for line in latex.overfull_boxes(run.log, threshold_pt=0.0)]
    assert not wide, wide


# ------------------------------------------------------------------ failures are reported


def _section(name, title, order, build):
    return types.SimpleNamespace(__name__=f"tests.section_{name}", TITLE=title, ORDER=order,
                                 build=build)


def _boom(ctx):
    raise ValueError("division & 50% {broken}\nsecond line not shown")


def test_failing_section_is_boxed_and_exit_nonzero(tmp_path):
    ok = _section("ok", "Fine & dandy", 2, lambda ctx: "Body $x_1$.")
    bad = _section("bad", "Broken", 1, _boom)
    result = rp.build_report(tmp_path, sections=[ok, bad], pdf=False, verify=False,
                             progress=lambda m: None)
    assert result.exit_status == 1
    assert [s.title for s in result.sections] == ["Broken", "Fine & dandy"]  # by ORDER
    tex = result.tex.read_text()
    assert r"\section{Fine \& dandy}" in tex
    assert r"section failed:} ValueError: division \& 50\% \{broken\}" in tex
    assert "second line" not in tex
    assert "division & 50%" in (tmp_path / "errors" / "section_bad.txt").read_text()
    assert result.summary()["sections"][0]["error"].startswith("ValueError")


def test_missing_or_broken_section_module_is_reported(tmp_path):
    result = rp.build_report(tmp_path, sections=["foresight.reports.section_no_such_thing"],
                             pdf=False, verify=False, progress=lambda m: None)
    assert result.exit_status == 1
    assert "ModuleNotFoundError" in result.sections[0].error
    assert "section failed" in result.tex.read_text()


def test_cli_exits_nonzero_on_failing_section(tmp_path, monkeypatch, capsys):
    module = types.ModuleType("foresight_test_section_bad")
    module.TITLE, module.ORDER, module.build = "Bad", 1, _boom
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(rp, "discover_sections", lambda: [module.__name__])
    status = main(["report", "--out", str(tmp_path), "--no-pdf", "--no-verify"])
    assert status == 1
    assert "section 'Bad' failed: ValueError" in capsys.readouterr().err


def test_failing_check_gives_nonzero_exit_and_is_listed(tmp_path):
    def build(ctx):
        ctx.add_check_results(compare_close("demo.wrong", "1 = 2", 1.0, 2.0, atol=1e-12,
                                            basis="exact"))
        ctx.checks.append(compare_close("demo.right", "1 = 1", 1.0, 1.0, atol=0, basis="exact"))
        return "x"

    result = rp.build_report(tmp_path, sections=[_section("c", "Checks", 1, build)], pdf=False,
                             verify=False, progress=lambda m: None)
    assert result.exit_status == 1
    assert [r.name for r in result.failed_checks] == ["demo.wrong"]
    tex = result.tex.read_text()
    assert r"\subsection{Failed checks}" in tex and "FAIL" in tex
    assert result.summary()["checks"] == {"total": 2, "passed": 1, "failed": 1,
                                          "failed_names": ["demo.wrong"]}


def test_registered_case_that_raises_is_a_failed_record(monkeypatch):
    from foresight.verify import registry

    def raising():
        raise RuntimeError("solver diverged")

    fake = {"demo.raises": registry.Case("demo.raises", "demo", raising, "a raising case")}
    monkeypatch.setattr(registry, "registered", lambda: fake)
    (r,) = rp.run_registered_checks()
    assert isinstance(r, CheckResult) and not r.passed
    assert "RuntimeError: solver diverged" in r.observed


def test_without_tex_engine_says_how_to_get_pdf(tmp_path, monkeypatch):
    monkeypatch.setattr(latex, "tex_engine", lambda: "")
    ok = _section("ok", "Fine", 1, lambda ctx: "x")
    result = rp.build_report(tmp_path, sections=[ok], verify=False, progress=lambda m: None)
    assert result.pdf is None and result.exit_status == 0
    assert "apt-get install" in result.pdf_message and "latexmk" in result.pdf_message


# ------------------------------------------------------------------ escaping


@pytest.mark.parametrize("text, expected", [
    ("50% & $5 #1", r"50\% \& \$5 \#1"),
    ("a_b^c", r"a\_b\textasciicircum{}c"),
    ("{x} ~ \\", r"\{x\} \textasciitilde{} \textbackslash{}"),
    ("KL(h‖f) ≤ 0.1", r"KL(h$\|$f) $\le$ 0.1"),
])
def test_escape(text, expected):
    assert latex.escape(text) == expected


def test_text_math_typesets_math_and_escapes_identifiers():
    assert latex.text_math("FOC for c_1") == "FOC for $c_1$"
    assert latex.text_math("l_infinity = 0") == r"$l_{\infty}$ = 0"
    # identifiers in typewriter, breakable after each underscore
    assert (latex.text_math("Result: share_stable")
            == r"Result: \texttt{share\_\allowbreak{}stable}")
    assert latex.text_math("E_log_x & 5%") == r"\texttt{E\_\allowbreak{}log\_\allowbreak{}x} \& 5\%"
    # an index is a script, a word is not: f_belief and a_max are code
    assert latex.text_math("f_belief a_max p_zz") == (
        r"\texttt{f\_\allowbreak{}belief} \texttt{a\_\allowbreak{}max} $p_{zz}$")
    assert latex.text_math("a' >= -b != c <= d") == r"a' $\ge$ -b $\neq$ c $\le$ d"


def test_table_cells_escape_and_abbreviate():
    r = CheckResult("group.a_very_long_name_" + "x" * 80, "s & t", "text with % and _",
                    0.5, 1e-9, "b", True, error=1e-12)
    (row,) = rp.check_rows([r])
    assert row["expected"] == r"text with \% and \_\allowbreak{}"
    assert row["observed"] == "0.500000"
    assert r"\dots{}" in row["name"] and r"\allowbreak" in row["name"]
    assert len(rp.abbreviate("y" * 100)) == rp.CELL_CHARS


def test_lecture_values_are_quoted_verbatim():
    from foresight.reports.section_blume_easley import LECTURE_PRINTED

    if not SEED_TEXT.exists():
        pytest.skip("lecture text not available")
    text = SEED_TEXT.read_text()
    for key, printed in LECTURE_PRINTED.items():
        for line in printed.lines:
            assert line in text, (key, line)
    assert LECTURE_PRINTED["fixed_beliefs"].values() == {
        "f": 1.0, "g": 0.0, "mix": 0.921, "KL(f,g)": 0.759, "KL(g,f)": 0.344,
        "KL(h,f)": 0.073, "KL(h,g)": 0.281}


def test_bad_usage_exits_2_with_one_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["report", "--out", str(blocker / "sub"), "--no-pdf"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["report", "--out", str(tmp_path), "--sections", "blume_easly"]) == 2
    assert "did you mean 'blume_easley'" in capsys.readouterr().err


# ------------------------------------------------------------------ issue 11: typesetting


def test_verification_rows_show_the_compared_numbers_not_array_shapes():
    import numpy as np

    expected = np.zeros((20, 40))
    observed = expected.copy()
    observed[3, 7] = 2.5e-9
    e, o = rp._compared(expected, observed)
    assert "array" not in e + o and "[3,7]" in e and "[3,7]" in o
    assert e.startswith("0") and "10^{-9}" in o
    assert rp._compared([1.0, 2.0], [1.0, 2.5]) == ("1, 2", "1, 2.5")
    assert rp._compared(1.0, 2.0) is None  # scalars: the usual cells


def test_bfe_sections_have_no_internal_tags_or_double_numbering():
    from pathlib import Path

    root = Path(rp.__file__).parent
    for name in ("section_bfe.py", "section_bfe_krusell_smith.py"):
        text = (root / name).read_text()
        assert "(SPEC" not in text, name
        assert 'escape("Table ' not in text, name  # LaTeX numbers tables; the paper's in text

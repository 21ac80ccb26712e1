"""`foresight verify` never crashes: a case that raises is a FAILED record (issue 10, item 3)."""

from __future__ import annotations

import pytest

from foresight.verify import registry


@pytest.fixture
def crashing_case():
    def boom():
        """A case whose solver raises."""
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    def fine():
        """A case that passes."""
        from foresight.verify.check import compare_close

        return compare_close("zz_test_crash.fine", "1 = 1", 1.0, 1.0, atol=0.0, basis="exact")

    registry.case("zz_test_crash", "boom")(boom)
    registry.case("zz_test_crash", "fine")(fine)
    yield
    registry._CASES.pop("zz_test_crash.boom", None)
    registry._CASES.pop("zz_test_crash.fine", None)


def test_exception_becomes_failed_record_and_run_continues(crashing_case):
    results = registry.run_cases("zz_test_crash")
    by_name = {r.name: r for r in results}
    assert set(by_name) == {"zz_test_crash.boom", "zz_test_crash.fine"}
    crash = by_name["zz_test_crash.boom"]
    assert not crash.passed
    assert "TypeError" in crash.observed and "unsupported operand" in crash.observed
    assert "test_verify_crash.py" in crash.details["where"]
    assert "in boom" in crash.details["where"]
    assert by_name["zz_test_crash.fine"].passed  # the next case still ran


def test_cli_exits_1_and_names_the_case(crashing_case, capsys):
    from foresight.reports.cli import main

    rc = main(["verify", "--select", "zz_test_crash"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "zz_test_crash.boom" in out and "TypeError" in out
    assert "1 passed, 1 failed" in out


def test_broken_case_module_is_a_failed_record(monkeypatch, tmp_path):
    (tmp_path / "zz_broken_cases.py").write_text("raise RuntimeError('bad family')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "CASE_MODULES", (*registry.CASE_MODULES, "zz_broken_cases"))
    monkeypatch.setattr(registry, "_IMPORT_ERRORS", {})
    results = registry.run_cases("zz_broken")
    assert len(results) == 1 and not results[0].passed
    assert results[0].name == "zz_broken_cases.import"
    assert "RuntimeError: bad family" in results[0].observed

"""N-BFE checks pass on the engine and fail on wrong inputs; experiments, CLI, report."""

import json
import pathlib
import re
import types

import numpy as np
import pytest

from foresight.numerics.bfe import BFESolver, CapacityModel, FrozenValueTable
from foresight.numerics.bfe.experiments import (
    PAPER_TABLE3,
    PAPER_TABLE5,
    monte_carlo,
    path_statistics,
)
from foresight.verify import bfe as vb

SEEDS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture(scope="module")
def solved():
    m = CapacityModel()
    solver = BFESolver(m, 2, table=FrozenValueTable(m, points=501))
    s0 = np.linspace(1, 2, 11) / np.linspace(1, 2, 11).sum()
    return m, solver, solver.solve(s0, 1)


def test_bellman_residuals_pass_and_fail(solved):
    m, solver, eq = solved
    assert vb.check_bellman_residuals(m, solver, eq).passed
    wrong = [v.copy() for v in eq.values]
    wrong[1][0, 3] += 1e-3  # a value off by less than a part in 1e4
    assert not vb.check_bellman_residuals(m, solver, eq, values=wrong).passed
    # A sub-optimal policy's value (no investment anywhere) is caught too.
    low = [v - 0.5 for v in eq.values]
    assert not vb.check_bellman_residuals(m, solver, eq, values=low).passed


def test_tree_consistency_passes_and_fails(solved):
    m, _, eq = solved
    assert vb.check_tree_consistency(m, eq).passed
    info = [x.copy() for x in eq.information]
    info[2][1] += 1e-6
    assert not vb.check_tree_consistency(m, eq, information=info).passed


def test_frozen_values_pass_and_fail():
    m = CapacityModel()
    v = m.frozen_values([2.0])[0]
    assert vb.check_frozen_values(m, 2.0, values=v).passed
    assert not vb.check_frozen_values(m, 2.0, values=v * (1 + 1e-6)).passed


def test_stationary_check_passes_and_fails():
    m = CapacityModel()
    assert vb.check_stationary_recovered(m).passed
    assert not vb.check_stationary_recovered(m, periods=5).passed  # not there yet
    # A different economy's stationary state is not this one's.
    assert not vb.check_stationary_recovered(CapacityModel(cost=2.0), periods=5).passed


def test_pf_convergence_and_claim_checks_can_fail():
    assert vb.check_perfect_foresight_convergence([0.9, 0.5, 0.2], [0, 1, 2]).passed
    assert not vb.check_perfect_foresight_convergence([0.9, 0.95, 0.2], [0, 1, 2]).passed
    assert vb.check_claim_increasing("c", "s", [1, 2, 3], [1, 1], [0.1, 0.1]).passed
    assert not vb.check_claim_increasing("c", "s", [1, 1.01, 3], [0.01, 1], [0.1, 0.1]).passed
    assert not vb.check_claim_increasing("c", "s", [3, 2, 1], [-1, -1], [0.1, 0.1]).passed
    assert not vb.check_claim_increasing("c", "s", [1, 1, 1], [0, 0], [0, 0]).passed


def test_registered_cases_pass_and_are_fast():
    import time

    from foresight.verify.registry import run_cases

    t0 = time.perf_counter()
    results = run_cases("bfe.")
    assert results and all(r.passed for r in results), [str(r) for r in results if not r.passed]
    assert time.perf_counter() - t0 < 30


def test_monte_carlo_same_for_serial_and_local_cluster(tmp_path):
    kw = dict(horizons=(0, 1), paths=4, periods=15, burn_in=3, progress=False,
              table_points=101, firms=50, seed=3)
    a = monte_carlo("capacity", scheduler="serial", **kw)
    b = monte_carlo("capacity", scheduler=None, n_workers=2, store=tmp_path / "s", **kw)
    for key in ("sigma_mean", "forecast_error_mean", "mean_state"):
        assert a[key] == b[key]
    c = monte_carlo("capacity", scheduler="serial", store=tmp_path / "s", **kw)  # resumed
    assert c["sigma_mean"] == a["sigma_mean"]


def test_same_shocks_for_every_horizon():
    m = CapacityModel()
    one = path_statistics(0, np.random.default_rng(4), model=m, horizons=(1,), periods=20,
                          burn_in=2, table_points=101, firms=30)
    both = path_statistics(0, np.random.default_rng(4), model=m, horizons=(0, 1), periods=20,
                           burn_in=2, table_points=101, firms=30)
    assert one["sigma"][0] == both["sigma"][1]


def test_paper_numbers_are_quoted_from_the_paper():
    paper = SEEDS / "islah_light_2025_bounded_foresight.txt"
    if not paper.exists():
        pytest.skip("paper text not available")
    text = paper.read_text()
    assert re.search(r"0\.087\s+0\.093\s+0\.101", text)
    for j, word in ((1, "One"), (2, "Two"), (3, "Three")):
        row = " ".join(f"{PAPER_TABLE5[j][n]:.3f}%" for n in (0, 1, 2))
        assert f"{word} Period {row}" in text
    assert [PAPER_TABLE3[n] for n in (0, 1, 2)] == [0.087, 0.093, 0.101]


def test_cli_runs_and_rejects_bad_input(capsys):
    from foresight.reports import cmd_bfe
    from foresight.reports.cli import main

    assert "examples:" in cmd_bfe.DESCRIPTION
    code = main(["bfe", "capacity", "--paths", "2", "--periods", "20", "--burn-in", "2",
                 "--scheduler", "serial", "--no-progress", "--json", "--continuum"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "continuum" and len(out["claims"]) == 4
    assert main(["bfe", "capacity", "--foresight", "0,-1"]) == 2
    assert main(["bfe", "capacity", "--a-max", "-1", "--scheduler", "serial"]) == 2
    assert "--a-max" in capsys.readouterr().err  # the flag typed, not the API name


def test_report_section_quick(tmp_path):
    from foresight.reports import section_bfe

    ctx = types.SimpleNamespace(out_dir=tmp_path, figures_dir=tmp_path / "figures", quick=True,
                                seed=0, progress=lambda msg: None)
    tex = section_bfe.build(ctx)
    assert section_bfe.ORDER == 30 and section_bfe.TITLE
    for stem in ("bfe_figure4", "bfe_horizon_scan", "bfe_pf_convergence"):
        assert f"figures/{stem}.pdf" in tex
        assert (tmp_path / "figures" / f"{stem}.pdf").exists()
    assert "0.087" in tex and "0.423" in tex and "\\section" not in tex

"""Krusell-Smith as an N-BFE model: solver, populations, readings, checks (with power)."""

import json

import numpy as np
import pytest

from foresight.errors import ParameterError
from foresight.numerics.bfe.catalog import CONTINUATIONS
from foresight.numerics.bfe.engine import BFESolver, simulate_path
from foresight.numerics.bfe.krusell_smith import KrusellSmithBFE
from foresight.verify import bfe_krusell_smith as vks


@pytest.fixture(scope="module")
def model():
    return KrusellSmithBFE.default()


@pytest.fixture(scope="module")
def start(model):
    return model.initial_population("stationary", 0)


def test_tree_solves_and_capital_is_predetermined(model, start):
    eq = BFESolver(model, 2).solve(start, 0)
    assert eq.residual < 1e-10
    # K_{t+1} is chosen at t: both children of a node share it.
    k1 = eq.statistics[1]
    assert k1[0] == pytest.approx(k1[1], abs=1e-12)
    assert eq.root_policy.shape == (2, 1000)
    assert np.all(np.diff(eq.root_policy, axis=1) >= 0)  # savings rise with assets


def test_table_interpolation_close_to_exact(model, start):
    """Root policy from the interpolated tables vs exact frozen solves at the leaves."""
    for reading in CONTINUATIONS:
        tab = BFESolver(model, 1, continuation=reading).solve(start, 1)
        exact = BFESolver(model, 1, continuation=reading, exact=True).solve(start, 1)
        assert np.max(np.abs(tab.root_policy - exact.root_policy)) < 1e-4
        assert abs(tab.statistics[1][0] - exact.statistics[1][0]) < 6e-5


def test_initial_populations(model):
    p = model.params
    for z in (0, 1):
        for initial in ("stationary", "hark"):
            s = model.initial_population(initial, z)
            assert s.shape == (2, 1000)
            assert s.sum() == pytest.approx(1.0, abs=1e-12)
            assert s[0].sum() == pytest.approx(p.unemployment[z], abs=1e-12)
    hark = model.initial_population("hark", 0)
    assert model.statistic(hark[None])[0] == pytest.approx(p.hark_initial_capital, rel=1e-12)
    with pytest.raises(ParameterError, match="initial"):
        model.initial_population("steady", 0)


def test_agents_keep_capital_exact_and_match_unemployment(model, start):
    rng = np.random.default_rng(3)
    agents = model.initial_agents(start, 5000, rng)
    assets, employed = agents
    assert int((employed == 0).sum()) == round(model.params.urate_bad * 5000)
    hist = model.population_from_agents(agents)
    assert model.statistic(hist[None])[0] == pytest.approx(assets.mean(), rel=1e-12)
    policy = BFESolver(model, 0).solve(hist, 0).root_policy
    moved = model.simulate_agents(agents, policy, 0, 1, rng)
    assert int((moved[1] == 0).sum()) == round(model.params.urate_good * 5000)
    assert moved[0] is not assets  # a new population; the old one untouched
    # Same seed, same agents: results do not depend on anything but the stream.
    again = model.simulate_agents(agents, policy, 0, 1, np.random.default_rng(3))
    other = model.simulate_agents(agents, policy, 0, 1, np.random.default_rng(3))
    assert np.array_equal(again[1], other[1])


def test_push_is_the_sparse_law_of_motion(model, start):
    from foresight.numerics.bfe.law_of_motion import transition_matrix

    policy = BFESolver(model, 0).solve(start, 1).root_policy
    pushed = model.push(start[None], policy[None], np.zeros(1), np.array([0]),
                        z_now=np.array([1]))[0]
    T = transition_matrix(*model.law_of_motion(policy, 1, 0), sparse=True)
    assert np.allclose(pushed.ravel(), T.T @ start.ravel(), atol=1e-15)
    with pytest.raises(ParameterError, match="z_now"):
        model.push(start[None], policy[None], np.zeros(1), np.array([0]))


def test_finite_population_path_runs_and_tracks_the_continuum(model, start):
    z = np.array([0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1])
    solver = BFESolver(model, 1)
    cont = simulate_path(solver, z, start)
    agents = simulate_path(solver, z, start, firms=20000, rng=np.random.default_rng(0))
    assert np.max(np.abs(cont.mean_state - agents.mean_state)) < 0.05
    # One-period-ahead forecasts of K are exact for N >= 1 (K' is chosen today).
    assert np.nanmax(np.abs(cont.forecasts[:-1, 0] - cont.mean_state[1:])) < 1e-10


def test_bad_readings_and_inputs(model):
    with pytest.raises(ParameterError, match="continuation"):
        model.frozen_values([11.0], "frozen")
    with pytest.raises(ParameterError, match="z_leaf"):
        model.frozen_values([11.0], "frozen-prices")
    with pytest.raises(ParameterError, match="table_points"):
        KrusellSmithBFE(table_points=2)
    with pytest.raises(ParameterError, match="capital_bounds"):
        KrusellSmithBFE(capital_bounds=(12.0, 10.0))


# -------------------------------------------------------------- checks and their power


@pytest.mark.parametrize("reading", CONTINUATIONS)
def test_tree_euler_passes_and_fails(model, start, reading):
    solver = BFESolver(model, 2, continuation=reading)
    eq = solver.solve(start, 1)
    assert vks.check_tree_euler(model, solver, eq).passed
    wrong = [p.copy() for p in eq.policies]
    wrong[1][1][1, 500] += 1e-6  # one saving, one node, one grid point
    bad = vks.check_tree_euler(model, solver, eq, policies=wrong)
    assert not bad.passed and bad.details["worst_in"] == "savings"


def test_tree_euler_catches_a_wrong_chain(start):
    """A model whose expectation uses the transposed chain: the numerics follow it, verify not."""

    class WrongChain(KrusellSmithBFE):
        def __init__(self):
            super().__init__()
            self.joint = np.ascontiguousarray(self.joint.transpose(2, 1, 0, 3))

    m = WrongChain()
    solver = BFESolver(m, 1)
    eq = solver.solve(start, 0)
    assert not vks.check_tree_euler(m, solver, eq).passed


def test_tree_statistics_passes_and_fails(model, start):
    eq = BFESolver(model, 2).solve(start, 0)
    assert vks.check_tree_statistics(model, eq).passed
    info = [x.copy() for x in eq.information]
    info[2][3] += 1e-8
    assert not vks.check_tree_statistics(model, eq, information=info).passed


def test_resource_identity_catches_leaking_savings(model, start):
    class Leaky(KrusellSmithBFE):
        def push(self, population_states, policies, statistics, z_next, z_now=None):
            return super().push(population_states, policies + 1e-6, statistics, z_next,
                                z_now)

    z = np.array([0, 1, 1, 0, 1])
    good = vks.check_resource_identity_path(model, BFESolver(model, 1), z, start)
    assert good.passed
    leaky = Leaky()
    bad = vks.check_resource_identity_path(leaky, BFESolver(leaky, 1), z, start)
    assert not bad.passed


def test_n0_frozen_policy_catches_a_wrong_reading(model):
    """The mean-z policy is not the markov problem's: the check tells them apart."""
    assert vks.check_n0_frozen_policy(model, "markov").passed

    class Swapped(KrusellSmithBFE):
        def frozen_values(self, statistics, continuation="markov", z_leaf=None):
            return super().frozen_values(statistics, "mean-z", z_leaf)

    assert not vks.check_n0_frozen_policy(Swapped(), "markov").passed


def test_stationary_at_n0_catches_wrong_labour(model):
    assert vks.check_stationary_at_n0(model).passed

    class WrongLabour(KrusellSmithBFE):
        def without_shocks(self):
            nos = super().without_shocks()
            nos.labour = nos.labour * 1.001
            return nos

    assert not vks.check_stationary_at_n0(WrongLabour()).passed


def test_claims_are_reported_not_asserted():
    res = {"model": "krusell-smith", "mode": "continuum", "paths": 3, "periods": 10,
           "continuation": "markov", "horizons": [0, 1, 2],
           "sigma_mean": [0.15, 0.14, 0.138], "sigma_diff_mean": [-0.01, -0.002],
           "sigma_diff_se": [0.001, 0.001], "forecast_error_mean": [[0.1] * 3] * 3,
           "forecast_error_diff_mean": [[0.0] * 3] * 2,
           "forecast_error_diff_se": [[0.1] * 3] * 2}
    claims = vks.claims_krusell_smith(res, sigma_alm=0.298)
    assert [c.passed for c in claims] == [False, False, False, False, False]
    assert "Table 1" in claims[0].statement and "Table 4" in claims[1].statement


# -------------------------------------------------------------- CLI


def test_cli_krusell_smith_json(capsys):
    from foresight.reports.cli import main

    code = main(["bfe", "krusell-smith", "--foresight", "0,1", "--paths", "2", "--periods",
                 "20", "--burn-in", "0", "--initial", "hark", "--continuum",
                 "--continuation", "frozen-prices", "--scheduler", "serial", "--json",
                 "--no-progress"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["continuation"] == "frozen-prices" and out["initial"] == "hark"
    assert out["paper"]["sigma"]["0"] == 0.265 or out["paper"]["sigma"][0] == 0.265
    assert len(out["sigma_mean"]) == 2


@pytest.mark.parametrize("argv, flag", [
    (["--continuation", "markv"], "--continuation"),
    (["--foresight", "40"], "--foresight"),
    (["--periods", "0"], "--periods"),
    (["--burn-in", "-5"], "--burn-in"),
    (["--agents", "0"], "--agents"),
    (["--paths", "0"], "--paths"),
])
def test_cli_bad_input_one_line_before_work(capsys, argv, flag):
    from foresight.reports.cli import main

    assert main(["bfe", "krusell-smith", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and flag in err and "valid range" in err


def test_cli_hark_start_is_krusell_smith_only(capsys):
    from foresight.reports.cli import main

    assert main(["bfe", "capacity", "--initial", "hark"]) == 2
    assert "--initial" in capsys.readouterr().err


# -------------------------------------------------------------- report


def test_report_section_quick(tmp_path):
    import types

    from foresight.reports import section_bfe_krusell_smith as sec

    ctx = types.SimpleNamespace(out_dir=tmp_path, figures_dir=tmp_path / "figures", quick=True,
                                seed=0, progress=lambda msg: None, provenance={})
    tex = sec.build(ctx)
    assert (tmp_path / "figures" / "bfeks_figure3.pdf").exists()
    for reading in CONTINUATIONS:
        assert reading in tex
    assert "0.265" in tex and "0.398" in tex and "\\section" not in tex
    assert ctx.provenance["bfe_krusell_smith"]["horizons"] == [0, 1]


def test_stored_results_are_checked_before_use(tmp_path):
    from foresight.reports.section_bfe_krusell_smith import load_results

    good = {"model": "krusell-smith", "continuation": "markov", "horizons": [0, 1],
            "sigma_mean": [0.1, 0.2]}
    (tmp_path / "good.json").write_text(json.dumps(good))
    (tmp_path / "truncated.json").write_text(json.dumps(good)[:-7])
    (tmp_path / "unknown_reading.json").write_text(json.dumps({**good, "continuation": "x"}))
    (tmp_path / "ragged.json").write_text(json.dumps({**good, "sigma_mean": [0.1]}))
    (tmp_path / "list.json").write_text("[1, 2]")
    assert list(load_results(tmp_path)) == ["good"]
    assert load_results(tmp_path / "missing") == {}

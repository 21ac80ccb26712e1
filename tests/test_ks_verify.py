"""Krusell–Smith checks pass on the solvers' output and fail on wrong inputs."""

import dataclasses
import json

import numpy as np
import pytest

from foresight.numerics.krusell_smith.household import (
    AggregateLawOfMotion,
    HouseholdPolicy,
    solve_alm_household,
)
from foresight.numerics.krusell_smith.params import KrusellSmithGrids, KrusellSmithParameters
from foresight.reports.cli import main
from foresight.verify import krusell_smith as V
from foresight.verify.registry import run_cases

P = KrusellSmithParameters()


@pytest.fixture(scope="module")
def res():
    return V.default_alm()


def test_registered_cases_pass():
    results = run_cases("krusell_smith")
    names = {r.name for r in results}
    assert {"krusell_smith.chain_conditions", "krusell_smith.euler_residuals[nodes]",
            "krusell_smith.euler_residuals[midpoints]", "krusell_smith.histogram_vs_agents",
            "krusell_smith.stationary_two_routes", "krusell_smith.alm_vs_hark"} <= names
    failed = [str(r) for r in results if not r.passed]
    assert not failed, "\n".join(failed)


def test_chain_checks_fail_on_a_wrong_chain():
    P4 = P.transition_matrix.copy()
    assert V.check_chain_conditions(P).passed and V.check_chain_reference(P).passed
    # Move probability from BE->BU to BE->BE: rows still sum to one, unemployment is off.
    bad = P4.copy()
    bad[1, 0] -= 0.001
    bad[1, 1] += 0.001
    assert not V.check_chain_conditions(P, bad).passed
    assert not V.check_chain_reference(P, bad).passed
    # A chain solved from other conditions (relative probability 0.7) is not this one.
    swapped = KrusellSmithParameters(rel_bg=0.7).transition_matrix
    assert not V.check_chain_conditions(P, swapped).passed
    assert not V.check_chain_reference(P, swapped).passed


def test_euler_check_catches_a_policy_off_by_a_little(res):
    ok = V.check_euler_residuals(P, res.policy, res.law, household_tol=1e-8)
    assert all(r.passed for r in ok)
    pol = res.policy
    scaled = HouseholdPolicy(pol.cash_on_hand, pol.consumption * (1 + 1e-6), pol.capital_grid)
    assert not V.check_euler_residuals(P, scaled, res.law, household_tol=1e-8)[0].passed


def test_euler_check_catches_a_wrong_derivation_followed_faithfully(res):
    """A policy solved with a wrong interest factor (delta 0.03 in the firm's FOC)."""
    wrong = dataclasses.replace(P, delta=0.03)
    pol = solve_alm_household(wrong, res.grids, res.law)
    out = V.check_euler_residuals(P, pol, res.law, household_tol=1e-8)
    assert not out[0].passed and out[0].observed > 1e-4


def test_euler_diagnostic_check_catches_a_diagnostic_with_the_wrong_timing(res, monkeypatch):
    """The reported Euler errors computed with the other aggregate state's law of motion."""
    import foresight.numerics.krusell_smith.alm as alm

    states = V.snapshot_states(res, snapshots=2)
    ok = V.check_euler_error_diagnostic(P, res.grids, res.policy, res.law, states)
    assert ok.passed and ok.details["states"] > 100
    honest = alm.euler_errors

    def wrong_timing(params, grids, policy, law, z, capital, assets, employed):
        # An index slip (z for 1 - z) that the accuracy tables would print faithfully.
        return honest(params, grids, policy, law.__class__(law.intercept[::-1], law.slope[::-1]),
                      z, capital, assets, employed)

    monkeypatch.setattr(alm, "euler_errors", wrong_timing)
    bad = V.check_euler_error_diagnostic(P, res.grids, res.policy, res.law, states)
    assert not bad.passed


def test_euler_check_at_gamma_2_catches_a_policy_of_another_utility():
    """The CRRA branch of the EGM (defaults use log utility): gamma 1.5's policy fails."""
    law = AggregateLawOfMotion((0.08, 0.09), (0.96, 0.96))
    crra = dataclasses.replace(P, gamma=2.0)
    grids = KrusellSmithGrids.default(asset_points=40)
    good = solve_alm_household(crra, grids, law)
    assert all(r.passed for r in V.check_euler_residuals(crra, good, law, household_tol=1e-8))
    wrong = solve_alm_household(dataclasses.replace(P, gamma=1.5), grids, law)
    assert not V.check_euler_residuals(crra, wrong, law, household_tol=1e-8)[0].passed


def test_euler_midpoint_check_catches_nodes_that_do_not_interpolate(res):
    """Nodes jittered by 1e-4: between them the policy is off by more than the
    Euler-implied policy's slope variation allows for a linear interpolant."""
    pol = res.policy
    jitter = 1 + 1e-4 * (-1.0) ** np.arange(pol.consumption.shape[-1])
    noisy = HouseholdPolicy(pol.cash_on_hand, pol.consumption * jitter, pol.capital_grid)
    nodes, midpoints = V.check_euler_residuals(P, noisy, res.law, household_tol=1e-8)
    assert not nodes.passed and not midpoints.passed
    # A coarser grid solved consistently is not an error: every second node dropped
    # fails at the nodes (next period's policy changed) but interpolates within its bound.
    keep = np.r_[0:pol.cash_on_hand.shape[-1]:2]
    coarse = HouseholdPolicy(pol.cash_on_hand[..., keep], pol.consumption[..., keep],
                             pol.capital_grid)
    nodes, midpoints = V.check_euler_residuals(P, coarse, res.law, household_tol=1e-8)
    assert not nodes.passed and midpoints.passed


def test_resource_identity_and_market_clearing_fail_on_wrong_paths(res):
    hist = V.histogram_record(res)
    assert V.check_resource_identity(P, hist).passed
    assert V.check_market_clearing(P, hist).passed
    off = dict(hist, consumption=hist["consumption"] * (1 + 1e-9))
    assert not V.check_resource_identity(P, off).passed
    # A wage computed without dividing by L (a wrong derivation) breaks both identities.
    z = hist["z"]
    K = hist["capital"][:-1]
    bad_w = (1 - P.alpha) * P.productivity[z] * K**P.alpha
    assert not V.check_market_clearing(P, dict(hist, wage=bad_w)).passed
    # Employment that drifts from u_z (a population not matching labour) is caught.
    drift = dict(hist, unemployment=hist["unemployment"] + 1e-6)
    assert not V.check_resource_identity(P, drift).passed
    assert not V.check_market_clearing(P, drift).passed


def test_histogram_vs_agents_has_power(res):
    hist = V.histogram_record(res)
    agents = V.agents_facing_histogram(res, agents=10000)
    good = V.check_histogram_vs_agents(hist, agents)
    assert good.passed
    # A shift the size of the band (about 2 % of K here) is rejected.
    shifted = dict(agents, capital=agents["capital"] + 1.05 * good.tolerance)
    assert not V.check_histogram_vs_agents(hist, shifted).passed
    # Agents on a wrong policy (consumption 1 % higher) drift away and are rejected.
    pol = res.policy
    wrong = dataclasses.replace(res, policy=HouseholdPolicy(
        pol.cash_on_hand, pol.consumption * 1.01, pol.capital_grid))
    assert not V.check_histogram_vs_agents(hist, V.agents_facing_histogram(wrong)).passed


def test_stationary_and_precautionary_checks_fail_on_wrong_inputs():
    a, b = V.default_stationary()
    assert V.check_stationary_routes(a, b).passed
    assert not V.check_stationary_routes(a, dataclasses.replace(b, capital=b.capital * 1.00002)
                                         ).passed
    assert V.check_precautionary_saving(a).passed
    at_ra = dataclasses.replace(a, capital=a.representative_agent_capital * 0.999)
    assert not V.check_precautionary_saving(at_ra).passed
    assert not V.check_precautionary_saving(dataclasses.replace(a, interest=1 / 0.99 + 1e-6)
                                            ).passed


def test_alm_checks_fail_on_wrong_results(res):
    assert V.check_alm_fixed_point(res).passed
    assert not V.check_alm_fixed_point(dataclasses.replace(res, gap=2 * res.tol)).passed
    assert all(r.passed for r in V.check_alm_accuracy(res))
    low = [dict(r, r2=0.9998) for r in res.regression]
    assert not V.check_alm_accuracy(dataclasses.replace(res, regression=low))[0].passed
    worse = dict(res.den_haan, max_percent=0.25)
    assert not V.check_alm_accuracy(dataclasses.replace(res, den_haan=worse))[1].passed
    assert V.check_alm_vs_hark(res.law).passed
    a, b = res.law.as_arrays()
    off = AggregateLawOfMotion(tuple(a + np.array([0.0, 0.0011])), tuple(b))  # +0.11 % K'
    assert not V.check_alm_vs_hark(off).passed


def test_cli_ks_commands(capsys):
    assert main(["ks", "stationary", "--json", "--asset-points", "40", "--fine-points",
                 "300"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["relative_difference"] < 1e-6
    assert main(["ks", "alm", "--periods", "800", "--discard", "100", "--asset-points", "40",
                 "--capital-points", "7", "--fine-points", "300", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["converged"] and out["population"] == "continuum"
    assert main(["ks", "alm", "--periods", "400", "--discard", "100", "--agents", "500",
                 "--asset-points", "40", "--capital-points", "7", "--max-iter", "40"]) == 0
    text = capsys.readouterr().out
    assert "500 agents" in text and "den Haan error" in text and "HARK 0.17.2" in text


@pytest.mark.parametrize("argv,flag", [
    (["ks", "alm", "--periods", "0"], "--periods"),
    (["ks", "alm", "--agents", "0"], "--agents"),
    (["ks", "alm", "--damping", "1.5"], "--damping"),
    (["ks", "alm", "--periods", "100", "--discard", "95"], "--discard"),
    (["ks", "alm", "--tol", "nan"], "--tol"),
    (["ks", "stationary", "--asset-points", "1"], "--asset-points"),
])
def test_cli_bad_input_is_one_line_exit_2(argv, flag, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and flag in err[0] and "valid range" in err[0]


def test_report_section_quick_builds_and_compiles(tmp_path):
    from foresight.reports import latex
    from foresight.reports import report as rp

    result = rp.build_report(tmp_path, sections=["foresight.reports.section_krusell_smith"],
                             quick=True, pdf=bool(latex.tex_engine()), verify=False,
                             progress=lambda m: None)
    assert not result.failed_sections and not result.failed_checks
    tex = (tmp_path / "report.tex").read_text()
    assert "figures/ks_den_haan.pdf" in tex and (tmp_path / "figures" / "ks_den_haan.pdf").exists()
    for needle in ("FOC for K", "Euler equation", "0.525000", "HARK 0.17.2", "den Haan"):
        assert needle in tex, needle
    # symbols typeset, not plain text (issue 11): the Lagrangian, Greek parameters, indices
    assert r"\mathcal{L} =" in tex and "{mathcal" not in tex
    for needle in (r"$\beta$, $\gamma$", r"$\alpha$, $\delta$", "$a_z$", "$b_z$",
                   r"$\ge$"):
        assert needle in tex, needle
    for plain in ("beta, gamma &", "log K' = a_z", "\\textgreater{}="):
        assert plain not in tex, plain
    if latex.tex_engine():
        assert result.pdf is not None and result.pdf.exists()
        wide = latex.overfull_boxes(tmp_path / "report.log", threshold_pt=0.0)
        assert not wide, wide

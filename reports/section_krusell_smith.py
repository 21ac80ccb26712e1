"""Report section: the Krusell–Smith economy and its moment-based (KS-ALM) benchmark.

Interface of ``foresight report``: ``TITLE``, ``ORDER``, ``build(ctx) -> str``.
The full report solves the KS-ALM on the defaults (continuum, 6,000 periods,
and 10,000 agents) -- about half a minute on two cores; ``ctx.quick`` runs a
short path on small grids.  HARK's numbers are quoted from the measured run
recorded in :data:`foresight.verify.krusell_smith.HARK_REFERENCE`.
"""

from __future__ import annotations

TITLE = "The Krusell-Smith economy and its moment-based benchmark"
ORDER = 35


def _scale(quick: bool) -> dict:
    if quick:
        return {"periods": 600, "discard": 100, "agents": 1000,
                "grids": {"asset_points": 40, "capital_points": 7, "fine_points": 300}}
    return {"periods": 6000, "discard": 1000, "agents": 10000, "grids": {}}


def build(ctx) -> str:
    import numpy as np

    from foresight.derivations import krusell_smith as dks
    from foresight.numerics.krusell_smith.alm import solve_alm
    from foresight.numerics.krusell_smith.params import (
        STATE_LABELS,
        KrusellSmithGrids,
        KrusellSmithParameters,
    )
    from foresight.numerics.krusell_smith.stationary import (
        stationary_equilibrium,
        stationary_equilibrium_by_interest,
    )
    from foresight.reports.figures import Line, Panel, grid_figure
    from foresight.reports.latex import fmt_number, render_derivation, table, text_math
    from foresight.verify.krusell_smith import (
        HARK_REFERENCE,
        KRUSELL_SMITH_1998,
        check_alm_accuracy,
        check_alm_fixed_point,
        check_stationary_routes,
        default_stationary,
    )

    sc = _scale(bool(ctx.quick))
    progress = ctx.progress
    p = KrusellSmithParameters()
    grids = KrusellSmithGrids.default(**sc["grids"])
    out = [text_math(
        "The paper's headline application (Islah & Light 2025, Section 4.1) is the "
        "Krusell-Smith (1998) economy as econ-ark HARK implements it; its 'full horizon "
        "(moment-based)' benchmark is Krusell and Smith's approximate rational-expectations "
        "equilibrium, in which households forecast aggregate capital with a log-linear law "
        "of motion per aggregate state.  This section derives the economy, solves its "
        "stationary equilibrium without aggregate shocks and the moment-based benchmark, "
        "and compares them with HARK and with Krusell and Smith (1998).  The N-BFE of this "
        "economy builds on the household block here (one EGM step per tree node).")]

    # ------------------------------------------------------------ calibration
    rows = [
        ("beta, gamma", "0.99, 1 (log)"), ("alpha, delta", "0.36, 0.025"),
        ("z (bad, good)", "0.99, 1.01"), ("unemployment (bad, good)", "10 %, 4 %"),
        ("labour endowment l_e", "0.3271 per employed agent; no income when unemployed"),
        ("borrowing limit b", "0 (the natural limit with no unemployment income)"),
        ("durations, spells", "8 / 8 periods; 2.5 / 1.5 periods"),
        ("relative probabilities", "0.75 (bad to good), 1.25 (good to bad)"),
        ("asset grid (EGM)", f"{grids.assets.size} points, 0.001 to 250, HARK's "
                             "multi-exponential family (nested twice)"),
        ("capital grid", f"{grids.capital.size} points, {grids.capital[0]:g} to "
                         f"{grids.capital[-1]:g}; policies linear in K between them"),
        ("histogram grid", f"{grids.fine.size} points, 0 to 250 (Young's lottery)"),
    ]
    out.append(table(["parameter", "value"], [[text_math(a), text_math(b)] for a, b in rows],
                     text_math("Calibration: HARK's init_KS_agents / init_KS_economy, i.e. "
                            "Krusell and Smith (1998); numerical grids are parameters."),
                     "tab:ks-calibration", "ll"))

    # ------------------------------------------------------------ derivations
    progress("krusell_smith: derivations")
    out.append(r"\subsection{Derivations}")
    firm, hh = dks.firm_derivation(), dks.household_derivation()
    chain, ss = dks.employment_chain_derivation(), dks.steady_state_derivation()
    out.append(text_math("Firm: profit, first-order conditions, factor prices; constant returns "
                      "make the factor payments exhaust output (the resource identity)."))
    out.append(render_derivation(firm))
    out.append(text_math("Household: Lagrangian with the borrowing constraint, first-order "
                      "conditions, envelope, the Euler equation and its EGM inversion."))
    out.append(render_derivation(hh))
    out.append(text_math("Employment chain: the 16 conditions (aggregate marginals, spells, "
                      "relative probabilities, exact unemployment) solved for the 4x4 matrix; "
                      "its stationary law and the chain without aggregate shocks."))
    out.append(render_derivation(chain, skip=("Pi(e'", "transition_matrix")))
    P = p.transition_matrix
    out.append(table([""] + list(STATE_LABELS),
                     [[s] + [f"{x:.6f}" for x in P[i]] for i, s in enumerate(STATE_LABELS)],
                     text_math("The solved chain at the calibration (rows: from; columns: to). "
                            "HARK 0.17.2 prints the same rows to six decimals "
                            "(check krusell_smith.chain_vs_hark)."), "tab:ks-chain"))
    out.append(text_math("Representative-agent steady state (beta R = 1):"))
    out.append(render_derivation(ss))

    # ------------------------------------------------------------ stationary
    progress("krusell_smith: stationary equilibrium")
    out.append(r"\subsection{Stationary equilibrium without aggregate shocks}")
    if ctx.quick:
        a = stationary_equilibrium(p, grids)
        b = stationary_equilibrium_by_interest(p, grids)
        ctx.add_check_results(check_stationary_routes(a, b, name="krusell_smith.report."
                                                      "stationary_two_routes"))
    else:  # the defaults: the registered case solves (and checks) the same, once
        a, b = default_stationary()
    out.append(table(
        ["route", "K*", "R* - 1", "w*", "s"],
        [[text_math(eq.route), fmt_number(eq.capital, 8), fmt_number(eq.interest - 1, 6),
          fmt_number(eq.wage, 6), fmt_number(eq.seconds, 3)] for eq in (a, b)]
        + [[text_math("complete markets (beta R = 1)"),
            fmt_number(a.representative_agent_capital, 8),
            fmt_number(1 / p.beta - 1, 6), "", ""]],
        text_math(f"z = {p.mean_productivity:g}, unemployment {p.mean_unemployment:.0%}. "
               "Precautionary saving raises K by "
               f"{a.capital / a.representative_agent_capital - 1:.3%} "
               "above the complete-markets level: with unemployment spells of 1.5 to 2.5 "
               "quarters the idiosyncratic risk is small."), "tab:ks-stationary", "lrrrr"))

    # ------------------------------------------------------------ KS-ALM
    out.append(r"\subsection{The moment-based benchmark (KS-ALM)}")
    runs = {}
    for label, agents in (("continuum", None), (f"{sc['agents']} agents", sc["agents"])):
        progress(f"krusell_smith: KS-ALM, {label}")
        runs[label] = solve_alm(p, grids, agents=agents, periods=sc["periods"],
                                discard=sc["discard"], seed=ctx.seed % (2**32))
    cont = runs["continuum"]
    ctx.add_check_results(check_alm_fixed_point(cont, name="krusell_smith.report.alm_fixed_point"))
    if not ctx.quick:
        ctx.add_check_results(check_alm_accuracy(cont, name="krusell_smith.report.alm_accuracy"))

    def reg_cells(reg, z):
        r = reg[z]
        return [fmt_number(r["intercept"], 6), fmt_number(r["slope"], 6),
                f"{r['r2']:.7f}"]

    rows = []
    for z, state in enumerate(("bad", "good")):
        for label, res in runs.items():
            rows.append([text_math(f"{state}: ours, {label}")] + reg_cells(res.regression, z)
                        + [fmt_number(res.den_haan["max_percent"], 4),
                           fmt_number(res.capital_std, 4)])
        rows.append([text_math(f"{state}: HARK 0.17.2, 2000 agents")]
                    + reg_cells(HARK_REFERENCE["ks_form"], z)
                    + [fmt_number(HARK_REFERENCE["den_haan_max_percent"], 4),
                       fmt_number(HARK_REFERENCE["capital_std"], 4)])
        rows.append([text_math(f"{state}: Krusell-Smith (1998)")]
                    + reg_cells(KRUSELL_SMITH_1998["ks_form"], z) + ["", ""])
    out.append(table(
        ["", "a_z", "b_z", "R^2", "den Haan max %", "sigma(K)"], rows,
        text_math(f"log K' = a_z + b_z log K. Ours: {sc['periods']} periods, {sc['discard']} "
               "discarded, Anderson-accelerated fixed point (tolerance 1e-6 on predicted "
               "log K'). HARK: patched so its loop iterates (../shared/peers/hark_ks.py), "
               "its own aggregate path; Krusell and Smith (1998) as quoted in the literature."),
        "tab:ks-alm", "lrrrrr"))
    k_test = np.array([11.0, 11.5, 12.0, 12.5])
    pred_rows = []
    for z, state in enumerate(("bad", "good")):
        ours = cont.law.next_capital(z, k_test)
        ref = HARK_REFERENCE["ks_form"][z]
        theirs = np.exp(ref["intercept"] + ref["slope"] * np.log(k_test))
        pred_rows.append([text_math(state)] + [f"{100 * (o / t - 1):+.4f}"
                                            for o, t in zip(ours, theirs, strict=True)])
    out.append(table(["state"] + [f"K = {k:g}" for k in k_test], pred_rows,
                     text_math("One-step prediction of K', ours (continuum) relative to HARK's, "
                            "percent. Intercepts and slopes trade off (log K varies little), "
                            "so predictions are compared, not coefficients."),
                     "tab:ks-predictions"))
    e = cont.euler
    hark_rows = [[text_math(f"{state}")] + [fmt_number(cont.hark_form[z]["intercept"], 6),
                                         fmt_number(cont.hark_form[z]["slope"], 6),
                                         fmt_number(HARK_REFERENCE["hark_form"][z]["intercept"], 6),
                                         fmt_number(HARK_REFERENCE["hark_form"][z]["slope"], 6)]
                 for z, state in enumerate(("bad", "good"))]
    out.append(table(["state", "ours a", "ours b", "HARK a", "HARK b"], hark_rows,
                     text_math("HARK's form of the law, log A = a + b log M (A: end-of-period "
                            "savings, M: aggregate market resources), estimated on the same "
                            "simulated history."), "tab:ks-hark-form"))
    out.append(text_math(
        f"Accuracy (continuum): den Haan's dynamic forecast error max "
        f"{cont.den_haan['max_percent']:.4f} %, mean {cont.den_haan['mean_percent']:.4f} %; "
        f"Euler-equation errors on the simulated distribution ({e['snapshots']} snapshots, "
        f"mass-weighted) mean log10 {e['mean_log10']:.2f}, max log10 {e['max_log10']:.2f} "
        "(the maximum sits at the poorest unemployed, a mass of about 1e-7, where the "
        "policy bends most between the first grid nodes).  Mean K "
        f"{cont.capital_mean:.4f} (HARK {HARK_REFERENCE['capital_mean']:.4f} on its own "
        "path).  Solved in " + f"{cont.seconds['total']:.1f} s "
        f"({cont.iterations} iterations); HARK took {HARK_REFERENCE['seconds']:.0f} s "
        f"({HARK_REFERENCE['iterations']} iterations) on the same machine."))

    # ------------------------------------------------------------ den Haan figure
    sim = cont.simulation
    t = np.arange(cont.discard, cont.periods + 1)
    law_path = cont.den_haan["law_path"]
    k_sim = sim["capital"][cont.discard:cont.periods + 1]
    span = slice(0, min(1000, t.size))
    err = 100 * np.abs(np.log(law_path) - np.log(k_sim))
    panels = [[Panel("aggregate capital: simulated vs the law iterated alone", ylabel="K",
                     lines=[Line(t[span], k_sim[span], "simulated (histogram)", color="black"),
                            Line(t[span], law_path[span], "law of motion alone",
                                 color="tab:red", linestyle="--")])],
              [Panel("den Haan error", ylabel="percent",
                     lines=[Line(t, err, "|log K_law - log K|", color="tab:blue")],
                     legend=False)]]
    grid_figure(panels, ctx.figures_dir / "ks_den_haan")
    out.append(r"\begin{figure}[htbp]\centering"
               r"\includegraphics[width=\textwidth]{figures/ks_den_haan.pdf}"
               r"\caption{" + text_math(
                   "den Haan's (2010) test: the law of motion iterated alone along the "
                   "aggregate path from the first period after the burn-in, against the "
                   "simulated economy (top: the first 1000 periods; bottom: the error over "
                   "the whole path).") + r"}\label{fig:ks-den-haan}\end{figure}")
    ctx.provenance["krusell_smith"] = {
        "periods": sc["periods"], "discard": sc["discard"], "agents": sc["agents"],
        "alm_seconds": {k: round(v.seconds["total"], 2) for k, v in runs.items()},
        "stationary_seconds": round(a.seconds, 2),
    }
    return "\n\n".join(out)

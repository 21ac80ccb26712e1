"""Report section: the N-BFE of the Krusell–Smith economy under the three readings.

Interface of ``foresight report``: ``TITLE``, ``ORDER``, ``build(ctx) -> str``.
At report scale (2 paths of 500 periods per reading and burn-in, stated in
the captions) it computes Table 1, Table 4 and Figure 3 of the paper under
every continuation reading; the paper-scale numbers come from
``benchmarks/bfe_readings.py`` (its JSON results under
``benchmarks/results/bfe_readings`` are read, checked and tabulated when
present).  ``ctx.quick`` runs tiny sizes.
"""

from __future__ import annotations

import json
import pathlib

TITLE = "N-Bounded Foresight Equilibrium of the Krusell-Smith economy"
ORDER = 40

READINGS = ("markov", "frozen-prices", "mean-z")
RESULTS_DIR = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "results" / \
    "bfe_readings"
#: Read at build time: their content enters the result cache's key.
CACHE_INPUTS = (RESULTS_DIR,)


def _scale(quick: bool) -> dict:
    if quick:
        return {"paths": 1, "periods": 25, "burn_in": 5, "fig_periods": 20,
                "horizons": (0, 1), "alm_paths": 1}
    # Report scale, kept small so the whole report stays near a minute on two cores
    # (the captions state these sizes; paper scale is benchmarks/bfe_readings.py).
    return {"paths": 2, "periods": 500, "burn_in": 100, "fig_periods": 300,
            "horizons": (0, 1, 2), "alm_paths": 2}


def load_results(directory=RESULTS_DIR) -> dict:
    """Paper-scale results written by ``benchmarks/bfe_readings.py``, checked.

    Returns ``{file stem: result}`` for the files that describe themselves as
    N-BFE Monte Carlo results of a known model and reading; others are skipped.
    """
    out = {}
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        return out
    for path in sorted(directory.glob("*.json")):
        try:
            res = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(res, dict):
            continue
        if "sigma_mean" in res and res.get("continuation") in READINGS \
                and len(res.get("sigma_mean", [])) == len(res.get("horizons", [None])):
            out[path.stem] = res
        elif "mean_abs_distance" in res and res.get("continuation") in READINGS:
            out[path.stem] = res
    return out


def build(ctx) -> str:
    import numpy as np

    from foresight.derivations.continuation import continuation_derivation
    from foresight.numerics.bfe.experiments import (
        PAPER_TABLE1,
        PAPER_TABLE1_ALM,
        PAPER_TABLE4,
        distance_to_alm,
        figure3_paths,
        monte_carlo,
    )
    from foresight.reports.figures import Line, Panel, grid_figure
    from foresight.reports.latex import fmt_number, render_derivation, table, text_math
    from foresight.verify.bfe_krusell_smith import claims_krusell_smith
    from foresight.verify.krusell_smith import HARK_REFERENCE

    sc = _scale(bool(ctx.quick))
    seed = int(getattr(ctx, "seed", 0) or 0)
    progress = getattr(ctx, "progress", None) or (lambda msg: None)
    hs = sc["horizons"]
    out = [text_math(
        "Every period the N-BFE of the Krusell-Smith economy is solved at the realised "
        "(population, z): a tree of aggregate histories up to depth N whose nodes carry "
        "aggregate capital K and the prices R(z, K), w(z, K) of the firm's first-order "
        "conditions; backward, one step of the endogenous grid method per node with the "
        "children's marginal values of wealth (the expectation over z' with the chain and "
        "over employment with Pi(e'|e, z, z')); forward, the histogram over (employment, "
        "1000 asset points) moved by Young's lottery; the consistency fixed point over the "
        "capitals at depths 1..N (Anderson).  Beyond depth N the population is frozen at "
        "its depth-N state (the paper's rule) and households solve an infinite-horizon "
        "problem whose marginal values were tabulated once on 129 capitals in [8, 16].  "
        "What is frozen besides the population is ambiguous in the paper; the three "
        "readings are computed side by side.")]
    out.append(table(
        ["reading", "beyond depth N", "source in the paper"],
        [["markov", text_math("z on its chain; prices R(z', K_N), w(z', K_N)"),
          text_math("Proposition 1, Definition 1")],
         ["frozen-prices", text_math("R, w fixed at the depth-N node's; employment still "
                                  "moves with z's chain"),
          text_math("Section 2.2 / Figure 2; the Section 3 exchange-rate example")],
         ["mean-z", text_math("no aggregate shocks: z, L at their stationary means, the 2x2 "
                           "employment chain (the stationary household at K_N)"),
          text_math("not in the paper: a third reading, computed for comparison")]],
        text_math("Continuation readings (foresight bfe --continuation)."),
        "tab:bfeks-readings", "lp{6.3cm}p{4.6cm}"))
    out.append(text_math("The readings, derived: the expected aggregate k periods beyond the "
                      "horizon puts weight lambda^k on today's deviation from the mean "
                      "(markov); frozen-prices is lambda = 1, mean-z lambda = 0."))
    out.append(render_derivation(continuation_derivation()))

    # ------------------------------------------------------------ Tables 1 and 4
    from foresight.reports.cluster import section_scheduler

    runs = {}
    with section_scheduler(bool(ctx.quick)) as scheduler:
        for reading in READINGS:
            for burn in (0, sc["burn_in"]):
                progress(f"bfe krusell-smith: {reading}, burn-in {burn}")
                runs[reading, burn] = monte_carlo(
                    "krusell-smith", horizons=hs, paths=sc["paths"], periods=sc["periods"],
                    burn_in=burn, seed=seed, scheduler=scheduler, progress=False,
                    continuation=reading, initial="hark")
    progress("bfe krusell-smith: KS-ALM on the same shocks")
    alm = distance_to_alm(horizons=hs, paths=sc["alm_paths"], periods=sc["periods"],
                          burn_in=sc["burn_in"], seed=seed, continuation="markov")
    cols = [f"N = {n}" for n in hs]
    rows = [[text_math("paper (HARK start, 5000 agents)")]
            + [fmt_number(PAPER_TABLE1.get(n, float("nan")), 3) for n in hs]]
    for (reading, burn), r in runs.items():
        rows.append([text_math(f"{reading}, burn-in {burn}")]
                    + [f"{r['sigma_mean'][i]:.4f} ({r['sigma_se'][i]:.4f})"
                       for i in range(len(hs))])
    out.append(table(
        [""] + cols, rows,
        text_math("The paper's Table 1 under each reading: sigma of mean capital over a path "
               f"of {sc['periods']} periods, "
               f"averaged over {sc['paths']} paths (continuum; HARK's start: everybody at "
               "the steady-state capital, first state bad; burn-in 0 measures the transient "
               "from that start).  Moment-based (KS-ALM) sigma: paper "
               f"{PAPER_TABLE1_ALM}; ours on the same shocks {alm['sigma_alm']:.4f} "
               f"(after {sc['burn_in']} periods, {sc['alm_paths']} paths); HARK's own run "
               f"{HARK_REFERENCE['capital_std']:.4f}.  Standard errors over paths in "
               "parentheses."), "tab:bfeks-table1"))
    rows = []
    for j in (1, 2, 3):
        rows.append([f"{j} ahead, paper"] + [fmt_number(PAPER_TABLE4[j][n], 3)
                                             if n in PAPER_TABLE4[j] else "" for n in hs])
        for reading in READINGS:
            fe = runs[reading, sc["burn_in"]]["forecast_error_mean"]
            rows.append([text_math(f"{j} ahead, {reading}")]
                        + [fmt_number(100 * fe[i][j - 1], 3) for i in range(len(hs))])
    out.append(table(
        ["forecast error (%)"] + cols, rows,
        text_math("The paper's Table 4 under each reading: forecast errors of equation (2) "
               "for mean capital, percent "
               f"(burn-in {sc['burn_in']}).  K_(t+1) is chosen at t, so for N >= 1 the "
               "one-period-ahead forecast of beginning-of-period capital is exact (zero "
               "error) in the continuum and with agents alike."), "tab:bfeks-table4"))
    claims = []
    for reading in READINGS:
        if tuple(hs[:3]) == (0, 1, 2):
            claims += claims_krusell_smith(runs[reading, 0], alm["sigma_alm"])
    if claims:
        out.append(table(
            ["claim (paper)", "observed", "verdict"],
            [[text_math(c.statement + " [" + c.name.split("[", 1)[-1]), text_math(str(c.observed)),
              "holds" if c.passed else "not supported"] for c in claims],
            text_math("The paper's claims checked at report scale (steps > 2 standard errors "
                   "of the paired difference; the same shocks for every N)."),
            "tab:bfeks-claims", "p{8.2cm}p{3.2cm}l"))

    # ------------------------------------------------------------ Figure 3
    progress("bfe krusell-smith: Figure 3")
    panels = []
    for reading in ("markov", "frozen-prices"):
        z, paths, k_alm = figure3_paths(horizons=hs, periods=sc["fig_periods"], seed=seed,
                                        continuation=reading)
        t = np.arange(z.size)
        panels.append([Panel(f"mean capital, {reading}", ylabel="K",
                             lines=[Line(t, k_alm, "KS-ALM", color="tab:red", linewidth=2.0)]
                             + [Line(t, paths[n], f"N = {n}") for n in hs])])
    panels.append([Panel("aggregate state z", ylabel="z",
                         lines=[Line(t, z, "z", color="gray")], legend=False)])
    grid_figure(panels, ctx.figures_dir / "bfeks_figure3")
    out.append(r"\begin{figure}[htbp]\centering"
               r"\includegraphics[width=\textwidth]{figures/bfeks_figure3.pdf}"
               r"\caption{" + text_math(
                   f"Figure 3 of the paper: mean capital on one aggregate path of "
                   f"{sc['fig_periods']} periods from HARK's start, N-BFE for N = "
                   f"{', '.join(map(str, hs))} and the moment-based benchmark on the same "
                   "shocks; markov (top) and frozen-prices (middle) readings.") +
               r"}\label{fig:bfeks-figure3}\end{figure}")
    out.append(table(
        ["N", "mean |K_N - K_ALM|", "max |K_N - K_ALM|", "sigma(K_N)", "sigma(K_ALM)"],
        [[str(n), fmt_number(alm["mean_abs_distance"][i], 4),
          fmt_number(alm["max_abs_distance"][i], 4), fmt_number(alm["sigma"][i], 4),
          fmt_number(alm["sigma_alm"], 4)] for i, n in enumerate(alm["horizons"])],
        text_math(f"Beyond the paper: distance of N-BFE capital (markov) to the KS-ALM path on "
               f"the same shocks, {sc['alm_paths']} paths x {sc['periods']} periods after "
               f"{sc['burn_in']}."), "tab:bfeks-alm-distance"))

    # ------------------------------------------------------------ paper scale
    stored = load_results()
    ks = {k: v for k, v in stored.items() if v.get("model") == "krusell-smith"}
    if ks:
        rows = []
        for _, r in sorted(ks.items()):
            if "sigma_mean" not in r:
                continue
            rows.append([text_math(f"{r['continuation']}, {r['initial']}, burn {r['burn_in']}, "
                                f"{r['mode']}, {r['paths']}x{r['periods']}")]
                        + [text_math(" ".join(f"{x:.3f}" for x in r["sigma_mean"]))]
                        + [text_math(" ".join(f"{100 * fe[0]:.3f}"
                                           for fe in r["forecast_error_mean"]))])
        out.append(table(
            ["run", "sigma(K), N = 0, 1, 2, ...", "FE 1 ahead %, N = 0, 1, ..."], rows,
            text_math("Paper-scale runs (benchmarks/bfe_readings.py, results in "
                   "benchmarks/results/bfe_readings; each file records its model, reading, "
                   "start, sizes, seed and timing)."), "tab:bfeks-paper-scale",
            "p{7cm}p{3.2cm}p{3.4cm}"))
    out.append(text_math(
        "Why our numbers differ from the paper's.  (1) Under every reading sigma(K) falls "
        "with N here: with K predetermined, a foresight of one or two quarters adds an "
        "exact view of K_(t+1), K_(t+2) but leaves the long-run beliefs (frozen at depth N) "
        "in charge of the saving decision; the frozen-prices reading gives the largest "
        "sigma (a boom's prices believed permanent) and the strongest fall with N.  "
        "(2) The one-period-ahead forecast error of beginning-of-period capital is zero for "
        "N >= 1 by timing, while the paper reports 1.080 %: its forecast must compare "
        "another quantity (end-of-period savings, or a separately simulated population).  "
        "(3) The paper's moment-based sigma of 0.483 is not reproduced by HARK itself "
        f"({HARK_REFERENCE['capital_std']:.3f}) nor by our KS-ALM on the same shocks; with "
        "HARK's start the transient adds to sigma (compare burn-in 0 and "
        f"{sc['burn_in']} above) but not enough to reach it."))
    if isinstance(getattr(ctx, "provenance", None), dict):
        ctx.provenance["bfe_krusell_smith"] = {
            "scale": {k: v for k, v in sc.items() if not isinstance(v, tuple)},
            "horizons": list(hs), "seed": seed,
            "seconds": {f"{a},{b}": round(r["elapsed_s"], 1) for (a, b), r in runs.items()},
            "paper_scale_files": sorted(stored),
        }
    return "\n\n".join(out)

"""Report section: the Blume–Easley lecture (SPEC Part A) derived, reproduced and checked.

Contents, in order:

1. the derivations (planner's Lagrangian and FOCs, allocation rule and its
   limits, competitive prices with multipliers matched to Pareto weights,
   Negishi weights, Bayesian updating, the Beta KL closed form), typeset from
   the :class:`~foresight.derivations.steps.Derivation` records;
2. the KL table: exact (closed form / mpmath quadrature) vs the lecture's
   truncated quadrature vs the values the lecture prints (quoted verbatim in
   :data:`LECTURE_PRINTED`, with where they are printed);
3. the lecture's experiments reproduced with our simulator (fixed beliefs
   with nature f, g and the mixture; close vs far beliefs; learning agents of
   Exercises 23.2–23.5) and the lecture's figures, our numbers beside the
   lecture's printed ones and the derived almost-sure limits; notes where the
   lecture is inconsistent;
4. checks on the report's own simulations (added to the verification table).

Sizes: the lecture's (``N = 10000``, ``T = 100`` etc.); ``ctx.quick`` uses
small ``N`` for tests.

Examples
--------
>>> sorted(LECTURE_PRINTED)[:2]
['close_far', 'exercise_23_5']
>>> LECTURE_PRINTED["fixed_beliefs"].values()["mix"]
0.921
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from foresight.numerics.blume_easley.moments import (
    final_share_summary,
    first_passage,
    lecture_timing_shares,
    log_ratio_moments,
    mean_drift,
)
from foresight.reports import latex
from foresight.verify.lecture_printed import LECTURE_FIXED_BELIEFS_PATHS, LECTURE_PRINTED, Printed

TITLE = "Heterogeneous beliefs and financial markets (Blume–Easley lecture)"
ORDER = 10

# Cited by title and address: the lecture's text is an input of the project's sources, not a
# file of this repository.
LECTURE = ("T. J. Sargent and J. Stachurski, ``Heterogeneous Beliefs and Financial Markets'', "
           "QuantEcon lecture 23, \\url{https://python.quantecon.org/likelihood_ratio_process_2.html}")


# ---------------------------------------------------------------------------------------------
# What the lecture prints (verbatim), and where
# ---------------------------------------------------------------------------------------------


def _close_far_values(block: str) -> dict[str, float]:
    """The printed KL values of the 'close' or 'far' block."""
    lines = LECTURE_PRINTED["close_far"].lines
    start = 0 if block == "close" else 3
    return Printed("", lines[start + 1:start + 3]).values()


# ---------------------------------------------------------------------------------------------
# Sizes and the economies of the lecture
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """Paths N and periods T of each experiment (the lecture's, or small for --quick)."""

    fixed: tuple[int, int] = (10_000, 100)
    close_far: tuple[int, int] = (1_000, 200)
    learning: tuple[int, int] = (1_000, 40)
    three_models: tuple[int, int] = (1_000, 100)
    rigid: tuple[int, int] = (1_000, 1_000)


QUICK_SIZES = Sizes((400, 100), (200, 200), (200, 40), (200, 100), (100, 1_000))


def _dists():
    from foresight.derivations.distributions import Beta, Mixture

    f, g_far, g_close = Beta(1, 1), Beta(3, 1.2), Beta(1.1, 1.05)
    return {
        "f": f, "g_far": g_far, "g_close": g_close,
        "h_mix": Mixture((0.5, 0.5), (f, g_far)),
        "h_sim": Beta(2, 1.5),
        "h_235": Beta(1.2, 1.1),
        "Mixture": Mixture, "Beta": Beta,
    }


def _kl(p, q) -> float:
    from foresight.derivations.kl import kl_divergence

    return float(kl_divergence(p, q).value)


def _truncated(p, q) -> float:
    from foresight.numerics.distributions import kl_lecture_truncated

    return kl_lecture_truncated(p, q)[0]


def _limit(x) -> str:
    return "--" if x is None else f"{x:.4f}"


def _num(x, digits=4) -> str:
    return latex.fmt_number(x, digits)


# ---------------------------------------------------------------------------------------------
# 1. Derivations
# ---------------------------------------------------------------------------------------------


def derivations_part(ctx) -> str:
    from foresight.derivations import blume_easley as be
    from foresight.derivations.kl import beta_kl_derivation

    ctx.progress("blume_easley: derivations")
    parts = [r"\subsection{Derivations}\label{sec:be-derivations}",
             "Every formula the simulations use is derived here with SymPy from the stated "
             "problem and printed into the generated numba kernels "
             "(\\texttt{numerics/generated/blume\\_easley.py}); the steps below are the "
             "derivation records themselves, typeset. Agent $i$'s joint density of a history "
             "is $\\pi^i_t(s^t)$ (written $\\pi_i$), Pareto weights $\\lambda_i$, aggregate "
             "endowment $Y$ (the lecture: $Y = 1$, $y^1_t = s_t$, $y^2_t = 1 - s_t$, "
             "$u = \\log$).\n"]
    sections = [
        ("Planner: Lagrangian, first-order conditions, allocation (two agents, log utility)",
         be.planner_allocation(2, 1), ()),
        ("The lecture's allocation rule (23.5) and its limits",
         be.two_agent_allocation(1), ()),
        ("The same for any number of agents and CRRA $\\gamma$ (three agents shown)",
         be.planner_allocation(3, "symbolic"), ("FOC for", "FOC solved", "Allocation c_2",
                                                "Allocation c_3")),
        ("Competitive prices: multipliers matched to Pareto weights (Exercise 23.1)",
         be.competitive_prices(2, 1), ()),
        ("Negishi weights: the Pareto weight of the equilibrium without transfers",
         be.negishi_weights(2), ()),
        ("Learning agents: Bayes' law and the predictive chain rule",
         be.bayesian_learning(2), ()),
        ("KL divergence of two Beta densities in closed form", beta_kl_derivation(), ()),
    ]
    for heading, d, skip in sections:
        parts.append(f"\\subsubsection*{{{heading}}}")
        if d.assumptions:
            parts.append("Assumptions: " + "; ".join(latex.text_math(a) for a in d.assumptions)
                         + ".\n")
        parts.append(latex.render_derivation(d, skip=skip))
    prices = be.competitive_prices(2, 1)
    parts.append(
        "\\paragraph{Exercise 23.1 (solved).} With the lecture's normalisation "
        "$\\mu_1 = 1 - \\lambda$, $\\mu_2 = \\lambda$ (equivalently $\\mu_i \\propto "
        "1/\\lambda_i$, derived above by matching the agents' FOCs to the planner's) and "
        "$c^1_t = \\lambda l_t/(1 - \\lambda + \\lambda l_t)$, the derived price is\n"
        f"\\fitmath{{p_t(s^t) = {latex.sympy_latex(prices['price_two_agent'])}}}\n"
        "so, with $l = l_t$, $p_t/(\\delta^t\\pi^2_t) = "
        f"{latex.sympy_latex(prices['price_over_pi2'])}$, which tends to "
        f"${latex.sympy_latex(prices['price_limit_l_0'])}$ as $l_t \\to 0$ "
        "(prices reflect agent 2's model) and $p_t/(\\delta^t\\pi^1_t) \\to "
        f"{latex.sympy_latex(prices['price_limit_l_inf'])}$ as $l_t \\to \\infty$ (agent 1's). "
        "The simulated prices are checked against this formula in the verification table "
        "(\\texttt{prices\\_vs\\_formula}).\n")
    parts.append(_negishi_numbers(ctx))
    return "\n".join(parts)


def _negishi_numbers(ctx) -> str:
    from foresight.derivations.blume_easley import (
        ExchangeEconomy,
        fixed_belief,
        negishi_weight_closed_form,
    )

    d = _dists()
    rows = []
    for label, g in (("far: g = Beta(3,1.2)", d["g_far"]), ("close: g = Beta(1.1,1.05)",
                                                             d["g_close"])):
        econ = ExchangeEconomy((fixed_belief(d["f"]), fixed_belief(g)), (0.5, 0.5))
        w = negishi_weight_closed_form(econ)
        m1, m2 = (b.predictive_mean() for b in econ.beliefs)
        rows.append(f"{latex.escape(label)} & {_num(m1)} & {_num(m2)} & {_num(w[0], 6)} \\\\")
    return (
        "\\paragraph{Negishi weights of the lecture's economies.} With $y^1 = s$, "
        "$y^2 = 1 - s$ and log utility the derived weight is "
        "$\\lambda^*_1 = m_2/(1 - m_1 + m_2)$, $m_i$ agent $i$'s mean of $s_t$. "
        "The lecture fixes $\\lambda = 0.5$; that allocation is a competitive equilibrium only "
        "with transfers at time $-1$.\n\n"
        "\\begin{center}\\fitbox{\\begin{tabular}{lrrr}\\toprule\n"
        "agent 2's belief & $m_1$ & $m_2$ & $\\lambda^*_1$ \\\\\\midrule\n"
        + "\n".join(rows) + "\n\\bottomrule\\end{tabular}}\\end{center}\n"
    )


# ---------------------------------------------------------------------------------------------
# 2. KL table
# ---------------------------------------------------------------------------------------------


def kl_rows() -> list[dict]:
    """Rows of the KL table: lecture printed, exact, lecture's truncated quadrature.

    Examples
    --------
    >>> rows = kl_rows()
    >>> r = [r for r in rows if r["label"] == "far: KL(f,g)"][0]
    >>> round(r["exact"], 6), r["printed"]
    (0.759217, 0.759)
    """
    d = _dists()
    fixed = LECTURE_PRINTED["fixed_beliefs"].values()
    close, far = _close_far_values("close"), _close_far_values("far")
    ex = LECTURE_PRINTED["exercise_23_5"].values()
    f, gf, gc, hm, hs, h5 = d["f"], d["g_far"], d["g_close"], d["h_mix"], d["h_sim"], d["h_235"]
    spec = [
        ("far: KL(f,g)", f, gf, fixed["KL(f,g)"], ""),
        ("far: KL(g,f)", gf, f, fixed["KL(g,f)"], ""),
        ("far: KL(h,f)", hm, f, far["KL(h,f)"], "h = 0.5f + 0.5g"),
        ("far: KL(h,g)", hm, gf, far["KL(h,g)"], "h = 0.5f + 0.5g"),
        ("close: KL(f,g)", f, gc, close["KL(f,g)"], ""),
        ("close: KL(g,f)", gc, f, close["KL(g,f)"], ""),
        ("close: KL(h,f)", hm, f, close["KL(h,f)"], "printed h: the far mixture (a)"),
        ("close: KL(h,g)", hm, gc, close["KL(h,g)"], "printed h: the far mixture (a)"),
        ("close: KL(h,f), simulated h", hs, f, None, "h = Beta(2,1.5) (a)"),
        ("close: KL(h,g), simulated h", hs, gc, None, "h = Beta(2,1.5) (a)"),
        ("far: KL(h,f), simulated h", hs, f, None, "h = Beta(2,1.5)"),
        ("far: KL(h,g), simulated h", hs, gf, None, "h = Beta(2,1.5)"),
        ("ex. 23.5: KL(h,f)", h5, f, ex["KL(h,f)"], ""),
        ("ex. 23.5: KL(h,g)", h5, gf, ex["KL(h,g)"], ""),
        ("ex. 23.5: KL(f,h)", f, h5, ex["KL(f,h)"], "(b)"),
        ("ex. 23.5: KL(g,h)", gf, h5, ex["KL(g,h)"], ""),
    ]
    rows = []
    for label, p, q, printed, note in spec:
        exact, trunc = _kl(p, q), _truncated(p, q)
        # printed decimals (no printed KL value ends in 0, so repr keeps them all)
        decimals = None if printed is None else len(repr(printed).split(".")[1])
        rows.append({
            "label": label, "p": p.spec(), "q": q.spec(), "printed": printed,
            "exact": exact, "truncated": trunc, "truncation_error": trunc - exact,
            "exact_rounds": None if printed is None else round(exact, decimals) == printed,
            "truncated_rounds": None if printed is None else round(trunc, decimals) == printed,
            "note": note,
        })
    return rows


def kl_part(ctx) -> str:
    ctx.progress("blume_easley: KL table")
    rows = kl_rows()
    body = []
    for r in rows:
        agrees = "--" if r["exact_rounds"] is None else (
            "yes" if r["exact_rounds"] else ("no; truncated: yes" if r["truncated_rounds"]
                                             else "no"))
        body.append(
            f"{latex.escape(r['label'])} & {_num(r['printed'], 4)} & {_num(r['exact'], 6)} & "
            f"{_num(r['truncated'], 6)} & {_num(r['truncation_error'], 2)} & "
            f"{latex.escape(agrees)} & {latex.escape(r['note'])} \\\\"
        )
    by = {r["label"]: r for r in rows}
    sim_f, sim_g = by["close: KL(h,f), simulated h"], by["close: KL(h,g), simulated h"]
    f_h = by["ex. 23.5: KL(f,h)"]
    where = "; ".join(f"{latex.escape(v.where)}" for v in LECTURE_PRINTED.values())
    return (
        "\\subsection{KL divergences: exact, the lecture's quadrature, the lecture's "
        "printed values}\\label{sec:be-kl}\n"
        "``Exact'' is the derived closed form for two Betas (evaluated at 30 digits) and "
        "mpmath tanh-sinh quadrature with an error estimate below $10^{-15}$ for mixtures. "
        "``Truncated'' is the lecture's route: \\texttt{scipy.integrate.quad} of "
        "$p\\log(p/q)$ on $[10^{-5}, 1 - 10^{-5}]$. The printed values are quoted from the "
        f"lecture ({LECTURE}): {where}.\n\n"
        "{\\small\\begin{longtable}{@{}>{\\raggedright\\arraybackslash}p{3.5cm}rrrrp{1.9cm}"
        ">{\\raggedright\\arraybackslash}p{2.4cm}@{}}\n\\toprule\n"
        "KL & lecture & exact & truncated & trunc.\\ $-$ exact & exact rounds to printed & "
        "note \\\\\\midrule\\endhead\n"
        + "\n".join(body) + "\n\\bottomrule\n\\end{longtable}}\n"
        "\\lecturenote{(a) The close/far experiment simulates nature $h = "
        "\\mathrm{Beta}(2, 1.5)$ (\\texttt{nature\\_params}, third column) but explains its "
        "third column with \\texttt{compute\\_KL\\_h(h, ...)} where \\texttt{h} is still the "
        "mixture $0.5 f + 0.5 g_{\\text{far}}$ defined for the first experiment. For the "
        "simulated $h$ the lecture's own truncated quadrature gives "
        f"$KL(h\\|f) = {sim_f['truncated']:.5f}$ and "
        f"$KL(h\\|g_{{\\text{{close}}}}) = {sim_g['truncated']:.5f}$ (exact "
        f"{sim_f['exact']:.6f} and {sim_g['exact']:.6f}), not the printed 0.073 and 0.061. "
        "The survivor is the same in both readings (agent 2, since $KL(h\\|g) < KL(h\\|f)$), "
        "but the speed is not: the gap is "
        f"{sim_f['exact'] - sim_g['exact']:.4f} per period for the simulated $h$.}}\n\n"
        "\\lecturenote{(b) Truncation: cutting $[0,1]$ to $[10^{-5}, 1-10^{-5}]$ loses the "
        "mass and the log-ratio near the endpoints, an error of order $10^{-5}$ to "
        "$10^{-4}$ here. It changes a printed digit once: Exercise 23.5's "
        f"$KL(f\\|h)$ is {f_h['exact']:.6f} exactly (rounds to "
        f"{round(f_h['exact'], 4):.4f}); the printed 0.0105 is the truncated value "
        f"{f_h['truncated']:.6f}.}}\n"
    )


# ---------------------------------------------------------------------------------------------
# 3. Experiments
# ---------------------------------------------------------------------------------------------


def _simulate(econ, nature, n_paths, n_periods, seed, outputs):
    from foresight.numerics.blume_easley import simulate

    return simulate(econ, nature, n_paths, n_periods, seed=seed, outputs=tuple(outputs),
                    progress=False)


def fixed_beliefs_part(ctx, sizes: Sizes) -> str:
    from foresight.derivations.learning import learning_limits
    from foresight.numerics.blume_easley import lecture_economy
    from foresight.reports.figures import HLine, Line, Panel
    from foresight.verify import blume_easley as vbe

    d = _dists()
    f, g, h = d["f"], d["g_far"], d["h_mix"]
    econ = lecture_economy(f, g, pareto_weight=0.5)
    n, T = sizes.fixed
    printed = LECTURE_PRINTED["fixed_beliefs"].values()
    natures = (("f", "f", f), ("g", "g", g), ("mix", "mixture 0.5f + 0.5g", h))
    top, bottom, rows = [], [], []
    for k, (key, label, nature) in enumerate(natures):
        seed = ctx.seed + 100 + k
        ctx.progress(f"blume_easley: fixed beliefs, nature {label} ({n} x {T})")
        sim = _simulate(econ, nature, n, T, seed, ("shares", "log_likelihood_ratio"))
        share = sim.shares[:, :, 0]
        log_l = sim.log_likelihood_ratio
        final = share[:, -1]
        kl_f, kl_g = _kl(nature, f), _kl(nature, g)
        limit = learning_limits(econ, nature)
        _, variance = log_ratio_moments(nature, f, g)
        summary = final_share_summary(final)
        t = np.arange(T)
        top.append(Panel(f"Nature = {label}", ylabel=r"$\log l_t$",
                         lines=[Line(t, log_l[:50], color="C0", alpha=0.3)],
                         hlines=[HLine(0.0, None, color="red")]))
        bottom.append(Panel("", ylabel="agent 1's consumption share",
                            lines=[Line(t, share[:50], color="C2", alpha=0.3)],
                            hlines=[HLine(0.5, r"$\lambda$", color="red")], ylim=(0, 1)))
        rows.append((label, printed[key], summary.mean, summary.standard_error, summary.median,
                     limit.share_limits[0] if limit.share_limits else None, kl_f, kl_g,
                     mean_drift(log_l[:, -1], T), kl_g - kl_f))
        name = f"report.blume_easley.fixed_{key}"
        ctx.add_check_results([
            vbe.check_survivor_vs_kl(final, kl_f, kl_g, name=f"{name}.survivor_vs_kl"),
            vbe.check_drift_vs_kl_gap(log_l[:, -1], T, kl_g - kl_f, variance,
                                      name=f"{name}.drift_vs_kl_gap"),
            vbe.check_shares_vs_allocation_rule(log_l, share, 0.5, 1.0, sample=200,
                                                seed=seed, name=f"{name}.shares_vs_rule"),
            # Our simulator vs the lecture's own run (two independent Monte Carlo means).
            vbe.check_mean_vs_lecture_printed(
                final, printed[key], LECTURE_FIXED_BELIEFS_PATHS,
                LECTURE_PRINTED["fixed_beliefs"].decimals(key), label=label,
                name=f"{name}.mean_final_share_vs_lecture"),
        ])
    fig = ctx.figure(
        "be_fixed_beliefs", [top, bottom],
        "Fixed beliefs $f = \\mathrm{Beta}(1,1)$ (agent 1), $g = \\mathrm{Beta}(3,1.2)$ "
        f"(agent 2), $\\lambda = 0.5$: 50 of {n} paths of $\\log l_t$ (top; the lecture plots "
        "$l_t$ on a log scale) and of agent 1's share (bottom). The lecture's first figure.",
        height_per_row=2.2)
    body = []
    for (label, lec, mean, se, med, lim, kf, kg, drift, gap) in rows:
        body.append(f"{latex.escape(label)} & {lec:.3f} & {mean:.4f} ({se:.1e}) & {med:.4f} & "
                    f"{_limit(lim)} & {kf:.4f} & {kg:.4f} & {drift:.4f} & {gap:.4f} \\\\")
    ctx.provenance["blume_easley.fixed_beliefs"] = (f"N={n}, T={T}, seeds "
                                                    f"{ctx.seed + 100}..{ctx.seed + 102}")
    return (
        "\\subsection{Fixed beliefs: nature $f$, $g$ or the coin-flip mixture}"
        "\\label{sec:be-fixed}\n"
        f"The lecture's first experiment ($N = 10000$ paths, $T = 100$; here $N = {n}$). "
        "``Lecture'' is the printed mean final share; ours is the mean (standard error) and "
        "median of $c^1_T$ over paths; the a.s.\\ limit follows from the KL ordering; "
        "$\\log l_T/T$ (mean over paths) converges to the KL gap "
        "$KL(h\\|g) - KL(h\\|f)$.\n\n"
        "\\begin{center}\\fitbox{\\small\\begin{tabular}{lrrrrrrrr}\\toprule\n"
        "nature $h$ & lecture & ours: mean (s.e.) & median & a.s.\\ limit & $KL(h\\|f)$ & "
        "$KL(h\\|g)$ & $\\overline{\\log l_T}/T$ & KL gap \\\\\\midrule\n"
        + "\n".join(body) + "\n\\bottomrule\\end{tabular}}\\end{center}\n"
        "With the mixture, agent 1's share tends to one ($KL(h\\|f) < KL(h\\|g)$) but slowly "
        f"(gap {rows[2][9]:.3f} per period, large variance), so at $T = {T}$ the mean is still "
        f"below one, as the lecture's {printed['mix']:.3f} shows.\n\n" + fig
    )


def close_far_part(ctx, sizes: Sizes) -> str:
    from foresight.derivations.learning import learning_limits, passage_log_ratio
    from foresight.numerics.blume_easley import lecture_economy
    from foresight.numerics.distributions import log_density
    from foresight.reports.figures import Band, HLine, Line, Panel, VLine, median_band
    from foresight.verify import blume_easley as vbe

    d = _dists()
    n, T = sizes.close_far
    eps = 1e-5
    passage = passage_log_ratio(0.5, eps)  # log l where the share is eps, 1 - eps
    x = np.linspace(0.001, 0.999, 400)
    dens_panels = []
    for label, g in (("Close beliefs", d["g_close"]), ("Far beliefs", d["g_far"])):
        fv, gv = np.exp(log_density(d["f"], x)), np.exp(log_density(g, x))
        dens_panels.append(Panel(label, xlabel="$s$", ylabel="density",
                                 lines=[Line(x, fv, "f = Beta(1, 1)", color="C0"),
                                        Line(x, gv, f"g = {g.spec()}", color="C3")],
                                 bands=[Band(x, np.zeros_like(x), np.minimum(fv, gv),
                                             "overlap", color="purple")]))
    fig_dens = ctx.figure("be_close_far_densities", [dens_panels],
                          "The close and far belief pairs (the lecture's overlap figure).",
                          height_per_row=2.3)
    grid, rows = [], []
    seed = ctx.seed + 200
    for row, (label, g, color) in enumerate((("close", d["g_close"], "C0"),
                                             ("far", d["g_far"], "C3"))):
        econ = lecture_economy(d["f"], g, pareto_weight=0.5)
        panels = []
        for col, (nlabel, nature) in enumerate((("f", d["f"]), ("g", g),
                                                ("h = Beta(2,1.5)", d["h_sim"]))):
            ctx.progress(f"blume_easley: {label} beliefs, nature {nlabel} ({n} x {T})")
            s = seed + 3 * row + col
            sim = _simulate(econ, nature, n, T, s, ("shares", "log_likelihood_ratio"))
            share = sim.shares[:, :, 0]
            med, lo, hi = median_band(share)
            hit, side = first_passage(med, eps)
            kl_f, kl_g = _kl(nature, d["f"]), _kl(nature, g)
            gap = kl_g - kl_f
            limit = learning_limits(econ, nature).share_limits[0]
            # The median of log l_t is near t * gap: the median share passes eps
            # (gap < 0) or 1 - eps (gap > 0) when log l_t reaches the derived level.
            predicted = abs(passage[gap > 0]) / abs(gap) if gap else math.inf
            t = np.arange(T)
            vlines = []
            if hit is not None:
                vlines.append(VLine(hit, f"median {'<=' if side == 0 else '>='} "
                                         f"{'' if side == 0 else '1-'}1e-5"))
            panels.append(Panel(f"{label}: nature = {nlabel}", ylabel="agent 1's share",
                                lines=[Line(t, med, "median", color=color, linewidth=1.6)],
                                bands=[Band(t, lo, hi, "10-90%", color=color)],
                                hlines=[HLine(0.5, None, color="gray")], vlines=vlines,
                                ylim=(0, 1)))
            rows.append((label, nlabel, kl_f, kl_g, gap, limit, float(med[-1]), hit,
                         predicted))
            _, variance = log_ratio_moments(nature, d["f"], g)
            name = f"report.blume_easley.{label}_{'h' if col == 2 else nlabel}"
            ctx.add_check_results([
                vbe.check_survivor_vs_kl(share[:, -1], kl_f, kl_g,
                                         name=f"{name}.survivor_vs_kl"),
                vbe.check_drift_vs_kl_gap(sim.log_likelihood_ratio[:, -1], T, gap, variance,
                                          name=f"{name}.drift_vs_kl_gap"),
            ])
        grid.append(panels)
    fig = ctx.figure(
        "be_close_far", grid,
        f"Median and 10--90\\% band of agent 1's share over {n} paths, $\\lambda = 0.5$; the "
        "dashed vertical line marks the first $t$ at which the median is within $10^{-5}$ "
        "of 0 or 1 (the lecture's second figure; top: close beliefs, bottom: far).",
        height_per_row=2.2)
    body = []
    for (label, nlabel, kf, kg, gap, lim, med_T, hit, pred) in rows:
        body.append(
            f"{label} & {latex.escape(nlabel)} & {kf:.5f} & {kg:.5f} & {gap:+.5f} & "
            f"{_limit(lim)} & {_num(med_T)} & {'--' if hit is None else hit} & "
            f"{'--' if not math.isfinite(pred) else f'{pred:.0f}'} \\\\")
    ctx.provenance["blume_easley.close_far"] = f"N={n}, T={T}, seeds {seed}..{seed + 5}"
    return (
        "\\subsection{Close versus far beliefs}\\label{sec:be-close-far}\n"
        f"The lecture's second experiment: $N = 1000$, $T = 200$ (here $N = {n}$), "
        "$f = \\mathrm{Beta}(1,1)$; $g = \\mathrm{Beta}(1.1,1.05)$ (close) or "
        "$\\mathrm{Beta}(3,1.2)$ (far); nature $f$, $g$ or $h = \\mathrm{Beta}(2,1.5)$. "
        "The lecture prints no numbers for this figure (only the KL values of the table "
        "above). ``Predicted'' is $\\log((1-\\varepsilon)/\\varepsilon)/|\\text{gap}|$, "
        "the time at which the median of $\\log l_t \\approx t\\cdot\\text{gap}$ reaches the "
        "threshold; it is not reached within $T$ where it exceeds 200.\n\n"
        + fig_dens +
        "\\begin{center}\\fitbox{\\small\\begin{tabular}{llrrrrrrr}\\toprule\n"
        "beliefs & nature & $KL(h\\|f)$ & $KL(h\\|g)$ & gap & a.s.\\ limit & median $c^1_T$ "
        "& first hit & predicted \\\\\\midrule\n"
        + "\n".join(body) + "\n\\bottomrule\\end{tabular}}\\end{center}\n" + fig
        + "\\lecturenote{The third column is simulated with $h = \\mathrm{Beta}(2,1.5)$ but the "
        "lecture's KL printout for it uses the mixture $h$ of the first experiment "
        "(Section~\\ref{sec:be-kl}, note (a)). The values above are for the simulated $h$.}\n"
    )


def _learning_economy(models, priors):
    from foresight.derivations.blume_easley import Belief, ExchangeEconomy

    return ExchangeEconomy(tuple(Belief(tuple(models), tuple(p)) for p in priors), (0.5, 0.5))


def learning_two_models_part(ctx, sizes: Sizes) -> str:
    from foresight.derivations.learning import learning_limits
    from foresight.reports.figures import Band, HLine, Line, Panel, median_band
    from foresight.verify import blume_easley as vbe

    Beta = _dists()["Beta"]
    n, T = sizes.learning
    scenarios = ((0.3, 0.7), (0.7, 0.3), (0.1, 0.9))
    out = ["\\subsection{Learning agents with two models (Exercises 23.2 and 23.3)}"
           "\\label{sec:be-learning}\n"
           "Both agents hold the models $\\{f, g\\}$ with priors $\\pi^1_0$, $\\pi^2_0$ on $f$, "
           "update by Bayes' law, and the planner allocates with their joint (predictive) "
           f"densities; $\\lambda = 0.5$, $T = 40$, $N = 1000$ (here $N = {n}$). The derived "
           "a.s.\\ limits: both posteriors concentrate on the true model, $l_t$ converges to "
           "the ratio of the priors on it, and agent 1's share to "
           "$\\lambda\\pi^1_0(m) / (\\lambda\\pi^1_0(m) + (1-\\lambda)\\pi^2_0(m))$ for the true "
           "model $m$ (interior: nobody is driven out).\n"]
    seed = ctx.seed + 300
    table = []
    for ex, (fa, ga) in (("23.2", ((1.5, 1), (1, 1.5))), ("23.3", ((2, 5), (5, 2)))):
        f, g = Beta(*fa), Beta(*ga)
        grid = []
        for si, priors in enumerate(scenarios):
            row = []
            for nlabel, nature in (("f", f), ("g", g)):
                econ = _learning_economy((f, g), ((priors[0], 1 - priors[0]),
                                                  (priors[1], 1 - priors[1])))
                s = seed
                seed += 1
                ctx.progress(f"blume_easley: exercise {ex}, priors {priors}, nature {nlabel}")
                outputs = ["shares", "posteriors"]
                if si == 0:
                    outputs.append("log_joint_density")
                sim = _simulate(econ, nature, n, T, s, outputs)
                share = sim.shares[:, :, 0]
                post_f = sim.posteriors[:, :, :, 0]  # (N, T, agents): posterior on f
                limit = learning_limits(econ, nature).share_limits[0]
                t = np.arange(T)
                truth = 1.0 if nlabel == "f" else 0.0
                row.append(Panel(
                    f"{nlabel}: priors ({priors[0]}, {priors[1]})",
                    ylabel="median posterior on f",
                    lines=[Line(t, np.median(post_f[:, :, 0], axis=0), "agent 1", color="C0"),
                           Line(t, np.median(post_f[:, :, 1], axis=0), "agent 2", color="C1")],
                    hlines=[HLine(truth, f"truth ({nlabel})", color="gray")],
                    ylim=(-0.05, 1.05), legend=(si == 0)))
                med, lo, hi = median_band(share)
                row.append(Panel(
                    f"share, nature {nlabel}", ylabel="agent 1's share",
                    lines=[Line(t, med, "median", color="C2")],
                    bands=[Band(t, lo, hi, "10-90%", color="C2")],
                    hlines=[HLine(limit, "a.s. limit")], ylim=(0, 1), legend=(si == 0)))
                lecture = lecture_timing_shares(sim.states, f, g, priors)
                table.append((ex, nlabel, priors, float(med[-1]),
                              float(np.median(lecture[:, -1])), limit,
                              float(np.median(post_f[:, -1, 0])),
                              float(np.median(post_f[:, -1, 1]))))
                if si == 0:
                    ctx.add_check_results(vbe.check_joint_density_chain_rule(
                        sim.states[:20], sim.log_joint_density[:20, :, 0], econ.beliefs[0],
                        name=f"report.blume_easley.ex{ex}_{nlabel}.joint_density_chain_rule"))
            grid.append(row)
        out.append(ctx.figure(
            f"be_learning_{ex.replace('.', '_')}", grid,
            f"Exercise {ex}: $f = \\mathrm{{Beta}}{fa}$, $g = \\mathrm{{Beta}}{ga}$. Each row a "
            "pair of priors on $f$; columns: median posterior on $f$ and agent 1's share "
            "(median, 10--90\\%, derived limit) when nature draws from $f$, then from $g$ (the "
            "lecture's two figures per exercise, side by side).", height_per_row=1.9))
    (ex_med, ex_lec, ex_lim), = [(r[3], r[4], r[5]) for r in table
                                 if r[0] == "23.2" and r[1] == "f" and r[2] == (0.3, 0.7)]
    rows = "\n".join(
        f"{ex} & {nl} & ({p[0]}, {p[1]}) & {med:.4f} & {lec:.4f} & {lim:.4f} & {pf1:.3f} & "
        f"{pf2:.3f} \\\\"
        for ex, nl, p, med, lec, lim, pf1, pf2 in table)
    out.append(
        "\\begin{center}\\fitbox{\\small\\begin{tabular}{llcrrrrr}\\toprule\n"
        "exercise & nature & $(\\pi^1_0, \\pi^2_0)$ on $f$ & median $c^1_{T}$ & "
        "lecture's timing & a.s.\\ limit & median $\\pi^1_T(f)$ & median $\\pi^2_T(f)$ "
        "\\\\\\midrule\n"
        + rows + "\n\\bottomrule\\end{tabular}}\\end{center}\n"
        "\\paragraph{Answers.} The agent with the larger prior on the true model learns "
        "faster on every path (the posterior $\\pi_0 L/(\\pi_0 L + 1 - \\pi_0)$ is increasing "
        "in $\\pi_0$ for every likelihood ratio $L$) and ends with the larger share: with "
        "nature $f$ the agent with the larger $\\pi_0(f)$, with nature $g$ the one with the "
        "larger $\\pi_0(g) = 1 - \\pi_0(f)$ (symmetric outcomes, as the lecture observes). "
        "The shares converge to interior limits set by the priors (table), so a wider "
        "prior gap means a more unequal limit, and the convergence rate is "
        f"$KL(f\\|g)$ per period when nature is $f$: {_kl(Beta(1.5, 1), Beta(1, 1.5)):.3f} for "
        f"Exercise 23.2, {_kl(Beta(2, 5), Beta(5, 2)):.3f} for 23.3, hence the much faster "
        "learning in 23.3.\n"
        "\\lecturenote{The lecture's \\texttt{simulate\\_learning\\_blume\\_easley} updates "
        "the posterior with $s_t$ and then prices $s_t$ with that posterior "
        "($m_t = \\pi_t f(s_t) + (1-\\pi_t) g(s_t)$ with $\\pi_t$ including $s_t$), and starts "
        "at $t = 1$, so its $l_t$ is not the ratio of the agents' joint densities. Here the "
        "belief that prices $s_t$ is the posterior from $s^{t-1}$ (the predictive chain "
        "rule derived above, checked against prior-weighted likelihoods in the verification "
        "table). Column ``lecture's timing'' applies the lecture's recursion to the same "
        "draws. It matters: the lecture's $l_t$ is not a ratio of joint densities and does "
        "not converge to the ratio of priors, so its shares settle away from the derived "
        f"limit (Exercise 23.2, priors (0.3, 0.7), nature $f$: median {ex_lec:.3f} at "
        f"$T = {T}$ against the limit {ex_lim:.3f}, which our simulation reaches: "
        f"{ex_med:.3f}). The lecture's reading that a slower learner ends with a lower "
        "share holds, but the limit is set by the priors on the true model alone.}\n")
    ctx.provenance["blume_easley.learning"] = f"N={n}, T={T}, seeds {ctx.seed + 300}..{seed - 1}"
    return "\n".join(out)


def three_models_part(ctx, sizes: Sizes) -> str:
    from foresight.derivations.learning import learning_limits
    from foresight.reports.figures import Band, HLine, Line, Panel, median_band

    dd = _dists()
    Beta, Mixture = dd["Beta"], dd["Mixture"]
    out = []
    seed = ctx.seed + 400
    cases = []
    f3, g3 = Beta(3, 2), Beta(2, 3)
    cases.append(("23.4", (f3, g3, Mixture((0.5, 0.5), (f3, g3))),
                  ((0.5, 0.5, 0.0), (1 / 3, 1 / 3, 1 / 3)), sizes.three_models,
                  "$f = \\mathrm{Beta}(3,2)$, $g = \\mathrm{Beta}(2,3)$, $h = 0.5f + 0.5g$; "
                  "agent 1's prior $(0.5, 0.5, 0)$, agent 2's $(1/3, 1/3, 1/3)$"))
    eps = 0.01
    cases.append(("23.5", (dd["f"], dd["g_far"], dd["h_235"]),
                  ((eps / 2, eps / 2, 1 - eps), (0.0, 0.0, 1.0)), sizes.rigid,
                  "$f = \\mathrm{Beta}(1,1)$, $g = \\mathrm{Beta}(3,1.2)$, "
                  "$h = \\mathrm{Beta}(1.2,1.1)$; agent 1's prior "
                  f"$(\\varepsilon/2, \\varepsilon/2, 1-\\varepsilon)$, $\\varepsilon = {eps}$; "
                  "agent 2 rigid on $h$, prior $(0, 0, 1)$"))
    table = []
    for ex, models, priors, (n, T), text in cases:
        econ = _learning_economy(models, priors)
        grid = []
        for nlabel, nature in (("f", models[0]), ("g", models[1])):
            ctx.progress(f"blume_easley: exercise {ex}, nature {nlabel} ({n} x {T})")
            sim = _simulate(econ, nature, n, T, seed, ("shares", "posteriors",
                                                       "log_likelihood_ratio"))
            seed += 1
            t = np.arange(T)
            share = sim.shares[:, :, 0]
            post = sim.posteriors  # (N, T, agents, models)
            limit = learning_limits(econ, nature)
            panels = []
            for k, mname in enumerate(("f", "g", "h")):
                panels.append(Panel(
                    f"nature {nlabel}: posterior on {mname}", ylabel="median posterior",
                    lines=[Line(t, np.median(post[:, :, 0, k], axis=0), "agent 1", color="C0"),
                           Line(t, np.median(post[:, :, 1, k], axis=0), "agent 2", color="C1")],
                    ylim=(-0.05, 1.05), legend=(k == 0)))
            med, lo, hi = median_band(share)
            lim = limit.share_limits[0] if limit.share_limits else None
            panels.append(Panel(
                f"nature {nlabel}: agent 1's share", ylabel="share",
                lines=[Line(t, med, "median", color="C2")],
                bands=[Band(t, lo, hi, "10-90%", color="C2")],
                hlines=[HLine(lim, "a.s. limit")] if lim is not None else [], ylim=(0, 1)))
            grid.append(panels)
            table.append((ex, nlabel, float(med[-1]), lim, limit.drift,
                          mean_drift(sim.log_likelihood_ratio[:, -1], T), T,
                          limit.reason))
        out.append(ctx.figure(
            f"be_three_models_{ex.replace('.', '_')}", grid,
            f"Exercise {ex}: {text}. Median posteriors on each model (agent 1 blue, agent 2 "
            "orange) and agent 1's share, nature $f$ (top) and $g$ (bottom).",
            height_per_row=1.9))
    ctx.provenance["blume_easley.three_models"] = (
        f"23.4: N,T={sizes.three_models}; 23.5: N,T={sizes.rigid}; seeds "
        f"{ctx.seed + 400}..{seed - 1}")
    # the lecture's code: agent 2 puts 1e-10 (not 0) on f and g
    lecture_econ = _learning_economy(cases[1][1], (cases[1][2][0], (1e-10, 1e-10, 1 - 2e-10)))
    lecture_limit = learning_limits(lecture_econ, cases[1][1][0]).share_limits[0]
    ratio = cases[0][2][0][0] / cases[0][2][1][0]
    kl_fh4 = _kl(cases[0][1][0], cases[0][1][2])
    kl_fh5, kl_gh5 = (_kl(m, cases[1][1][2]) for m in cases[1][1][:2])
    rows = "\n".join(
        f"{ex} & {nl} & {T} & {med:.4f} & {_limit(lim)} & {drift:.4f} & {sim_drift:.4f} \\\\"
        for ex, nl, med, lim, drift, sim_drift, T, _ in table)
    return (
        "\\subsection{Three models (Exercises 23.4 and 23.5)}\\label{sec:be-three}\n"
        + "\n".join(out) +
        "\\begin{center}\\fitbox{\\small\\begin{tabular}{llrrrrr}\\toprule\n"
        "exercise & nature & $T$ & median $c^1_T$ & a.s.\\ limit & drift of $\\log l_t$ "
        "(theory) & $\\overline{\\log l_T}/T$ \\\\\\midrule\n"
        + rows + "\n\\bottomrule\\end{tabular}}\\end{center}\n"
        "\\paragraph{Answers.} Exercise 23.4: the truth ($f$ or $g$) is in both agents' "
        "support, so both posteriors concentrate on it and $l_t$ converges to the ratio of "
        f"prior masses on it, $0.5/(1/3) = {ratio:.1f}$: agent 1's share tends to "
        f"$0.5\\cdot {ratio:.1f}/(0.5\\cdot {ratio:.1f} + 0.5) = {ratio / (ratio + 1):.1f}$ under "
        "either nature (drift 0). Agent 1 learns faster because its prior puts no mass on "
        "$h$, which agent 2 must first rule out (at rate "
        f"$KL(f\\|h) = {kl_fh4:.3f}$ per period). Exercise 23.5: agent 2 never learns "
        "(prior 0 on $f$ and $g$) and is driven out at rate $KL(m\\|h)$ for the true model "
        f"$m$ ({kl_fh5:.4f} per period under $f$, {kl_gh5:.3f} under $g$); agent 1's share "
        "tends to 1 under both natures, as the lecture says, slowly under $f$ because $h$ is "
        "close to $f$. For learning agents $\\log l_T/T$ approaches the drift only as "
        "$O(1/T)$: the prior term $\\log(\\varepsilon/2)/T$ is "
        f"${math.log(eps / 2) / sizes.rigid[1]:.4f}$ at $T = {sizes.rigid[1]}$.\n"
        "\\lecturenote{Exercise 23.5 states that agent 2 is rigid "
        "($\\pi^f_0 = \\pi^g_0 = 0$) but the lecture's code gives it $10^{-10}$ on $f$ and "
        "$g$. With that prior agent 2 eventually learns too and the derived limit share is "
        f"interior, $1 - {latex.fmt_number(1 - lecture_limit, 2).strip('$')}$, not 1. "
        "We simulate the stated rigid prior.}\n"
    )


# ---------------------------------------------------------------------------------------------
# The section
# ---------------------------------------------------------------------------------------------


def build(ctx) -> str:
    """LaTeX body of the Blume–Easley section (see the module docstring)."""
    sizes = QUICK_SIZES if ctx.quick else Sizes()
    start = time.perf_counter()
    parts = [
        "This section derives the theory of the lecture's complete-markets economy "
        f"({LECTURE}), reproduces its experiments and figures with our simulator, puts our "
        "numbers beside the lecture's printed ones and the derived almost-sure limits, and "
        "says where the lecture is inconsistent. Exercise 23.1 is the price derivation "
        "below; Exercises 23.2--23.5 are the learning experiments (the symbolic answers are "
        "checked in the exercises section where present).\n",
        derivations_part(ctx),
        kl_part(ctx),
        fixed_beliefs_part(ctx, sizes),
        close_far_part(ctx, sizes),
        learning_two_models_part(ctx, sizes),
        three_models_part(ctx, sizes),
    ]
    ctx.provenance["blume_easley.seconds"] = round(time.perf_counter() - start, 1)
    return "\n".join(parts)

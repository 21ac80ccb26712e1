"""`foresight ks`: the Krusell–Smith economy (stationary equilibrium, KS-ALM benchmark)."""

HELP = "Krusell-Smith economy: stationary equilibrium and the moment-based (KS-ALM) benchmark"
DESCRIPTION = """\
The Krusell-Smith (1998) economy with HARK's calibration (beta 0.99, log utility,
alpha 0.36, delta 0.025, z in {0.99, 1.01}, unemployment 10 % / 4 %, labour
endowment 0.3271, no income when unemployed, borrowing limit 0, the 4x4 chain
solved from Krusell and Smith's conditions).

  foresight ks stationary   the economy without aggregate shocks (Aiyagari): K*
                            by Brent's method in K and, as a cross-check, by
                            bisection in R with the firm's capital demand
  foresight ks alm          the moment-based benchmark: log K' = a_z + b_z log K
                            iterated to a fixed point with the histogram (the
                            continuum, default) or n agents; reports R^2, den
                            Haan's error, Euler errors, mean and sigma of K,
                            and HARK's form log A = a + b log M, beside HARK
                            0.17.2 and Krusell-Smith (1998)

examples:
  foresight ks stationary
  foresight ks alm                                  continuum, 6000 periods (~5 s)
  foresight ks alm --agents 10000                   HARK's way: 10,000 agents
  foresight ks alm --periods 11000 --discard 1000 --json
  foresight ks alm --method damped --damping 0.5    HARK's update rule
"""


def add_arguments(p):
    sub = p.add_subparsers(dest="ks_command", metavar="{alm,stationary}", required=True)
    s = sub.add_parser("stationary", help="stationary equilibrium without aggregate shocks",
                       description="K*, R*, w* of the economy without aggregate shocks "
                       "(z and unemployment at their means), by two independent routes.")
    _grid_arguments(s)
    s.add_argument("--json", action="store_true", help="print the result as JSON")

    a = sub.add_parser("alm", help="the Krusell-Smith aggregate law of motion (KS-ALM)",
                       description="Iterate log K' = a_z + b_z log K to its fixed point.",
                       formatter_class=p.formatter_class)
    mode = a.add_mutually_exclusive_group()
    mode.add_argument("--agents", type=int, default=None, metavar="n",
                      help="simulate n agents (HARK's way; unemployment matched exactly)")
    mode.add_argument("--continuum", action="store_true",
                      help="the histogram on the fine grid (default): no sampling noise")
    a.add_argument("--periods", type=int, default=6000, metavar="T",
                   help="simulated periods per iteration (default 6000)")
    a.add_argument("--discard", type=int, default=1000, metavar="D",
                   help="burn-in periods left out of the regressions (default 1000)")
    a.add_argument("--damping", type=float, default=0.5,
                   help="share of the old coefficients kept per update, [0, 1) (default 0.5)")
    a.add_argument("--method", choices=("anderson", "damped"), default="anderson",
                   help="fixed-point update: Anderson acceleration (default) or HARK's damping")
    a.add_argument("--tol", type=float, default=1e-6,
                   help="stop when predicted log K' moves less than this (default 1e-6)")
    a.add_argument("--max-iter", type=int, default=100, help="iteration limit (default 100)")
    a.add_argument("--initial", choices=("hark", "stationary"), default="hark",
                   help="everybody at HARK's steady-state K, first state bad (default), or "
                        "the stationary distribution")
    a.add_argument("--seed", type=int, default=0, help="root seed (aggregate path, agents)")
    _grid_arguments(a)
    a.add_argument("--json", action="store_true", help="print the result as JSON")
    a.add_argument("--no-progress", action="store_true", help="no progress bar")


def _grid_arguments(p):
    p.add_argument("--asset-points", type=int, default=100,
                   help="EGM end-of-period asset grid points (default 100)")
    p.add_argument("--capital-points", type=int, default=13,
                   help="aggregate capital grid points (default 13)")
    p.add_argument("--fine-points", type=int, default=1000,
                   help="histogram asset grid points (default 1000)")


def _grids(args):
    from foresight.errors import ParameterError
    from foresight.numerics.krusell_smith.params import KrusellSmithGrids

    for flag, value, low in (("--asset-points", args.asset_points, 4),
                             ("--capital-points", args.capital_points, 2),
                             ("--fine-points", args.fine_points, 10)):
        if value < low:
            raise ParameterError(flag, value, f"integers >= {low}")
    return KrusellSmithGrids.default(asset_points=args.asset_points,
                                     capital_points=args.capital_points,
                                     fine_points=args.fine_points)


def _validate_alm(args):
    """Every bad flag is refused in one line before any work."""
    import math

    from foresight.errors import ParameterError

    if args.agents is not None and args.agents < 100:
        raise ParameterError("--agents", args.agents,
                             "integers >= 100 (unemployment is matched exactly)")
    if args.periods < 20:
        raise ParameterError("--periods", args.periods, "integers >= 20")
    if not 0 <= args.discard <= args.periods - 10:
        raise ParameterError("--discard", args.discard,
                             f"integers in [0, periods - 10 = {args.periods - 10}]")
    if not (math.isfinite(args.damping) and 0.0 <= args.damping < 1.0):
        raise ParameterError("--damping", args.damping, "[0, 1)")
    if not (math.isfinite(args.tol) and args.tol > 0):
        raise ParameterError("--tol", args.tol, "(0, inf)")
    if args.max_iter < 1:
        raise ParameterError("--max-iter", args.max_iter, "integers >= 1")


def run(args) -> int:
    if args.ks_command == "stationary":
        return _run_stationary(args)
    return _run_alm(args)


def _run_stationary(args) -> int:
    import json

    from foresight.numerics.krusell_smith.stationary import (
        stationary_equilibrium,
        stationary_equilibrium_by_interest,
    )

    grids = _grids(args)
    a = stationary_equilibrium(grids=grids)
    b = stationary_equilibrium_by_interest(grids=grids)
    if args.json:
        print(json.dumps({"route_a": a.to_dict(), "route_b": b.to_dict(),
                          "relative_difference": abs(a.capital - b.capital) / a.capital}))
        return 0
    print("Stationary equilibrium without aggregate shocks (z = 1, unemployment 7 %)")
    print(f"{'route':<58} {'K*':>10} {'R* - 1':>10} {'w*':>8} {'s':>6}")
    for eq in (a, b):
        print(f"{eq.route:<58} {eq.capital:10.6f} {eq.interest - 1:10.6f} {eq.wage:8.5f} "
              f"{eq.seconds:6.2f}")
    print(f"relative difference of the routes: {abs(a.capital - b.capital) / a.capital:.2e}")
    print(f"complete markets (beta R = 1): K_RA = {a.representative_agent_capital:.6f}; "
          f"precautionary saving K*/K_RA - 1 = {a.capital / a.representative_agent_capital - 1:.4%}"
          f"; beta R* = {a.beta_times_interest:.8f}")
    return 0


def _run_alm(args) -> int:
    import json
    import sys

    from foresight.numerics.krusell_smith.alm import solve_alm
    from foresight.verify.krusell_smith import HARK_REFERENCE, KRUSELL_SMITH_1998

    _validate_alm(args)
    grids = _grids(args)
    bar = None
    if not args.json and not args.no_progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(desc="KS-ALM", unit="iteration", leave=False)

    def progress(record):
        if bar is not None:
            bar.set_postfix_str(f"gap {record['prediction_gap_log']:.1e}")
            bar.update(1)

    try:
        res = solve_alm(grids=grids, agents=args.agents, periods=args.periods,
                        discard=args.discard, damping=args.damping, method=args.method,
                        tol=args.tol, max_iter=args.max_iter, seed=args.seed,
                        initial=args.initial, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps({**res.to_dict(), "hark_reference": HARK_REFERENCE,
                          "krusell_smith_1998": KRUSELL_SMITH_1998}))
        return 0
    who = "continuum (histogram)" if res.agents is None else f"{res.agents} agents"
    print(f"KS-ALM, {who}: {res.periods} periods ({res.discard} discarded), "
          f"{res.method} (damping {res.damping}), converged in {res.iterations} iterations, "
          f"{res.seconds['total']:.1f} s")
    print(f"{'':<29}{'intercept':>10}{'slope':>10}{'R^2':>12}{'resid sd':>10}")
    rows = [("ours", res.regression), ("HARK 0.17.2 (2000 agents)", HARK_REFERENCE["ks_form"]),
            ("Krusell-Smith (1998)", KRUSELL_SMITH_1998["ks_form"])]
    for z, state in enumerate(("bad", "good")):
        print(f"log K' = a + b log K, {state}:")
        for label, reg in rows:
            r = reg[z]
            sd = f"{r['resid_sd']:10.2e}" if "resid_sd" in r else f"{'':>10}"
            print(f"  {label:<27}{r['intercept']:10.6f}{r['slope']:10.6f}{r['r2']:12.8f}{sd}")
    for z, state in enumerate(("bad", "good")):
        r, h = res.hark_form[z], HARK_REFERENCE["hark_form"][z]
        print(f"HARK form log A = a + b log M, {state}: ours {r['intercept']:.6f} + "
              f"{r['slope']:.6f} log M (R^2 {r['r2']:.8f}); HARK {h['intercept']:.6f} + "
              f"{h['slope']:.6f} log M")
    dh = res.den_haan
    print(f"den Haan error: max {dh['max_percent']:.4f} %, mean {dh['mean_percent']:.4f} % "
          f"(HARK {HARK_REFERENCE['den_haan_max_percent']} %, "
          f"{HARK_REFERENCE['den_haan_mean_percent']} %)")
    e = res.euler
    print(f"Euler errors on the simulated distribution: mean log10 {e['mean_log10']:.2f}, "
          f"max log10 {e['max_log10']:.2f} ({e['snapshots']} snapshots)")
    print(f"K: mean {res.capital_mean:.4f}, sigma {res.capital_std:.4f} "
          f"(HARK {HARK_REFERENCE['capital_mean']:.4f}, {HARK_REFERENCE['capital_std']:.4f})")
    clipped = res.simulation.get("clipped_mass", 0.0)
    if clipped > 1e-10:  # below this the clipping cannot move a printed digit
        print(f"note: savings above the top of the histogram grid were put at its top "
              f"(total mass {clipped:.2e} over the path); raise the grid's maximum")
    if res.periods_outside_capital_grid:
        print(f"note: K left the capital grid in {res.periods_outside_capital_grid} periods "
              "(policies extrapolated linearly in K): widen the capital grid (Python API: "
              "KrusellSmithGrids.default(capital_range=...))")
    return 0

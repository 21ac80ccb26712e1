"""`foresight bfe`: N-Bounded Foresight Equilibrium Monte Carlo (Tables 1, 3, 4 and 5)."""

HELP = "N-BFE of capacity competition / quality ladder / Krusell-Smith over many paths"
DESCRIPTION = """\
Solve the N-Bounded Foresight Equilibrium (Islah & Light 2025) every period along
many simulated aggregate paths, for each foresight horizon N, on the same shocks.
Reports sigma of the mean state over a path (Table 1 for Krusell-Smith: mean
capital; Table 3 for capacity) and the forecast errors of equation (2) one to
three periods ahead (Tables 4 and 5), averaged over paths, with the paper's
numbers beside ours and the paper's claims (increasing in N) checked.

What agents assume beyond the horizon is ambiguous in the paper and decides the
numbers; --continuation chooses the reading (docs/bfe.md):
  markov         z keeps following its chain (Proposition 1; the default)
  frozen-prices  the payoff-relevant aggregate (capacity: z P(Q); Krusell-Smith:
                 R and w) stays at the depth-N node's value (Figure 2)
  mean-z         no aggregate shocks beyond N (z at its stationary mean)

Paths run through Dask: a local cluster by default, an existing one with
--scheduler tcp://host:port, or in-process with --scheduler serial.  One seed
stream per path (identical results for any worker count); with --store DIR each
finished batch is written at once and an interrupted run resumes.

Defaults the paper leaves out: capacity/quality ladder M = 10, qbar(x) = x,
a_max = 1, aggregate chain [[0.875, 0.125], [0.125, 0.875]], z multiplies
revenue; Krusell-Smith: HARK's calibration, 100 asset points, 1,000-point
histogram, frozen-value tables on 129 capital points in [8, 16].

examples:
  foresight bfe capacity --foresight 0,1,2 --paths 20 --periods 1000 --continuum
  foresight bfe capacity --paths 1000 --periods 1000 --firms 1000 --store runs/t3
  foresight bfe capacity --continuum --continuation frozen-prices --paths 50
  foresight bfe quality-ladder --foresight 0,1,2,4,8 --paths 10 --periods 500 --continuum
  foresight bfe krusell-smith --foresight 0,1,2 --continuation markov --continuum
  foresight bfe krusell-smith --agents 5000 --initial hark --burn-in 0 --paths 20
"""

#: API parameter -> the flag a user typed (errors name the flag).
FLAGS = {"horizons": "--foresight", "paths": "--paths", "periods": "--periods",
         "burn_in": "--burn-in", "firms": "--firms", "continuation": "--continuation",
         "initial": "--initial", "forecast": "--forecast", "n_workers": "--workers",
         "a_max": "--a-max", "seed": "--seed", "scheduler": "--scheduler", "store": "--store"}


def flags(args) -> dict:
    """:data:`FLAGS`, with ``--agents`` for Krusell-Smith households."""
    return {**FLAGS, "firms": "--agents" if args.model == "krusell-smith" else "--firms"}


def add_arguments(p):
    from foresight.numerics.bfe.catalog import BUILTIN_MODELS, CONTINUATIONS

    p.add_argument("model", choices=tuple(BUILTIN_MODELS), help="which economy")
    p.add_argument("--foresight", default="0,1,2", metavar="N1,N2,...",
                   help="foresight horizons N (default 0,1,2)")
    p.add_argument("--continuation", default="markov", metavar="READING",
                   help="beyond the horizon: " + " | ".join(CONTINUATIONS) +
                        " (default markov)")
    p.add_argument("--paths", type=int, default=100, help="aggregate paths (paper: 1000)")
    p.add_argument("--periods", type=int, default=1000, help="measured periods per path")
    p.add_argument("--burn-in", type=int, default=100, help="discarded initial periods")
    p.add_argument("--initial", default="stationary", choices=("stationary", "hark"),
                   help="start from the stationary distribution without shocks (default), "
                        "or (krusell-smith) HARK's start: everybody at the steady-state "
                        "capital, first state bad; use --burn-in 0 to measure the "
                        "transient as well")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--firms", "--agents", dest="firms", type=int, default=None,
                      metavar="n",
                      help="simulate n agents (capacity: the paper's 1000 firms, the "
                           "default mode; krusell-smith: 5000 households by default)")
    mode.add_argument("--continuum", action="store_true",
                      help="exact distribution (a histogram) instead of n agents")
    p.add_argument("--a-max", type=float, default=None,
                   help="investment bound of the ladder models (default 1)")
    p.add_argument("--forecast", choices=("exact", "resampled"), default="exact",
                   help="with agents: forecasts from the tree's exact push of the agents "
                        "(default) or from a copy of the agents simulated through the tree")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address, or 'serial' (default: a local cluster)")
    p.add_argument("--workers", type=int, default=None, help="local cluster workers")
    p.add_argument("--store", default=None, metavar="DIR", help="resumable per-batch results")
    p.add_argument("--seed", type=int, default=0, help="root seed")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _horizons(text):
    from foresight.errors import ParameterError

    try:
        out = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ParameterError("--foresight", text, "comma-separated integers >= 0") from None
    if not out or min(out) < 0:
        raise ParameterError("--foresight", text, "comma-separated integers >= 0")
    return out


def validate(args):
    """Every flag checked before any work; errors name the flag, value and valid range."""
    from foresight.errors import ParameterError, did_you_mean
    from foresight.numerics.bfe.catalog import CONTINUATIONS

    horizons = _horizons(args.foresight)
    if args.continuation not in CONTINUATIONS:
        raise ParameterError("--continuation", args.continuation, " | ".join(CONTINUATIONS),
                             did_you_mean(args.continuation, CONTINUATIONS))
    from foresight.errors import renamed
    from foresight.numerics.bfe.experiments import check_monte_carlo

    try:  # the API's checks (sizes, tree memory), named by the flags typed
        check_monte_carlo(args.model, horizons=horizons, paths=args.paths,
                          periods=args.periods, burn_in=args.burn_in, firms=args.firms)
    except ParameterError as exc:
        raise renamed(exc, flags(args)) from None
    if args.initial == "hark" and args.model != "krusell-smith":
        raise ParameterError("--initial", "hark", "'stationary' for the ladder models")
    if args.a_max is not None and args.model == "krusell-smith":
        raise ParameterError("--a-max", args.a_max, "unset for krusell-smith (a ladder flag)")
    if args.forecast == "resampled" and args.continuum:
        raise ParameterError("--forecast", "resampled", "'exact' with --continuum")
    return horizons


def run(args) -> int:
    import json

    from foresight.numerics.bfe.experiments import paper_reference
    from foresight.verify.bfe import claims_from_results

    horizons = validate(args)
    from foresight.numerics.bfe.experiments import monte_carlo

    ks = args.model == "krusell-smith"
    if args.continuum:
        firms = None
    else:
        firms = args.firms or (5000 if ks else 1000)
    params = {} if args.a_max is None else {"a_max": args.a_max}
    res = monte_carlo(args.model, horizons=horizons, paths=args.paths, periods=args.periods,
                      burn_in=args.burn_in, firms=firms, seed=args.seed,
                      scheduler=args.scheduler, n_workers=args.workers, store=args.store,
                      progress=not args.no_progress, model_params=params,
                      forecast=args.forecast, continuation=args.continuation,
                      initial=args.initial)
    claims = claims_from_results(res) if tuple(horizons[:3]) == (0, 1, 2) else []
    res["claims"] = [c.to_dict() for c in claims]
    paper = paper_reference(args.model) if not params else None
    res["paper"] = paper
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"N-BFE {res['model']} ({res['mode']}, continuation {res['continuation']}, "
          f"start {res['initial']}, {res['forecast']} forecasts): {res['paths']} paths x "
          f"{res['periods']} periods (+{res['burn_in']} burn-in), {res['elapsed_s']:.1f} s on "
          f"{res['workers']} worker(s)")
    what = "sigma(K)" if ks else "sigma"
    print(f"{'N':>3} {what:>9} {'(se)':>8} {'paper':>6} {'mean':>7}   forecast error % "
          "j=1,2,3 (paper)")
    for i, n in enumerate(res["horizons"]):
        fe = res["forecast_error_mean"][i]
        ps = paper["sigma"].get(n) if paper else None
        pf = paper["forecast_error"] if paper else {}
        fes = "  ".join(
            f"{100 * fe[j]:.3f}" + (f" ({pf[j + 1][n]:.3f})"
                                    if n in pf.get(j + 1, {}) else "")
            for j in range(len(fe)))
        print(f"{n:>3} {res['sigma_mean'][i]:9.4f} {res['sigma_se'][i]:8.4f} "
              f"{'' if ps is None else ps:>6} {res['mean_state'][i]:7.3f}   {fes}")
    if paper and paper.get("note"):
        print(paper["note"])
    for c in claims:
        print(f"claim {'holds' if c.passed else 'NOT supported'}: {c.statement} "
              f"(observed {c.observed}; min z-score {c.error:.2f})")
    return 0

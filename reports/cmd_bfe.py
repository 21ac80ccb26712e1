"""`foresight bfe`: N-Bounded Foresight Equilibrium Monte Carlo (Tables 3 and 5)."""

HELP = "N-BFE of capacity competition / quality ladder over many aggregate paths"
DESCRIPTION = """\
Solve the N-Bounded Foresight Equilibrium (Islah & Light 2025) every period along
many simulated aggregate paths, for each foresight horizon N, on the same shocks.
Reports sigma of the mean state over a path (Table 3) and the forecast errors of
equation (2) one to three periods ahead (Table 5), averaged over paths, with the
paper's numbers beside ours and the paper's claims (increasing in N) checked.

Paths run through Dask: a local cluster by default, an existing one with
--scheduler tcp://host:port, or in-process with --scheduler serial.  One seed
stream per path (identical results for any worker count); with --store DIR each
finished batch is written at once and an interrupted run resumes.

Defaults the paper leaves out: M = 10, qbar(x) = x, a_max = 1, aggregate chain
[[0.875, 0.125], [0.125, 0.875]], z multiplies revenue; Table 2 otherwise.

examples:
  foresight bfe capacity --foresight 0,1,2 --paths 20 --periods 1000 --continuum
  foresight bfe capacity --paths 1000 --periods 1000 --firms 1000 --store runs/t3
  foresight bfe capacity --continuum --a-max 10 --paths 50 --scheduler serial --json
  foresight bfe capacity --a-max 10 --firms 1000 --forecast resampled --paths 50
  foresight bfe quality-ladder --foresight 0,1,2,4,8 --paths 10 --periods 500 --continuum
"""


def add_arguments(p):
    p.add_argument("model", choices=("capacity", "quality-ladder"), help="which economy")
    p.add_argument("--foresight", default="0,1,2", metavar="N1,N2,...",
                   help="foresight horizons N (default 0,1,2)")
    p.add_argument("--paths", type=int, default=100, help="aggregate paths (paper: 1000)")
    p.add_argument("--periods", type=int, default=1000, help="measured periods per path")
    p.add_argument("--burn-in", type=int, default=100, help="discarded initial periods")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--firms", type=int, default=None, metavar="n",
                      help="simulate n firms (the paper: 1000; the default mode)")
    mode.add_argument("--continuum", action="store_true",
                      help="exact distribution over {0..M} instead of n firms")
    p.add_argument("--a-max", type=float, default=None, help="investment bound (default 1)")
    p.add_argument("--forecast", choices=("exact", "resampled"), default="exact",
                   help="with --firms: forecasts from the tree's exact push of the firms "
                        "(default) or from a copy of the firms simulated through the tree")
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


def run(args) -> int:
    import json

    from foresight.numerics.bfe.experiments import PAPER_TABLE3, PAPER_TABLE5, monte_carlo
    from foresight.verify.bfe import claims_from_results

    horizons = _horizons(args.foresight)
    firms = None if args.continuum else (args.firms or 1000)
    params = {} if args.a_max is None else {"a_max": args.a_max}
    res = monte_carlo(args.model, horizons=horizons, paths=args.paths, periods=args.periods,
                      burn_in=args.burn_in, firms=firms, seed=args.seed,
                      scheduler=args.scheduler, n_workers=args.workers, store=args.store,
                      progress=not args.no_progress, model_params=params,
                      forecast=args.forecast)
    claims = claims_from_results(res) if tuple(horizons[:3]) == (0, 1, 2) else []
    res["claims"] = [c.to_dict() for c in claims]
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"N-BFE {res['model']} ({res['mode']}, {res['forecast']} forecasts): "
          f"{res['paths']} paths x {res['periods']} "
          f"periods (+{res['burn_in']} burn-in), {res['elapsed_s']:.1f} s on "
          f"{res['workers']} worker(s)")
    paper = args.model == "capacity" and not params
    print(f"{'N':>3} {'sigma':>9} {'(se)':>8} {'paper':>6} {'mean':>7}   forecast error % "
          "j=1,2,3 (paper)")
    for i, n in enumerate(res["horizons"]):
        fe = res["forecast_error_mean"][i]
        p3 = PAPER_TABLE3.get(n) if paper else None
        fes = "  ".join(
            f"{100 * fe[j]:.3f}" + (f" ({PAPER_TABLE5[j + 1][n]:.3f})"
                                    if paper and n in PAPER_TABLE5[j + 1] else "")
            for j in range(len(fe)))
        print(f"{n:>3} {res['sigma_mean'][i]:9.4f} {res['sigma_se'][i]:8.4f} "
              f"{'' if p3 is None else p3:>6} {res['mean_state'][i]:7.3f}   {fes}")
    for c in claims:
        print(f"claim {'holds' if c.passed else 'NOT supported'}: {c.statement} "
              f"(observed {c.observed}; min z-score {c.error:.2f})")
    return 0

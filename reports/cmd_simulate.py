"""`foresight simulate`: simulate the Blume–Easley economy on many paths."""

HELP = "simulate consumption shares, likelihood ratios and prices on N paths x T periods"
DESCRIPTION = """\
Simulate agents who disagree about the iid law of s_t (fixed beliefs, or Bayesian
learners over a common set of models), the planner's allocation / competitive
equilibrium shares, log likelihood ratios and prices, in log space.  Prints a
summary with the theory beside it (KL ordering, drift of log l_t / t, almost-sure
limits of shares).

Distribution specs: beta(a,b), uniform, mix(w1*beta(a,b), w2*beta(c,d)).

examples:
  foresight simulate                                         the lecture's far beliefs, nature f
  foresight simulate --nature "mix(0.5*beta(1,1), 0.5*beta(3,1.2))" --paths 10000 --periods 100
  foresight simulate --belief "beta(1,1)" --belief "beta(1.1,1.05)" --nature "beta(2,1.5)"
  foresight simulate --models "beta(1.5,1); beta(1,1.5)" --prior 0.3,0.7 --prior 0.7,0.3 \\
                     --nature "beta(1.5,1)" --periods 40 --paths 1000
  foresight simulate --json --save out.npz
"""

#: API parameter -> the flag a user typed (errors name the flag).
FLAGS = {"n_paths": "--paths", "n_periods": "--periods", "pareto_weight": "--pareto-weight",
         "gamma": "--gamma", "discount": "--discount", "seed": "--seed", "prior": "--prior"}


def add_arguments(p):
    p.add_argument("--belief", action="append", metavar="SPEC",
                   help="a fixed-belief agent (repeat per agent; default beta(1,1), beta(3,1.2))")
    p.add_argument("--models", metavar="SPECS",
                   help="learning agents: the common models, separated by ';'")
    p.add_argument("--prior", action="append", metavar="P1,P2,...",
                   help="a learning agent's prior over --models (repeat per agent)")
    p.add_argument("--nature", default="beta(1,1)", metavar="SPEC", help="nature's iid density")
    p.add_argument("--pareto-weight", type=float, action="append", metavar="W",
                   help="Pareto weight of each agent (repeat; default equal weights)")
    p.add_argument("--gamma", type=float, default=1.0, help="relative risk aversion (1 = log)")
    p.add_argument("--discount", type=float, default=0.9, help="discount factor delta in (0,1)")
    p.add_argument("--paths", type=int, default=1000, help="number of paths N")
    p.add_argument("--periods", type=int, default=100, help="number of periods T")
    p.add_argument("--seed", type=int, default=0, help="root seed of the SeedSequence")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--save", metavar="FILE.npz", help="save shares, log l_t, prices to an .npz")


def economy_from_args(args):
    """Build (economy, nature) from parsed arguments."""
    from foresight.derivations.distributions import parse_distribution
    from foresight.derivations.economy import Belief, ExchangeEconomy, fixed_belief
    from foresight.errors import ParameterError

    if args.models:
        models = tuple(parse_distribution(s.strip()) for s in args.models.split(";") if s.strip())
        if not args.prior:
            raise ParameterError("--prior", None, "one --prior per learning agent with --models")
        beliefs = []
        for text in args.prior:
            try:
                prior = tuple(float(x) for x in text.split(","))
            except ValueError:
                raise ParameterError("--prior", text, "comma-separated probabilities") from None
            beliefs.append(Belief(models, prior))
        beliefs = tuple(beliefs)
    else:
        specs = args.belief or ["beta(1,1)", "beta(3,1.2)"]
        beliefs = tuple(fixed_belief(parse_distribution(s)) for s in specs)
    n = len(beliefs)
    weights = tuple(args.pareto_weight) if args.pareto_weight else tuple([1.0 / n] * n)
    if n == 2:
        intercepts, slopes = (0.0, 1.0), (1.0, -1.0)
    else:  # agent 1 holds s, the others share 1 - s equally
        intercepts = (0.0,) + (1.0 / (n - 1),) * (n - 1)
        slopes = (1.0,) + (-1.0 / (n - 1),) * (n - 1)
    econ = ExchangeEconomy(beliefs, weights, gamma=args.gamma, discount=args.discount,
                           endowment_intercepts=intercepts, endowment_slopes=slopes)
    return econ, parse_distribution(args.nature)


def summarize(econ, nature, sim, n_periods) -> dict:
    """Summary statistics with the theory beside them."""
    import numpy as np

    # float64 theory from the generated kernels: no SymPy on this path
    from foresight.numerics.blume_easley import learning_limits_float

    limit = learning_limits_float(econ, nature)
    final = sim.shares[:, -1, :]
    out = {
        "paths": int(final.shape[0]),
        "periods": int(n_periods),
        "mean_final_share": [float(x) for x in final.mean(axis=0)],
        "median_final_share": [float(x) for x in np.median(final, axis=0)],
        "share_p10": [float(x) for x in np.percentile(final, 10, axis=0)],
        "share_p90": [float(x) for x in np.percentile(final, 90, axis=0)],
        "theory": {
            "limiting_divergence": list(limit.limiting_divergence),
            "survivors": [i + 1 for i in limit.survivors],
            "share_limits": None if limit.share_limits is None else list(limit.share_limits),
            "drift_log_l": limit.drift,
            "case": limit.reason,
        },
    }
    if getattr(sim, "log_likelihood_ratio", None) is not None:
        out["mean_log_l_over_T"] = float(np.mean(sim.log_likelihood_ratio[:, -1]) / n_periods)
    return out


def run(args) -> int:
    import json

    import numpy as np

    from foresight.numerics.blume_easley import simulate

    econ, nature = economy_from_args(args)
    outputs = ["shares", "log_prices"]
    if econ.n_agents == 2:
        outputs.append("log_likelihood_ratio")
    sim = simulate(econ, nature, args.paths, args.periods, seed=args.seed,
                   outputs=tuple(outputs), progress=not args.json)
    summary = summarize(econ, nature, sim, args.periods)
    if args.save:
        arrays = {k: getattr(sim, k) for k in ("shares", "log_likelihood_ratio", "log_prices")
                  if getattr(sim, k, None) is not None}
        np.savez_compressed(args.save, **arrays)
        summary["saved"] = args.save
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{summary['paths']} paths x {summary['periods']} periods, nature {nature.spec()}")
    for i in range(econ.n_agents):
        print(f"  agent {i + 1}: mean final share {summary['mean_final_share'][i]:.4f}, "
              f"median {summary['median_final_share'][i]:.4f}, 10-90% "
              f"[{summary['share_p10'][i]:.4f}, {summary['share_p90'][i]:.4f}]")
    th = summary["theory"]
    print(f"theory: {th['case']}")
    print("  KL(nature || limiting model) per agent: "
          + ", ".join(f"{v:.6g}" for v in th["limiting_divergence"]))
    if th["share_limits"] is not None:
        print("  almost-sure share limits: " + ", ".join(f"{v:.6g}" for v in th["share_limits"]))
    if "mean_log_l_over_T" in summary:
        print(f"  log l_T / T: simulated mean {summary['mean_log_l_over_T']:.6g}, "
              f"theory {th['drift_log_l']:.6g}")
    return 0

"""`foresight kl`: KL divergence of two belief distributions (exact or quadrature)."""

HELP = "KL divergence KL(P || Q) of Beta / Beta-mixture distributions"
DESCRIPTION = """\
Kullback-Leibler divergence KL(P || Q) = E_P[log P - log Q] in nats.

Two Betas: the closed form derived in SymPy (digamma and log-gamma terms),
evaluated with mpmath.  Mixtures: mpmath tanh-sinh quadrature with an error
estimate.  Specs: beta(a, b), uniform, mix(w1*beta(a1,b1), w2*beta(a2,b2), ...).

examples:
  foresight kl "beta(1,1)" "beta(3,1.2)"
  foresight kl "mix(0.5*beta(1,1), 0.5*beta(3,1.2))" uniform --json
  foresight kl "beta(2,1.5)" "beta(1.1,1.05)" --method quadrature --dps 40
"""

#: API parameter -> the flag a user typed (errors name the flag).
FLAGS = {"dps": "--dps", "method": "--method"}


def add_arguments(p):
    p.add_argument("p", metavar="P", help="distribution the expectation is under (nature)")
    p.add_argument("q", metavar="Q", help="the other distribution (a belief)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.add_argument(
        "--method",
        choices=("auto", "closed", "quadrature"),
        default="auto",
        help="auto: closed form for two Betas, quadrature otherwise (default)",
    )
    p.add_argument("--dps", type=int, default=30, help="mpmath decimal digits (default 30)")


def run(args) -> int:
    import json
    import sys

    from foresight.derivations.distributions import parse_distribution
    from foresight.derivations.kl import kl_divergence
    from foresight.errors import SpecError

    try:
        p = parse_distribution(args.p)
        q = parse_distribution(args.q)
    except SpecError as exc:
        # SpecError's own message is three lines (text and a caret); the CLI
        # contract is one line, so say where instead of drawing it.
        print(
            f"foresight kl: error: {exc.reason} at position {exc.position} of {exc.text!r}",
            file=sys.stderr,
        )
        return 2
    result = kl_divergence(p, q, method=args.method, dps=args.dps)
    if args.json:
        print(json.dumps(result.to_dict()))
        return 0
    print(f"KL({result.p} || {result.q}) = {result.value:.17g}")
    print(f"  method          {result.method} (mpmath, {result.dps} digits)")
    print(f"  error estimate  {result.error_estimate:.2e}")
    return 0

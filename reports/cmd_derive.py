"""`foresight derive`: print the Blume–Easley derivations step by step."""

HELP = "derive planner FOCs, allocation, prices and Negishi weights with SymPy"
DESCRIPTION = """\
Derive the theory of the complete-markets economy with heterogeneous beliefs
from its statement (planner's Lagrangian -> FOCs -> allocation; agents' FOCs ->
prices with multipliers matched to Pareto weights; budgets -> Negishi weights;
Bayes' law -> predictive chain rule), for any number of agents and CRRA gamma.

examples:
  foresight derive                              two agents, log utility (the lecture)
  foresight derive --agents 3 --gamma 2         three agents, CRRA gamma = 2
  foresight derive --gamma symbolic --only planner,prices --latex
  foresight derive --json                       results as JSON (SymPy strings and LaTeX)
"""

PARTS = ("planner", "two-agent", "prices", "negishi", "learning")

#: API parameter -> the flag a user typed (errors name the flag).
FLAGS = {"n_agents": "--agents", "gamma": "--gamma"}


def add_arguments(p):
    p.add_argument("--agents", type=int, default=2, metavar="N",
                   help="number of agents, 2..32 (about 1 s per agent)")
    p.add_argument("--gamma", default="1", metavar="G",
                   help="relative risk aversion > 0 (1 = log utility) or 'symbolic'")
    p.add_argument("--only", default=",".join(PARTS), metavar="PARTS",
                   help=f"comma-separated subset of {', '.join(PARTS)}")
    p.add_argument("--latex", action="store_true", help="print each step as LaTeX")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _gamma(text):
    """The API's check of gamma (NaN, infinities and symbols refused), on the typed text."""
    from foresight.derivations.blume_easley import _gamma as check

    return text if text == "symbolic" else check(text)


def derivations(agents: int, gamma, parts):
    """The requested Derivation objects, in display order."""
    from foresight.derivations import blume_easley as be
    from foresight.errors import ParameterError, did_you_mean

    be._n_agents(agents)  # before any work: 2 <= agents <= be.MAX_AGENTS
    out = []
    for part in parts:
        if part not in PARTS:
            raise ParameterError("--only", part, "{" + ", ".join(PARTS) + "}",
                                 did_you_mean(part, PARTS))
        if part == "planner":
            out.append(be.planner_allocation(agents, gamma))
        elif part == "two-agent":
            out.append(be.two_agent_allocation(gamma))
        elif part == "prices":
            out.append(be.competitive_prices(agents, gamma))
        elif part == "negishi":
            out.append(be.negishi_weights(agents))
        elif part == "learning":
            out.append(be.bayesian_learning(2))
    return out


def run(args) -> int:
    import json

    import sympy as sp

    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    items = derivations(args.agents, _gamma(args.gamma), parts)
    if args.json:
        print(json.dumps([
            {
                "title": d.title,
                "assumptions": d.assumptions,
                "steps": [{"title": s.title, "expr": sp.sstr(s.expr), "latex": s.latex(),
                           "remark": s.remark} for s in d.steps],
            }
            for d in items
        ], indent=2))
        return 0
    for d in items:
        if args.latex:
            print(f"% {d.title}")
            for s in d.steps:
                print(f"% {s.title}\n\\[ {s.latex()} \\]")
        else:
            print(d)
        print()
    return 0

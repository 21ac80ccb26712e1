"""`foresight check-exercise`: check an exercise answer (formula or code) against derived theory."""

HELP = "check an exercise answer (a formula, or simulation code) against the derived theory"
DESCRIPTION = """\
Check a student's answer to an exercise of the Blume-Easley lecture (23.1-23.5)
or one of foresight's own exercises (F.1 CRRA utility, F.2 three agents,
F.3 Negishi weight).  Every reference answer is derived with SymPy at run time.

Symbolic answers (--answer) are parsed without executing code, in plain text
(lambda, l_t, pi1, pi^1_0, delta^t) or LaTeX (\\frac{\\lambda l_t}{1-\\lambda+\\lambda l_t}),
and compared with the derived result by evaluating both, in interval arithmetic,
at random points of the whole domain (0 < lambda < 1, positive densities,
dates 0 .. 10^4), drawn afresh for every check: the seed is printed, --seed
repeats the check.  Any point where the two differ beyond round-off rejects the
answer and is shown with both values.  Prices are accepted up to a positive
factor that does not depend on the date or the history (the theory leaves it
free).  Numbers are judged at the precision they state (0.01066 is
0.01066 +- 0.000005).  The check runs in a child process within a budget
(--budget-seconds, --budget-memory); past it the answer is UNDECIDED.

Code answers (--code FILE.py:FUNCTION) run your simulation function in a
sandbox (bubblewrap: read-only file system except a scratch directory, no
network, its own process tree, the project's modules hidden; without
bubblewrap the check is refused unless --isolation process) on draws the
checker makes, and compare on the same draws: posteriors with Bayes' law,
shares with the derived allocation rule, long-run shares with the derived
almost-sure limits (or the survivor with the KL ordering), for Pareto weights
other than 1/2, asymmetric priors, both natures and several horizons.
--show-solution prints the calling convention of each exercise.

exit status: 0 accepted, 1 rejected (or the code crashed, hung or returned
unusable output), 2 bad input (unparseable answer, unknown symbol, unknown
exercise, missing file or function, wrong signature, no sandbox available),
3 undecided (the check ran out of its time or memory budget, or could not
evaluate the answer precisely enough).

examples:
  foresight check-exercise --list
  foresight check-exercise 23.1 --answer "lambda*l_t/(1-lambda+lambda*l_t)"
  foresight check-exercise 23.1.price --answer "delta^t (lambda pi1 + (1-lambda) pi2)"
  foresight check-exercise 23.1 --answer '\\frac{\\lambda l_t}{1-\\lambda+\\lambda l_t}'
  foresight check-exercise 23.2.limit_share_f --answer "pi^1_0"        (rejected: why?)
  foresight check-exercise 23.3.limit_share_f --answer 0.1
  foresight check-exercise 23.1.price --answer "-delta^t pi1" --seed 7  (a leading '-' works)
  foresight check-exercise 23.2 --code my_solution.py:simulate_learning_blume_easley
  foresight check-exercise 23.2 --code docs/examples/exercise_23_2_wrong_timing.py:\
simulate_learning_blume_easley --quick
  foresight check-exercise 23.4 --show-solution
  foresight check-exercise 23.1 --answer "lambda*l" --show-solution --json
"""


def add_arguments(p):
    p.add_argument("exercise", nargs="?", metavar="EXERCISE",
                   help="exercise (23.1 ... 23.5, F.1 ... F.3) or question id (23.1.price)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--answer", metavar="EXPR", help="a formula, plain text or LaTeX")
    what.add_argument("--code", metavar="FILE.py:FUNCTION",
                      help="a simulation function to run and check (23.2-23.5)")
    p.add_argument("--show-solution", action="store_true",
                   help="print the derived reference solution (after the verdict, if any)")
    p.add_argument("--latex", action="store_true", help="with --show-solution: LaTeX formulas")
    p.add_argument("--list", action="store_true", help="list exercises and questions, then exit")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="wall-clock limit for --code (default 60)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the random points (--answer; default: fresh, printed) or "
                        "of the draws (--code; default 12345)")
    p.add_argument("--quick", action="store_true",
                   help="--code: fewer and shorter paths (a faster, coarser check)")
    p.add_argument("--budget-seconds", type=float, default=20.0, metavar="SECONDS",
                   help="--answer: wall-clock budget of the check (default 20); past it "
                        "the verdict is UNDECIDED")
    p.add_argument("--budget-memory", type=int, default=1024, metavar="MIB",
                   help="--answer: memory budget of the check in MiB (default 1024)")
    p.add_argument("--isolation", choices=("namespaces", "process", "auto"),
                   default="namespaces",
                   help="--code: 'namespaces' (bubblewrap; refused without it, the "
                        "default), 'process' (resource limits only: trusted code), 'auto'")


def _listing() -> list[dict]:
    from foresight.verify.exercises import EXERCISES, QUESTIONS

    out = []
    for ex in EXERCISES.values():
        out.append({"id": ex.eid, "title": ex.title,
                    "questions": [{"id": q, "prompt": QUESTIONS[q].prompt} for q in ex.questions],
                    "code": bool(ex.code)})
    return out


def _print_listing(listing) -> None:
    import textwrap

    for ex in listing:
        code = "  [--answer, --code]" if ex["code"] else "  [--answer]"
        print(f"{ex['id']:5s} {ex['title']}{code}")
        for q in ex["questions"]:
            print(f"  {q['id']:20s} " + textwrap.shorten(q["prompt"], 80, placeholder=" ..."))


def run(args) -> int:
    import json
    import sys

    from foresight.errors import ParameterError

    if args.list:
        listing = _listing()
        if args.json:
            print(json.dumps(listing, indent=2, ensure_ascii=False))
        else:
            _print_listing(listing)
        return 0
    if not args.exercise:
        raise ParameterError("EXERCISE", None, "an exercise id such as 23.1 (see --list)")
    if args.answer is None and args.code is None and not args.show_solution:
        raise ParameterError("--answer/--code/--show-solution", None,
                             "one of them (see foresight check-exercise --help)")
    if args.timeout is not None and not args.timeout > 0:
        raise ParameterError("--timeout", args.timeout, "(0, inf) seconds")
    if not 0 < args.budget_seconds <= 3600:
        raise ParameterError("--budget-seconds", args.budget_seconds, "(0, 3600] seconds")
    if not 64 <= args.budget_memory <= 65536:
        raise ParameterError("--budget-memory", args.budget_memory, "[64, 65536] MiB")
    if args.seed is not None and not 0 <= args.seed < 2**63:
        raise ParameterError("--seed", args.seed, "[0, 2^63)")

    from foresight.verify.exercises import (
        Budget,
        check_answer,
        check_code,
        resolve_question,
        show_solution,
    )

    record: dict = {"exercise": args.exercise}
    verdict = None
    if args.answer is not None:
        verdict = check_answer(args.exercise, args.answer, seed=args.seed,
                               budget=Budget(args.budget_seconds, args.budget_memory))
    elif args.code is not None:
        verdict = check_code(args.exercise, args.code,
                             seed=12345 if args.seed is None else args.seed,
                             timeout=args.timeout, quick=args.quick, isolation=args.isolation)
    solution = None
    if args.show_solution:
        resolve_question(args.exercise)  # unknown id: ParameterError, one line, exit 2
        solution = show_solution(args.exercise, latex=args.latex)
    if verdict is not None:
        record.update(verdict.to_dict())
    if solution is not None:
        record["solution"] = solution
    if args.json:
        print(json.dumps(record, indent=2, ensure_ascii=False, default=str))
    else:
        if verdict is not None:
            stream = sys.stderr if verdict.status == "unusable" else sys.stdout
            text = verdict.message
            if verdict.status == "unusable":  # bad input: one line, as every CLI error
                text = "foresight check-exercise: " + " ".join(text.split())
            print(text, file=stream)
        if solution is not None:
            if verdict is not None:
                print()
            print(solution)
    return verdict.exit_code if verdict is not None else 0

"""`foresight verify`: run every theory-vs-numerics check and print a table."""

HELP = "run every verification check (theory vs an independent numerical route)"
DESCRIPTION = """\
Each check compares a derived expression or theorem with a number produced by a
different numerical route, with a stated tolerance and the reason for it
(round-off bound, CLT band, quadrature error estimate).  Exit status 0 when
every check passes, 1 when any fails, 2 on bad usage.

examples:
  foresight verify                        all checks, as a table
  foresight verify --select blume_easley  only checks whose name contains the text
  foresight verify --list                 list the registered cases without running them
  foresight verify --json                 records with name, expected, observed, tolerance, passed
"""


def add_arguments(p):
    p.add_argument("--select", metavar="TEXT", help="run only cases whose name contains TEXT")
    p.add_argument("--list", action="store_true", help="list registered cases and exit")
    p.add_argument("--json", action="store_true", help="print a JSON list of check records")
    p.add_argument("--verbose", "-v", action="store_true", help="print statements and details")


def format_table(results) -> str:
    """Fixed-width table of check results (name, expected, observed, error, tolerance)."""
    def fmt(x):
        if isinstance(x, float):
            return f"{x:.6g}"
        return str(x)

    rows = [("verdict", "check", "expected", "observed", "error", "tolerance")]
    for r in results:
        rows.append(("PASS" if r.passed else "FAIL", r.name, fmt(r.expected), fmt(r.observed),
                     fmt(r.error), fmt(r.tolerance)))
    widths = [min(max(len(row[k]) for row in rows), 60) for k in range(len(rows[0]))]
    lines = []
    for k, row in enumerate(rows):
        lines.append("  ".join(cell[:60].ljust(w) for cell, w in zip(row, widths, strict=True)))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args) -> int:
    import json
    import sys

    from foresight.verify.registry import registered, run_cases

    if args.list:
        for name, case in sorted(registered().items()):
            if not args.select or args.select in name:
                print(f"{name:60s} {case.description}")
        return 0
    bar = None
    if not args.json and sys.stderr.isatty():
        from tqdm import tqdm

        n = sum(1 for k in registered() if not args.select or args.select in k)
        bar = tqdm(total=n, desc="verify", unit="case", leave=False)

    def progress(name):
        if bar is not None:
            bar.set_postfix_str(name[-40:])
            bar.update(1)

    results = run_cases(args.select, progress=progress)
    if bar is not None:
        bar.close()
    if not results:
        print("no checks matched", file=sys.stderr)
        return 2
    failed = [r for r in results if not r.passed]
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        print(format_table(results))
        if args.verbose or failed:
            print()
            for r in (results if args.verbose else failed):
                print(r)
        print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0

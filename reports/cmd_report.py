"""`foresight report`: write the LaTeX report (and the PDF when TeX is installed)."""

HELP = "write the LaTeX/PDF report: derivations, KL table, lecture experiments, checks"
DESCRIPTION = """\
Build the report on built-in defaults: the derivations step by step (planner,
prices, Negishi weights, KL), the KL table (exact vs the lecture's truncated
quadrature vs the lecture's printed values), the lecture's experiments and
figures reproduced beside the lecture's printed numbers, the exercises, the
verification table and provenance (versions, seeds, generated-code hashes).

Writes DIR/report.tex, DIR/figures/*.pdf|png, DIR/report.json and, when
latexmk or pdflatex is installed, DIR/report.pdf.  Without TeX it says how to
get the PDF.  Exit status 0 when every section built and every check passed,
1 otherwise, 2 on bad usage.

Sections and verification cases computed before by the same code (every
source file, dependency version, seed and size enters the key) are reused from
a result cache, so a second report takes seconds; --no-cache recomputes
everything.  The provenance says which parts were reused and when they were
computed.

examples:
  foresight report                      full report into ./report (a few minutes)
  foresight report --out /tmp/r --quick small samples (seconds; for previews and tests)
  foresight report --no-pdf --json      .tex only; print a JSON summary on stdout
  foresight report --no-cache           recompute every section and check
"""


def add_arguments(p):
    p.add_argument("--out", default="report", metavar="DIR",
                   help="output folder (default: ./report)")
    p.add_argument("--seed", type=int, default=None, metavar="S",
                   help="root seed of every simulation (default 20251123)")
    p.add_argument("--quick", action="store_true",
                   help="small sample sizes (seconds; numbers indicative only)")
    p.add_argument("--no-pdf", action="store_true", help="write the .tex and figures only")
    p.add_argument("--no-verify", action="store_true",
                   help="skip the registered verification cases (sections' checks still run)")
    p.add_argument("--verify-select", metavar="TEXT",
                   help="run only registered cases whose name contains TEXT")
    p.add_argument("--sections", metavar="NAMES",
                   help="comma-separated subset of sections, e.g. blume_easley,exercises")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument("--no-cache", action="store_true",
                   help="recompute every section and verification case (default: reuse "
                        "results of the same code, seed and sizes)")
    p.add_argument("--cache-dir", metavar="DIR", default=None,
                   help="result cache folder (default $FORESIGHT_CACHE_DIR, else "
                        "~/.cache/foresight/report)")


def _sections(text):
    if not text:
        return None
    from foresight.errors import ParameterError, did_you_mean
    from foresight.reports.report import SECTION_PREFIX, discover_sections

    available = {m.rsplit(".", 1)[-1].removeprefix(SECTION_PREFIX): m for m in discover_sections()}
    chosen = []
    for name in (n.strip() for n in text.split(",")):
        if not name:
            continue
        if name not in available:
            raise ParameterError("--sections", name, "{" + ", ".join(sorted(available)) + "}",
                                 did_you_mean(name, tuple(available)))
        chosen.append(available[name])
    return chosen


def run(args) -> int:
    import json
    import sys
    import time
    from pathlib import Path

    from foresight.errors import ParameterError
    from foresight.reports.report import DEFAULT_SEED, build_report

    try:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        probe = Path(args.out) / ".foresight-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ParameterError("--out", args.out, "a folder that can be created and written",
                             exc.strerror) from None
    cache_dir = None
    if not args.no_cache:
        from foresight.reports.result_cache import default_dir

        cache_dir = Path(args.cache_dir).expanduser() if args.cache_dir else default_dir()
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ParameterError("--cache-dir", str(cache_dir),
                                 "a folder that can be created and written (or --no-cache)",
                                 exc.strerror) from None
    start = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[report {time.perf_counter() - start:6.1f} s] {message}", file=sys.stderr,
              flush=True)

    result = build_report(
        args.out,
        seed=DEFAULT_SEED if args.seed is None else args.seed,
        quick=args.quick,
        pdf=not args.no_pdf,
        verify=not args.no_verify,
        verify_select=args.verify_select,
        sections=_sections(args.sections),
        progress=progress,
        cache_dir=cache_dir,
    )
    summary = result.summary()
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"wrote {result.tex}")
        if result.pdf:
            print(f"wrote {result.pdf}")
        else:
            print(result.pdf_message)
        c = summary["checks"]
        print(f"sections: {len(result.sections) - len(result.failed_sections)} of "
              f"{len(result.sections)} built; checks: {c['passed']} passed, {c['failed']} failed; "
              f"{summary['timing_s']['total']:.1f} s")
    for s in result.failed_sections:
        print(f"foresight report: section {s.title!r} failed: {s.error}", file=sys.stderr)
    for r in result.failed_checks:
        print(f"foresight report: check failed: {r.name}", file=sys.stderr)
    if result.tex_run is not None and not result.tex_run.ok:
        print(f"foresight report: {result.tex_run.message}", file=sys.stderr)
    return result.exit_status

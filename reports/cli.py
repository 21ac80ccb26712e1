"""The ``foresight`` command line.

Each subcommand lives in its own ``reports/cmd_<name>.py`` module exposing
``HELP`` (one line), ``DESCRIPTION`` (the --help text), ``add_arguments(parser)``
and ``run(args) -> int``.  Those modules import nothing heavy at module level,
so ``foresight --help`` stays fast; SymPy, numba and friends load inside ``run``.

Errors a user can cause (bad parameters, unparseable specs) print one line and
exit with status 2; no traceback.  The checks live in the API (one validation
layer); each command's ``FLAGS`` maps the API's parameter names to the flags
the user typed, so ``n_paths`` is reported as ``--paths``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> module; order is the order --help lists them in.
COMMANDS = {
    "derive": "foresight.reports.cmd_derive",
    "kl": "foresight.reports.cmd_kl",
    "simulate": "foresight.reports.cmd_simulate",
    "verify": "foresight.reports.cmd_verify",
    "check-exercise": "foresight.reports.cmd_check_exercise",
    "bfe": "foresight.reports.cmd_bfe",
    "ks": "foresight.reports.cmd_ks",
    "report": "foresight.reports.cmd_report",
    "generate": "foresight.reports.cmd_generate",
}

EPILOG = """\
the flow:  derive (SymPy) -> generate (numba kernels) -> simulate/solve -> verify -> report

examples:
  foresight derive --agents 3 --gamma 2        planner FOCs, allocation, prices, Negishi weight
  foresight kl "beta(1,1)" "beta(3,1.2)"       exact KL divergence of two Beta densities
  foresight simulate --nature "mix(0.5*beta(1,1), 0.5*beta(3,1.2))" --paths 10000
  foresight verify                             every theory-vs-numerics check; exit 1 on failure
  foresight report --out report/               LaTeX (and PDF when TeX is installed)

Run `foresight COMMAND --help` for a command's options.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="foresight",
        description="Markets without rational expectations: derive the theory, compile it, "
        "simulate, verify numerics against theory, and write reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from foresight import __version__

    parser.add_argument("--version", action="version", version=f"foresight {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # command not built in this checkout
                continue
            raise
        p = sub.add_parser(
            name,
            help=module.HELP,
            description=module.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        # API parameter names -> the flags a user typed: a dict FLAGS, or a
        # function flags(args) when the flag depends on other arguments.
        p.set_defaults(_run=module.run,
                       _flags=getattr(module, "flags", None) or getattr(module, "FLAGS", {}))
    return parser


def _join_dash_values(argv: list[str]) -> list[str]:
    """``--answer -x`` -> ``--answer=-x`` for options whose values may start with '-'.

    argparse takes a value starting with '-' for an option and stops with
    "expected one argument"; an answer such as ``-delta^t pi1`` is a value.
    A value starting with '--' is still read as an option.
    """
    out, k = [], 0
    while k < len(argv):
        a = argv[k]
        if (a in DASH_VALUE_OPTIONS and k + 1 < len(argv) and argv[k + 1].startswith("-")
                and not argv[k + 1].startswith("--")):
            out.append(f"{a}={argv[k + 1]}")
            k += 2
            continue
        out.append(a)
        k += 1
    return out


#: Options whose value may begin with '-' (a formula such as ``-delta^t``).
DASH_VALUE_OPTIONS = ("--answer",)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``foresight`` console script.

    Called without `argv` (the console script, ``python -m foresight``) it
    also readies the process for a fast exit, see :func:`_fast_exit`.
    """
    if argv is None:
        try:
            return _main(None)
        finally:
            _fast_exit()
    return _main(argv)


def _fast_exit() -> None:
    """Move every live object to the permanent GC generation before the process ends.

    After a first numba call the interpreter's final garbage collections walk
    numba's type and lowering registries: ~0.4 s of a 1 s command.  Frozen
    objects are skipped by those passes; at-exit handlers, stream flushing
    and module teardown still run.  Only for the process's last act: within
    a longer-lived process frozen objects would never be collected.
    """
    import gc

    gc.freeze()


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    argv = _join_dash_values(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    from foresight.errors import ForesightError, ParameterError, renamed

    try:
        return int(args._run(args) or 0)
    except ForesightError as exc:
        if isinstance(exc, ParameterError):
            names = args._flags(args) if callable(args._flags) else args._flags
            exc = renamed(exc, names)
        print(f"foresight {args.command}: error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"foresight {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

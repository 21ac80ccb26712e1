"""`foresight generate`: regenerate the numba kernels from the SymPy derivations."""

HELP = "regenerate numba kernels from the SymPy derivations (or --check they are current)"
DESCRIPTION = """\
Print every derived expression the numerics use into real Python modules under
numerics/generated/ (one per model family), decorated @njit(cache=True), with a
content hash in the header.  Run after changing a derivation; commit the result.

examples:
  foresight generate           rewrite stale modules
  foresight generate --check   exit 1 if any checked-in module is stale (CI does this)
"""


def add_arguments(p):
    p.add_argument("--check", action="store_true", help="only report stale modules; exit 1 if any")
    p.add_argument("modules", nargs="*", help="module stems to regenerate (default: all)")


def run(args) -> int:
    from foresight.derivations.codegen import generate

    changed = generate(args.modules or None, check=args.check)
    if args.check:
        if changed:
            print("stale generated modules: " + ", ".join(changed) + " (run `foresight generate`)")
            return 1
        print("generated modules are current")
        return 0
    print("rewrote: " + ", ".join(changed) if changed else "generated modules already current")
    return 0

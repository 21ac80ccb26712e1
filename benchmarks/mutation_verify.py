"""Mutation score of ``foresight verify`` alone (issue 10: verify catches a wrong derivation).

Each mutant is one small change a developer could plausibly make -- a sign, an
exponent, a dropped factor, a swapped index, an off-by-one timing, a loosened
tolerance, a mis-scaled error -- in the generated kernels, the derivations
(then ``foresight generate`` rewrites the kernels so the numerics follow the
wrong formula faithfully), the simulators, the N-BFE engine, the Krusell–Smith
solver or the random streams.  For each mutant the script

1. copies the package into a temporary tree (``pkg/foresight/...``; the
   worktree is never touched) and applies the change;
2. for a derivation mutant runs ``python -m foresight generate`` there;
3. runs ``python -m foresight verify --json --select TEXT`` for each TEXT of
   the mutant (the verify families the change can reach; the full ``foresight
   verify`` runs them too, plus others), with a fresh ``NUMBA_CACHE_DIR``;
4. counts the mutant *caught* when any check is FAILED (a case that raises is a
   FAILED record too) -- the test suite is not consulted.

A baseline run of the unmutated copy over the union of the selections must
pass; otherwise the score is meaningless and the script stops.

Usage::

    python benchmarks/mutation_verify.py                 # all mutants
    python benchmarks/mutation_verify.py --only gen-be-  # ids starting with the text
    python benchmarks/mutation_verify.py --list

Writes ``benchmarks/results/mutation_verify.json`` (one record per mutant:
caught, failed checks, seconds) and prints a table and the score.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The package layout of pyproject.toml: package -> folder of the worktree.
LAYOUT = {"foresight": "foresight", "foresight/derivations": "derivations",
          "foresight/numerics": "numerics", "foresight/verify": "verify",
          "foresight/reports": "reports"}


@dataclass(frozen=True)
class Mutant:
    """One change: replace `old` by `new` (each exactly once) in `path`."""

    id: str
    kind: str
    path: str
    edits: tuple  # ((old, new), ...)
    select: tuple  # verify --select texts the change can reach
    regenerate: bool = False
    note: str = ""


def _m(id, kind, path, old, new, select, regenerate=False, note=""):
    edits = ((old, new),) if isinstance(old, str) else tuple(zip(old, new, strict=True))
    return Mutant(id, kind, path, edits, tuple(select), regenerate, note)


MUTANTS = [
    # ---------------------------------------------------------------- generated kernels
    _m("gen-be-allocation-exponent", "exponent", "numerics/generated/blume_easley.py",
       "return (log_joint_density + log_pareto_weight)/gamma",
       "return (log_joint_density + log_pareto_weight)*gamma",
       ["blume_easley.planner_numeric"], note="wrong only when gamma != 1"),
    _m("gen-be-price-timing", "off-by-one timing", "numerics/generated/blume_easley.py",
       "return date*log_discount + gamma*log_sum_weights",
       "return (date + 1)*log_discount + gamma*log_sum_weights",
       ["blume_easley.planner_numeric"]),
    _m("gen-be-posterior-without-prior", "dropped factor", "numerics/generated/blume_easley.py",
       "return prior*scaled_likelihood/scaled_mixture",
       "return scaled_likelihood/scaled_mixture", ["blume_easley.posteriors_bayes"]),
    _m("gen-be-beta-density-swap", "swapped index", "numerics/generated/blume_easley.py",
       "log_complement*(b - 1) + log_state*(a - 1)",
       "log_complement*(a - 1) + log_state*(b - 1)", ["blume_easley.fixed_beliefs_lecture"]),
    _m("gen-be-twin-beta-density-swap", "swapped index", "numerics/generated/blume_easley_py.py",
       "log_complement*(b - 1) + log_state*(a - 1)",
       "log_complement*(a - 1) + log_state*(b - 1)", ["blume_easley"],
       note="the numba-free twin small runs use (<= 2**15 path-periods)"),
    _m("gen-capacity-profit", "dropped factor", "numerics/generated/capacity.py",
       "return capacity_x*z*(_c0*e - _c0*total_output/m)",
       "return capacity_x*z*(_c0*e - total_output/m)", ["bfe.primitives"],
       note="P(Q) = e/f - Q/m: the slope's 1/f dropped"),
    _m("gen-capacity-transition-sign", "sign", "numerics/generated/capacity.py",
       "-_t0*investment*(delta - 1))", "_t0*investment*(delta - 1))", ["bfe.primitives"]),
    _m("gen-continuation-power", "off-by-one timing", "numerics/generated/continuation.py",
       "(_e0 + p11)**k*", "(_e0 + p11)**(k + 1)*", ["bfe.continuation_readings"]),
    _m("gen-ks-interest-exponent", "exponent", "numerics/generated/krusell_smith.py",
       "return alpha*z*(capital/labour)**(alpha - 1) - delta + 1",
       "return alpha*z*(capital/labour)**alpha - delta + 1", ["krusell_smith.aggregates"]),
    _m("gen-ks-egm-beta", "dropped factor", "numerics/generated/krusell_smith.py",
       "return 1/(beta*expected_marginal_value)", "return 1/expected_marginal_value",
       ["krusell_smith.euler"]),
    _m("gen-beta-kl-sign", "sign", "numerics/generated/beta_kl_py.py",
       "+ math.lgamma(a2) - math.lgamma(b1)", "- math.lgamma(a2) - math.lgamma(b1)",
       ["kl.closed_form"]),
    # ---------------------------------------------------------------- derivations (regenerated)
    _m("der-be-allocation-gamma", "exponent", "derivations/blume_easley.py",
       "weight.subs(gamma_sym, g),", "weight.subs(gamma_sym, 1),",
       ["blume_easley.planner_numeric"], regenerate=True,
       note="z_i = log(lambda pi) without 1/gamma: wrong only when gamma != 1"),
    _m("der-be-posterior-without-prior", "dropped factor", "derivations/blume_easley.py",
       '"mixture_posterior": ((w, rho, mix), posterior),',
       '"mixture_posterior": ((w, rho, mix), rho / mix),',
       ["blume_easley.posteriors_bayes"], regenerate=True),
    _m("der-be-price-timing", "off-by-one timing", "derivations/blume_easley.py",
       "{t: date, sp.log(delta): log_discount, Y: aggregate, gamma_sym: g}",
       "{t: date + 1, sp.log(delta): log_discount, Y: aggregate, gamma_sym: g}",
       ["blume_easley.planner_numeric"], regenerate=True),
    _m("der-capacity-demand", "dropped factor", "derivations/capacity.py",
       "price = e / f - total_output / (m * f)", "price = e / f - total_output / m",
       ["bfe.primitives"], regenerate=True,
       note="the inverse demand differs from the source (Section 4.2)"),
    # (** 3 instead of ** 2 makes the FOC a cubic whose complex roots stop `foresight
    # generate` -- a mutant that never reaches verify; ** 1 keeps one real root.)
    _m("der-capacity-foc-exponent", "exponent", "derivations/capacity.py",
       "foc = beta * C / (1 + investment) ** 2 - cost",
       "foc = beta * C / (1 + investment) ** 1 - cost",
       ["bfe.bellman_and_consistency", "bfe.derived_policies"], regenerate=True),
    _m("der-capacity-boundary-swap", "swapped index", "derivations/capacity.py",
       "top = sp.simplify(gain.subs(w_up, w_stay))",
       "top = sp.simplify(gain.subs(w_down, w_stay))",
       ["bfe.bellman_and_consistency", "bfe.derived_policies"], regenerate=True,
       note="the top state's suppressed move taken as down instead of up"),
    _m("der-quality-weight-exponent", "exponent", "derivations/quality_ladder.py",
       "weight = (x + 1) ** theta1", "weight = (x + 1) ** (theta1 + 1)",
       ["bfe.bellman_and_consistency"], regenerate=True),
    _m("der-continuation-timing", "off-by-one timing", "derivations/continuation.py",
       "expected = zbar + lam ** k * (z_N - zbar)",
       "expected = zbar + lam ** (k + 1) * (z_N - zbar)",
       ["bfe.continuation_readings"], regenerate=True),
    # ---------------------------------------------------------------- numerics
    _m("num-be-general-kernel-prior", "dropped factor", "numerics/blume_easley/kernels.py",
       "        logpost[:] = agent_logprior", "        logpost[:] = 0.0",
       ["blume_easley.posteriors_bayes"], note="learners start from a flat (log 1) prior"),
    _m("num-be-two-agent-prior-swap", "swapped index", "numerics/blume_easley/kernels.py",
       "wa, wb = agent_prior[j0], agent_prior[j0 + 1]",
       "wa, wb = agent_prior[j0 + 1], agent_prior[j0]", ["blume_easley.posteriors_bayes"]),
    _m("num-be-split-share-branch", "swapped index", "numerics/blume_easley/split_kernels.py",
       "            first = gap[j] <= 0.0  # agent 0 has the larger weight",
       "            first = gap[j] >= 0.0  # agent 0 has the larger weight",
       ["blume_easley.fixed_beliefs_lecture"],
       note="the split route gives the larger share to the wrong agent"),
    _m("num-be-split-price-weight", "swapped index", "numerics/blume_easley/split_kernels.py",
       "                    larger[k] = z0 if gap <= 0.0 else z1",
       "                    larger[k] = z0",
       ["blume_easley.fixed_beliefs_lecture", "blume_easley.planner_numeric"],
       note="log sum exp z taken from agent 0's weight even when agent 1's is larger"),
    _m("num-be-small-share-branch", "swapped index", "numerics/blume_easley/split_route.py",
       "            shares[..., 0] = np.where(first_larger, big, small)",
       "            shares[..., 0] = np.where(first_larger, small, big)",
       ["blume_easley"], note="the one-block NumPy route gives agent 0 the other share"),
    _m("num-be-discount-sign", "sign", "numerics/blume_easley/simulation.py",
       "common = (float(economy.gamma), math.log(economy.discount),",
       "common = (float(economy.gamma), -math.log(economy.discount),",
       ["blume_easley.planner_numeric"]),
    _m("num-be-shared-streams", "swapped index", "numerics/blume_easley/sampling.py",
       "fill(path_rng(seed, b), out[lo:hi])", "fill(path_rng(seed, first_block), out[lo:hi])",
       ["montecarlo"], note="every block of paths draws the same stream"),
    _m("num-mc-batch-streams", "off-by-one index", "numerics/montecarlo.py",
       "rng = np.random.Generator(np.random.PCG64(seed.sequence(p)))",
       "rng = np.random.Generator(np.random.PCG64(seed.sequence(start)))", ["montecarlo"],
       note="every path of a batch draws the batch's first stream"),
    _m("num-budget-se-misscaled", "mis-scaled error", "numerics/budget.py",
       "se = per_history.std(axis=0, ddof=1) / math.sqrt(n_histories)",
       "se = per_history.std(axis=0, ddof=1) / n_histories ** 0.25",
       ["blume_easley.budgets_monte_carlo"], note="the CLT band becomes vacuous"),
    _m("num-event-tree-endowment-sign", "sign", "numerics/event_tree.py",
       "term = price * (c - (intercepts[i] + slopes[i] * s))",
       "term = price * (c - (intercepts[i] - slopes[i] * s))", ["blume_easley.negishi"]),
    _m("num-bfe-ladder-swap", "swapped index", "numerics/bfe/models.py",
       ("out[x, 0] = p_down", "out[x, 2] = p_up"), ("out[x, 0] = p_up", "out[x, 2] = p_down"),
       ["bfe.primitives"]),
    _m("num-bfe-engine-tolerance", "loosened tolerance", "numerics/bfe/engine.py",
       "damping: float = 1.0, tol: float = 1e-10,", "damping: float = 1.0, tol: float = 1e-3,",
       ["bfe.bellman_and_consistency"]),
    _m("num-bfe-stationary-tolerance", "loosened tolerance", "numerics/bfe/engine.py",
       "def stationary_equilibrium(model, tol: float = 1e-12)",
       "def stationary_equilibrium(model, tol: float = 1e-4)", ["bfe.stationary_at_n0"]),
    _m("num-mixture-weight-dropped", "dropped factor", "numerics/distributions.py",
       "logs[j] = math.log(weights[j]) + beta_log_density(x, a[j], b[j])",
       "logs[j] = beta_log_density(x, a[j], b[j])", ["kl."]),
    _m("num-ks-euler-interest", "dropped factor", "numerics/krusell_smith/household.py",
       "mu = R * marginal_utility(c, gamma)", "mu = marginal_utility(c, gamma)",
       ["krusell_smith.euler"]),
    _m("num-ks-euler-interest-log", "dropped factor", "numerics/krusell_smith/household.py",
       "mu = R * marginal_utility_log(c)", "mu = marginal_utility_log(c)",
       ["krusell_smith.euler"]),
    _m("num-bfe-ks-marginal-value-interest", "dropped factor", "numerics/bfe/krusell_smith.py",
       "va[k, e, i] = R * _mu(c, gamma, log_utility)", "va[k, e, i] = _mu(c, gamma, log_utility)",
       ["bfe_krusell_smith"]),
    _m("num-bfe-ks-income-index", "swapped index", "numerics/bfe/krusell_smith.py",
       "income = w * ell * e\n", "income = w * ell * (1 - e)\n", ["bfe_krusell_smith"]),
    _m("num-ks-alm-timing", "off-by-one timing", "numerics/krusell_smith/alm.py",
       "Rn = interest_factor(z_values[zn], k_next, labour[zn], alpha, delta)",
       "Rn = interest_factor(z_values[z], k_next, labour[z], alpha, delta)",
       ["krusell_smith.euler"]),
]


@dataclass
class Outcome:
    id: str
    kind: str
    path: str
    caught: bool
    status: str  # "caught", "survived", "invalid" (edit did not apply / generate failed)
    failed_checks: list = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""
    detail: str = ""


def _copy_tree(dest: Path) -> Path:
    pkg = dest / "pkg"
    for target, src in LAYOUT.items():
        skip = ["__pycache__", "*.nbi", "*.nbc"]
        if target == "foresight":  # only the top-level modules of foresight/
            skip += ["derivations", "numerics", "verify", "reports"]
        shutil.copytree(ROOT / src, pkg / target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(*skip))
    return pkg


def _env(tmp: Path, pkg: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(pkg)
    env["NUMBA_CACHE_DIR"] = str(tmp / "numba_cache")
    env["FORESIGHT_PROGRESS"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _verify(pkg: Path, env: dict, select: str, timeout: float) -> tuple[int, list, str]:
    cmd = [sys.executable, "-m", "foresight", "verify", "--json", "--select", select]
    try:
        proc = subprocess.run(cmd, cwd=pkg, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, [], f"timeout after {timeout:.0f} s"
    try:
        records = json.loads(proc.stdout) if proc.stdout.strip() else []
    except json.JSONDecodeError:
        records = []
    return proc.returncode, records, proc.stderr[-2000:]


def run_mutant(m: Mutant | None, selects, timeout: float) -> Outcome:
    """Apply `m` (None: baseline) in a temporary copy and run verify on `selects`."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="foresight-mutant-") as d:
        tmp = Path(d)
        pkg = _copy_tree(tmp)
        env = _env(tmp, pkg)
        mid = m.id if m else "baseline"
        if m is not None:
            target = pkg / "foresight" / m.path
            text = target.read_text()
            for old, new in m.edits:
                if text.count(old) != 1:
                    return Outcome(mid, m.kind, m.path, False, "invalid",
                                   detail=f"{old!r} occurs {text.count(old)} times")
                text = text.replace(old, new)
            target.write_text(text)
            if m.regenerate:
                proc = subprocess.run([sys.executable, "-m", "foresight", "generate"], cwd=pkg,
                                      env=env, capture_output=True, text=True, timeout=timeout)
                if proc.returncode != 0:
                    return Outcome(mid, m.kind, m.path, False, "invalid",
                                   seconds=time.perf_counter() - t0,
                                   detail="generate failed: " + proc.stderr[-400:])
        failed, crashed = [], []
        for select in selects:
            rc, records, err = _verify(pkg, env, select, timeout)
            bad = [r["name"] for r in records if not r.get("passed")]
            failed += bad
            if rc not in (0, 1) or (rc == 1 and not bad):
                crashed.append(f"{select}: rc {rc}: {err.strip().splitlines()[-1:] or ''}")
            elif not records:
                crashed.append(f"{select}: no records")
        caught = bool(failed)
        status = "caught" if caught else ("crashed" if crashed else "survived")
        return Outcome(mid, m.kind if m else "-", m.path if m else "-", caught, status,
                       failed_checks=failed, seconds=time.perf_counter() - t0,
                       note=m.note if m else "", detail="; ".join(crashed))


def _write(path: Path, records: dict) -> dict:
    """Write the records and their summary to `path`; return the summary."""
    rows = list(records.values())
    valid = [r for r in rows if r["status"] != "invalid"]
    caught = sum(bool(r["caught"]) for r in valid)
    summary = {"caught": caught, "valid": len(valid), "total": len(rows),
               "score": caught / len(valid) if valid else None,
               "survivors": [r["id"] for r in valid if not r["caught"]],
               "invalid": [r["id"] for r in rows if r["status"] == "invalid"]}
    path.write_text(json.dumps({"summary": summary, "mutants": rows}, indent=2))
    return summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", help="run mutants whose id starts with this text")
    p.add_argument("--ids", help="comma-separated mutant ids to run (default: all)")
    p.add_argument("--list", action="store_true")
    p.add_argument("--timeout", type=float, default=1200.0, help="seconds per verify call")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" /
                                        "mutation_verify.json"))
    args = p.parse_args(argv)
    ids = set(args.ids.split(",")) if args.ids else None
    mutants = [m for m in MUTANTS if (not args.only or m.id.startswith(args.only))
               and (ids is None or m.id in ids)]
    # The Krusell-Smith families solve the ALM from scratch (minutes each): run them last,
    # so an interrupted run has scored the cheap mutants.
    mutants.sort(key=lambda m: any(s.startswith("krusell_smith") for s in m.select))
    for m in mutants:  # every edit must apply to the current tree exactly once
        text = (ROOT / m.path).read_text()
        for old, _ in m.edits:
            if text.count(old) != 1:
                print(f"{m.id}: {old!r} occurs {text.count(old)} times in {m.path}",
                      file=sys.stderr)
    if args.list:
        for m in mutants:
            print(f"{m.id:36s} {m.kind:20s} {m.path:40s} {', '.join(m.select)}")
        return 0
    results = []
    if not args.no_baseline:
        selects = sorted({s for m in mutants for s in m.select})
        base = run_mutant(None, selects, args.timeout)
        print(f"baseline ({', '.join(selects)}): {base.status}, {base.seconds:.0f} s "
              f"{base.failed_checks} {base.detail}", flush=True)
        if base.caught or base.status == "crashed":
            print("baseline fails: fix verify first", file=sys.stderr)
            return 2
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    existing = {}
    if (args.only or args.ids) and out_path.exists():
        existing = {r["id"]: r for r in json.loads(out_path.read_text())["mutants"]}
    for m in mutants:
        out = run_mutant(m, m.select, args.timeout)
        results.append(out)
        shown = ", ".join(out.failed_checks[:3]) + (" ..." if len(out.failed_checks) > 3 else "")
        print(f"{out.status:8s} {m.id:36s} {out.seconds:6.0f} s  {shown or out.detail}",
              flush=True)
        existing[out.id] = asdict(out)
        _write(out_path, existing)  # after every mutant: an interrupted run keeps its scores
    summary = _write(out_path, existing)
    print(f"\nmutation score (verify alone, every mutant in {out_path.name}): "
          f"{summary['caught']}/{summary['valid']}"
          + (f" = {summary['score']:.0%}" if summary["valid"] else ""))
    if summary["survivors"]:
        print("survivors: " + ", ".join(summary["survivors"]))
    if summary["invalid"]:
        print("invalid (not applied / generate failed): " + ", ".join(summary["invalid"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Code answers: run a student's simulation in the sandbox and check it against theory.

The checker draws nature's sequences itself, calls the student's function once
per scenario in the sandbox (:mod:`foresight.verify.sandbox`) and compares, on
the *same* draws, the posteriors with Bayes' law, the shares with the derived
allocation rule and the long-run shares with the derived almost-sure limits
(:mod:`foresight.verify.exercise_theory`).  The scenarios
(:data:`CODE_SCENARIOS`) are chosen so that what a correct solution must
distinguish is distinguished: Pareto weights other than 1/2 (a solution that
swaps the agents' weights or ignores lambda fails), asymmetric priors, both
natures and several horizons.
"""

from __future__ import annotations

from dataclasses import dataclass

from foresight.verify.exercise_questions import (
    CALLING_CONVENTIONS,
    EXERCISES,
    Verdict,
    lecture_models,
)
from foresight.verify.exercise_theory import learning_theory, long_run_bound, share_rule

__all__ = ["check_code", "CodeScenario", "CODE_SCENARIOS", "CALLING_CONVENTIONS"]

_ARG_NAMES = {
    "learning2": ("sequences", "f_belief", "g_belief", "π_0_1", "π_0_2", "λ"),
    "learning3": ("sequences", "f_func", "g_func", "h_func", "π_f_0_1", "π_g_0_1", "π_f_0_2",
                  "π_g_0_2", "λ"),
}


_POSTERIOR_KEYS = {
    "learning2": (("pi_1", "0"), ("pi_2", "1")),  # (key, tuple position); model f only
    "learning3": (("pi_f_1", "0"), ("pi_g_1", "1"), ("pi_h_1", "2"), ("pi_f_2", "3"),
                  ("pi_g_2", "4"), ("pi_h_2", "5")),
}


_SHARE_KEY = {"learning2": ("c1_share", "2"), "learning3": ("c1_share", "6")}


# Paths per scenario (full, quick).  The long-run check compares the median of
# N paths; N >= 32 makes a false alarm of its bound less likely than 1e-6.
_PATHS = (64, 32)


# The long-run value check is used only when its bound is this tight;
# otherwise the survivor (KL ordering) check is used.
_INFORMATIVE = 0.05


@dataclass(frozen=True)
class CodeScenario:
    """One run of a student's simulation: nature, priors, horizon.

    ``priors`` holds each agent's prior over the exercise's models (in the
    order f, g[, h]); ``periods`` is T for a full check and a quick one.
    """

    nature: str
    priors: tuple
    periods: tuple
    lam: float = 0.5

    def label(self) -> str:
        if len(self.priors[0]) == 2:
            return (f"nature {self.nature}, priors on f ({self.priors[0][0]:g}, "
                    f"{self.priors[1][0]:g}), λ = {self.lam:g}")
        pri = "; ".join("(" + ", ".join(f"{w:.3g}" for w in p) + ")" for p in self.priors)
        return f"nature {self.nature}, priors on (f, g, h) {pri}, λ = {self.lam:g}"


def _two(p1, p2):
    return ((p1, 1 - p1), (p2, 1 - p2))


def _three(pf):
    # Exercise 23.4: agent 1 splits its prior between f and g; agent 2 is uniform.
    return ((pf, 1 - pf, 0.0), (1 / 3, 1 / 3, 1 / 3))


_RIGID = ((0.005, 0.005, 0.99), (0.0, 0.0, 1.0))  # exercise 23.5, epsilon = 0.01

#: The scenarios of each code check: (nature, priors, lambda, (T full, T quick)).
#: Pareto weights other than 1/2 and asymmetric priors make a solution that swaps
#: the agents' weights or ignores lambda fail; both natures and several horizons
#: appear in the full and in the quick check (which runs every third scenario).
#: T keeps the lecture's running products finite (|log L_t| < ~700) and makes the
#: long-run bound tight (T KL >> 3 sigma sqrt(T)).
CODE_SCENARIOS = {
    "23.2": (
        CodeScenario("f", _two(0.3, 0.7), (200, 120), 0.3),
        CodeScenario("g", _two(0.7, 0.3), (240, 150), 0.5),
        CodeScenario("f", _two(0.1, 0.9), (200, 120), 0.8),
        CodeScenario("g", _two(0.1, 0.9), (240, 150), 0.25),
        CodeScenario("f", _two(0.7, 0.3), (200, 120), 0.6),
        CodeScenario("g", _two(0.3, 0.7), (200, 120), 0.5),
    ),
    "23.3": (
        CodeScenario("f", _two(0.3, 0.7), (60, 40), 0.3),
        CodeScenario("g", _two(0.7, 0.3), (80, 50), 0.5),
        CodeScenario("f", _two(0.1, 0.9), (60, 40), 0.8),
        CodeScenario("g", _two(0.1, 0.9), (80, 50), 0.25),
        CodeScenario("f", _two(0.7, 0.3), (60, 40), 0.6),
        CodeScenario("g", _two(0.3, 0.7), (60, 40), 0.5),
    ),
    "23.4": (
        CodeScenario("f", _three(0.5), (400, 250), 0.3),
        CodeScenario("g", _three(0.3), (500, 300), 0.7),
        CodeScenario("f", _three(0.8), (400, 250), 0.5),
        CodeScenario("g", _three(0.5), (450, 280), 0.4),
    ),
    "23.5": (
        CodeScenario("f", _RIGID, (1200, 1000), 0.3),
        CodeScenario("g", _RIGID, (300, 200), 0.7),
        CodeScenario("f", _RIGID, (1000, 800), 0.5),
        CodeScenario("g", _RIGID, (400, 250), 0.4),
    ),
}


def _density_spec(dist) -> dict:
    weights, a, b = dist.components_arrays()
    if len(weights) == 1:
        return {"beta": [float(a[0]), float(b[0])]}
    return {"mixture": {"weights": [float(w) for w in weights],
                        "betas": [[float(x), float(y)] for x, y in zip(a, b, strict=True)]}}


def _call(convention: str, array: str, models: dict, scenario: CodeScenario) -> dict:
    dens = [_density_spec(models[k]) for k in ("f", "g", "h") if k in models]
    if convention == "learning2":
        scalars = [scenario.priors[0][0], scenario.priors[1][0], scenario.lam]
    else:
        (f1, g1, _), (f2, g2, _) = scenario.priors
        scalars = [f1, g1, f2, g2, scenario.lam]
    args = [{"array": array}, *dens, *({"value": float(v)} for v in scalars)]
    return {"args": args, "names": list(_ARG_NAMES[convention])}


def _draws(models: dict, scenario: CodeScenario, n_paths: int, n_periods: int,
           seed: int, index: int):
    """Nature's draws, one SeedSequence child per scenario (reproducible)."""
    import numpy as np

    ss = np.random.SeedSequence([seed, index])
    rng = np.random.default_rng(ss)
    weights, a, b = models[scenario.nature].components_arrays()
    if len(weights) == 1:
        return rng.beta(a[0], b[0], size=(n_paths, n_periods))
    pick = rng.choice(len(weights), p=weights, size=(n_paths, n_periods))
    return rng.beta(np.asarray(a)[pick], np.asarray(b)[pick])


def _long_run_bound(eid: str, scenario: CodeScenario, n_periods: int):
    models = lecture_models(eid)
    dists = tuple(models[k] for k in ("f", "g", "h") if k in models)
    return long_run_bound(dists, tuple(tuple(p) for p in scenario.priors), scenario.lam, 1.0,
                          models[scenario.nature], n_periods)


def _read(result: dict, convention: str, n: int, t: int):
    """Pull posteriors and shares out of a solution's output; raise ValueError if unusable."""
    import numpy as np

    def get(key, pos):
        for k in (key, pos):
            if k in result:
                return result[k]
        shown = ", ".join(sorted(result)) or "none"
        raise ValueError(f"the output has no {key!r} (keys returned: {shown})")

    def shaped(name, a, allow_nan_first=False):
        a = np.asarray(a, dtype=float)
        if a.shape != (n, t):
            raise ValueError(f"{name!r} has shape {a.shape}; expected (N, T) = ({n}, {t}), "
                             "one row per path of `sequences`")
        body = a[:, 1:] if allow_nan_first else a
        bad = ~np.isfinite(body)
        if bad.any():
            p, q = np.argwhere(bad)[0]
            q = q + 1 if allow_nan_first else q
            raise ValueError(f"{name!r} is {a[p, q]} at path {p}, t = {q} (NaN or infinite "
                             f"values in {int(bad.sum())} entries)")
        return a

    posteriors = [shaped(key, get(key, pos)) for key, pos in _POSTERIOR_KEYS[convention]]
    shares = shaped("c1_share", get(*_SHARE_KEY[convention]), allow_nan_first=True)
    return posteriors, shares


def _round_off_tol(n_periods: int) -> tuple[float, str]:
    eps = 2.220446049250313e-16
    atol = 1e-12 + 64 * n_periods * eps
    return atol, (f"float64 running products over T = {n_periods} draws: relative error "
                  f"<= 16 T eps in l_t and L_t, times <= 1/4 sensitivity, x 16 margin")


def _code_checks(eid: str, scenario: CodeScenario, k: int, states, output: dict,
                 models: dict, convention: str):
    """CheckResults of one scenario; ValueError when the output is unusable."""
    import numpy as np

    from foresight.verify.check import compare_close, compare_equal

    n, t = states.shape
    names = [m for m in ("f", "g", "h") if m in models]
    dists = [models[m] for m in names]
    posteriors, shares = _read(output, convention, n, t)
    theory = learning_theory(states, dists, scenario.priors)
    atol, basis = _round_off_tol(t)
    label = scenario.label()
    checks = []
    expected_post = []
    if convention == "learning2":
        expected_post = [theory.posteriors[0, 0], theory.posteriors[1, 0]]
        post_names = ["agent 1 on f", "agent 2 on f"]
    else:
        expected_post = [theory.posteriors[i, m] for i in range(2) for m in range(3)]
        post_names = [f"agent {i + 1} on {m}" for i in range(2) for m in names]
    worst = None
    for name, exp, obs in zip(post_names, expected_post, posteriors, strict=True):
        r = compare_close(
            f"{eid}.posterior[{label}; {name}]",
            "posterior = prior x likelihood / evidence (Bayes' law on the same draws, SciPy "
            "densities)", exp, obs, atol=atol, basis=basis,
            details={"scenario": label, "paths": n, "periods": t})
        if worst is None or (not r.passed and worst.passed):
            worst = r
    checks.append(worst)
    expected_share = share_rule(theory.log_l[:, 1:], scenario.lam)
    share_check = compare_close(
        f"{eid}.shares_vs_allocation_rule[{label}]",
        "c^1_t = lambda l_t / (1 - lambda + lambda l_t), l_t = ratio of the agents' joint "
        "densities of s_1..s_t (derived rule; Bayes on the same draws)",
        expected_share, shares[:, 1:], atol=atol, basis=basis,
        details={"scenario": label})
    if not share_check.passed:
        diff = np.abs(shares[:, 1:] - expected_share)
        p, q = np.unravel_index(int(np.argmax(diff)), diff.shape)
        late = share_rule(theory.log_l_updated_first[:, 1:], scenario.lam)
        timing = bool(np.max(np.abs(shares[:, 1:] - late)) <= atol)
        # Two more classic slips, recognised to say what went wrong: agent 2's
        # weight given to agent 1, and a weight of 1/2 whatever lambda is.
        swapped = share_rule(theory.log_l[:, 1:], 1 - scenario.lam)
        halves = share_rule(theory.log_l[:, 1:], 0.5)
        swap = scenario.lam != 0.5 and bool(np.max(np.abs(shares[:, 1:] - swapped)) <= atol)
        ignored = scenario.lam != 0.5 and bool(np.max(np.abs(shares[:, 1:] - halves)) <= atol)
        share_check = type(share_check)(**{
            **share_check.__dict__,
            "details": {**share_check.details, "worst_path": int(p), "worst_t": int(q + 1),
                        "yours": float(shares[p, q + 1]), "rule": float(expected_share[p, q]),
                        "updated_before_pricing": timing, "weights_swapped": swap,
                        "lambda_ignored": ignored}})
    checks.append(share_check)
    limit, bound, lbasis, reason, kl = _long_run_bound(eid, scenario, t)
    final = shares[:, -1]
    if limit is not None and bound < _INFORMATIVE:
        checks.append(compare_close(
            f"{eid}.long_run_share[{label}]",
            f"c^1_T -> {limit:.6g} almost surely ({reason})", limit, float(np.median(final)),
            atol=bound, basis=lbasis, details={"scenario": label, "paths": n, "T": t}))
    else:
        best = [min(row[m] for m in range(len(dists)) if p[m] > 0)
                for row, p in zip(kl, scenario.priors, strict=True)]
        expected = 1 if best[0] < best[1] else 2
        observed = 1 if float(np.median(final)) > 0.5 else 2
        checks.append(compare_equal(
            f"{eid}.survivor_vs_kl[{label}]",
            "the agent whose models come closer to nature in KL survives (share -> 1)",
            expected, observed,
            basis=f"min KL(nature || model) over each agent's support: {best[0]:.4g} vs "
                  f"{best[1]:.4g}; median final share {float(np.median(final)):.4g} at T = {t}",
            details={"scenario": label}))
    return checks


def _failure_line(r) -> str:
    d = r.details
    if ".shares_vs_allocation_rule" in r.name and "worst_path" in d:
        return (f"FAIL {r.name}: at path {d['worst_path']}, t = {d['worst_t']} your share "
                f"{d['yours']:.6g}, the allocation rule gives {d['rule']:.6g} "
                f"(tolerance {r.tolerance:.2g})")
    if ".long_run_share" in r.name:
        why = r.statement.split("(", 1)[-1].rstrip(")").split(":")[0]
        return (f"FAIL {r.name}: expected the almost-sure limit {r.expected:.6g} "
                f"({why}); saw median final share "
                f"{r.observed:.6g} over {d.get('paths')} paths at T = {d.get('T')} "
                f"(tolerance {r.tolerance:.2g})")
    if ".survivor_vs_kl" in r.name:
        return (f"FAIL {r.name}: theory says agent {r.expected} survives, your simulation "
                f"says agent {r.observed} ({r.basis})")
    return (f"FAIL {r.name}: expected {r.expected}, observed {r.observed}, error "
            f"{r.error:.3g} > tolerance {r.tolerance:.3g}")


def check_code(exercise: str, target: str, *, seed: int = 12345, timeout: float = 60.0,
               quick: bool = False, limits=None, isolation: str = "namespaces") -> Verdict:
    """Run ``path.py:function`` in the sandbox and check it against the theory.

    The checker draws the sequences, calls the function once per scenario
    (natures f and g, the lecture's priors) in an isolated subprocess
    (:mod:`foresight.verify.sandbox`), and compares on the *same* draws:

    * posteriors with Bayes' law (SciPy densities, log space);
    * shares with the derived allocation rule at the agents' likelihood ratio;
    * long-run shares with the derived almost-sure limits
      (:func:`foresight.derivations.learning.learning_limits`), or, where the
      horizon is too short for a tight bound, the survivor with the KL ordering.

    Parameters
    ----------
    exercise : str
        ``"23.2"``, ``"23.3"``, ``"23.4"`` or ``"23.5"``.
    target : str
        ``"path/to/solution.py:function"`` (see :data:`CALLING_CONVENTIONS`).
    seed : int
        Seed of the draws (the same draws feed the solution and the theory).
    timeout : float
        Wall-clock limit of the solution (seconds, all scenarios together).
    quick : bool
        Fewer and shorter paths.
    limits : foresight.verify.sandbox.Limits, optional
        Memory/CPU/output limits of the child (``timeout`` overrides its own).
    isolation : {"namespaces", "process", "auto"}
        How the code is isolated (:func:`foresight.verify.sandbox.run_function`):
        ``"namespaces"`` (bubblewrap; without it the check is refused as
        ``"unusable"``), ``"process"`` (resource limits only, with a warning in
        the message) or ``"auto"``.

    Returns
    -------
    Verdict
        ``"accepted"``; ``"rejected"`` (failed checks with expected and observed,
        or a solution that raised, hung, or returned unusable output); or
        ``"unusable"`` (no such file or function, wrong signature): the first
        line of ``message`` is the verdict.
    """
    import numpy as np

    from foresight.verify import sandbox

    eid = str(exercise).strip()
    if eid not in EXERCISES or not EXERCISES[eid].code:
        coded = [e for e, ex in EXERCISES.items() if ex.code]
        return Verdict("unusable", eid, f"UNUSABLE: exercise {eid!r} has no code check "
                       f"(code checks: {', '.join(coded)})")
    convention = EXERCISES[eid].code
    try:
        sandbox.parse_target(target)
        sandbox.resolve_isolation(isolation)
    except sandbox.SandboxError as exc:
        return Verdict("unusable", eid, f"UNUSABLE ({eid}): {exc}", seed=seed)
    models = lecture_models(eid)
    scenarios = CODE_SCENARIOS[eid]
    if quick:
        scenarios = scenarios[::3]
    n_paths = _PATHS[1] if quick else _PATHS[0]
    arrays, calls = {}, []
    for k, sc in enumerate(scenarios):
        t = sc.periods[1] if quick else sc.periods[0]
        arrays[f"s{k}"] = _draws(models, sc, n_paths, t, seed, k)
        calls.append(_call(convention, f"s{k}", models, sc))
    limits = limits or sandbox.Limits()
    limits = sandbox.Limits(timeout, max(int(timeout) + 1, 1), limits.memory_mb, limits.output_mb)
    run = sandbox.run_function(target, calls, arrays, limits=limits, isolation=isolation)
    note = f"\n  {run.warning}" if run.warning else ""
    if not run.ok:
        if run.kind in ("load", "signature"):
            return Verdict("unusable", eid, f"UNUSABLE ({eid}): {run.error}", seed=seed)
        return Verdict("rejected", eid, f"REJECTED ({eid}): the solution did not return a "
                       f"usable result: {run.error}" + note, seed=seed)
    checks = []
    for k, sc in enumerate(scenarios):
        try:
            checks.extend(_code_checks(eid, sc, k, arrays[f"s{k}"], run.results[k], models,
                                       convention))
        except ValueError as exc:
            return Verdict("rejected", eid, f"REJECTED ({eid}): unusable output for "
                           f"{sc.label()}: {exc}" + note, seed=seed)
    failed = [r for r in checks if not r.passed]
    n_paths_t = ", ".join(sorted({f"T = {arrays[f's{k}'].shape[1]}"
                                  for k in range(len(scenarios))}))
    if not failed:
        kinds = ["posteriors = Bayes' law", "shares = allocation rule"]
        if any(".long_run_share[" in r.name for r in checks):
            kinds.append("long-run shares = derived limits")
        if any(".survivor_vs_kl[" in r.name for r in checks):
            kinds.append("survivor = KL ordering")
        return Verdict("accepted", eid,
                       f"ACCEPTED ({eid}): {len(checks)} checks passed on {len(scenarios)} "
                       f"scenarios ({n_paths} paths, {n_paths_t}; seed {seed}): "
                       f"{', '.join(kinds)} (ran in {run.seconds:.1f} s, isolation: "
                       f"{run.isolation}).{note}", checks=checks, seed=seed)
    lines = [f"REJECTED ({eid}): {len(failed)} of {len(checks)} checks failed "
             f"({n_paths} paths, {n_paths_t}, seed {seed})."]
    lines += ["  " + _failure_line(r) for r in failed[:6]]
    if len(failed) > 6:
        lines.append(f"  ... and {len(failed) - 6} more")
    if any(r.details.get("updated_before_pricing") for r in failed):
        lines.append("  diagnosis: your shares are exactly what the allocation rule gives when "
                     "each agent's density of s_t uses beliefs already updated with s_t. "
                     "Price s_t with the posterior from s_1..s_{t-1}, then update.")
    if any(r.details.get("weights_swapped") for r in failed):
        lines.append("  diagnosis: your shares are what the allocation rule gives with the "
                     "agents' Pareto weights swapped: agent 1's weight is λ, agent 2's 1 - λ.")
    if any(r.details.get("lambda_ignored") for r in failed):
        lines.append("  diagnosis: your shares are what the allocation rule gives with λ = 1/2: "
                     "use the Pareto weight λ you are given.")
    passed_post = all(r.passed for r in checks if ".posterior[" in r.name)
    if passed_post and any(".posterior[" in r.name for r in checks):
        lines.append("  (your posteriors agree with Bayes' law)")
    _ = np
    return Verdict("rejected", eid, "\n".join(lines) + note, checks=checks, seed=seed)

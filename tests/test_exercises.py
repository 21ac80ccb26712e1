"""Exercise checker: symbolic verdicts with counter-examples, code checks, the CLI."""

import json
from pathlib import Path

import pytest
import sympy as sp

from foresight.derivations.answer_parser import parse_answer
from foresight.reports.cli import main
from foresight.verify import exercises as ex
from foresight.verify.exercises import (
    QUESTIONS,
    check_answer,
    check_code,
    exercise_statements,
    show_solution,
)
from foresight.verify.sandbox import isolation_available

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
SOL2 = f"{EXAMPLES / 'exercise_23_2_solution.py'}:simulate_learning_blume_easley"
BUG2 = f"{EXAMPLES / 'exercise_23_2_wrong_timing.py'}:simulate_learning_blume_easley"
SOL4 = f"{EXAMPLES / 'exercise_23_4_solution.py'}:simulate_three_model_allocation"
BUG4 = f"{EXAMPLES / 'exercise_23_4_wrong_timing.py'}:simulate_three_model_allocation"

# The grading logic is the same under both isolations; the escapes that need
# namespaces are tested (and skipped without bubblewrap) in test_sandbox.py.
ISOLATION = "namespaces" if isolation_available()[0] else "process"

@pytest.mark.parametrize("qid, good, bad", ex.SAMPLE_ANSWERS)
def test_one_accepted_one_rejected_per_exercise(qid, good, bad):
    assert check_answer(qid, good).accepted
    v = check_answer(qid, bad)
    assert v.status == "rejected" and v.exit_code == 1
    assert v.message.startswith("REJECTED")


def test_samples_cover_every_exercise():
    assert {q.rsplit(".", 1)[0] for q, _, _ in ex.SAMPLE_ANSWERS} == set(ex.EXERCISES)


def test_counter_example_values_are_the_real_values():
    v = check_answer("23.1.allocation", "lambda*l/(1+lambda*l)")
    point = v.counterexample["point"]
    assert set(point) == {"λ", "l_t"}
    q = QUESTIONS["23.1.allocation"]
    values = {s.symbol: sp.Rational(point[s.label]) for s in q.symbols if s.label in point}
    yours = parse_answer("lambda*l/(1+lambda*l)", q.table).xreplace(values)
    derived = q.reference_expr().xreplace(values)
    assert yours != derived
    assert float(v.counterexample["yours"]) == pytest.approx(float(yours), rel=1e-11)
    assert float(v.counterexample["derived"]) == pytest.approx(float(derived), rel=1e-11)
    assert "your answer" in v.message and "derived result" in v.message


def test_prices_up_to_a_positive_factor_and_why():
    v = check_answer("23.1.price", r"7\delta^t(\lambda\pi^1_t(s^t)+(1-\lambda)\pi^2_t(s^t))")
    assert v.status == "accepted_up_to_factor" and v.exit_code == 0
    assert "does not depend on the date or the history" in v.message
    assert check_answer("23.1.price", "delta^t*(lambda*pi1+(1-lambda)*pi2)/(lambda*(1-lambda))"
                        ).status == "accepted"
    # a factor that moves with the date is not free
    v = check_answer("23.1.price", "(lambda pi1 + (1 - lambda) pi2)")
    assert v.status == "rejected" and "ratio" in v.message and "t = " in v.message
    assert check_answer("23.1.price", "-delta^t pi1 - delta^t pi2").status == "rejected"


def test_price_in_terms_of_the_likelihood_ratio():
    v = check_answer("23.1.price", "delta^t pi2 (lambda l_t + 1 - lambda)")
    assert v.status == "accepted_up_to_factor"


@pytest.mark.parametrize("qid, text, words", [
    ("23.1", "", "empty answer"),
    ("23.1", "   ", "empty answer"),
    ("23.1", "lamda*l", "did you mean λ?"),
    ("23.1", "lambda*l +", "at position"),
    ("23.1", "os.system('rm -rf /')", "unexpected character"),
    ("23.9", "lambda", "did you mean '23.5'?"),
])
def test_bad_answers_are_unusable_one_line(qid, text, words):
    v = check_answer(qid, text)
    assert v.status == "unusable" and v.exit_code == 2
    assert words in v.message and "\n" not in v.message


def test_solutions_in_text_and_latex_and_statements():
    text = show_solution("23.1")
    assert "l*lambda/(l*lambda - lambda + 1)" in text and "positive factor" in text
    latex = show_solution("23.1", latex=True)
    assert r"\frac{l \lambda}{l \lambda - \lambda + 1}" in latex
    assert "simulate_learning_blume_easley" in show_solution("23.2")
    own = [s for s in exercise_statements() if s["id"].startswith("F.")]
    assert len(own) >= 3


def test_round_trip_case_passes_and_can_fail(monkeypatch):
    results = ex.reference_answers_round_trip()
    assert results and all(r.passed for r in results)
    from foresight.verify import exercise_symbolic

    broken = exercise_symbolic.parse_answer

    def drop_lambda(text, table):  # a parser that loses a symbol
        return broken(text, table).subs(sp.Symbol("lambda", positive=True), 1)

    # the judging child is a fork: it sees the patched parser
    monkeypatch.setattr(exercise_symbolic, "parse_answer", drop_lambda)
    failed = [r for r in ex.reference_answers_round_trip() if not r.passed]
    assert any("23.1.allocation.accepts_derived" in r.name for r in failed)


# -------------------------------------------------------------------- code answers


@pytest.fixture(scope="module")
def verdicts():
    """Each code check runs once (sandbox subprocesses are slow)."""
    return {
        "23.2 good": check_code("23.2", SOL2, quick=True, isolation=ISOLATION),
        "23.2 bug": check_code("23.2", BUG2, quick=True, isolation=ISOLATION),
        "23.3 good": check_code("23.3", SOL2, quick=True, isolation=ISOLATION),
        "23.4 good": check_code("23.4", SOL4, quick=True, isolation=ISOLATION),
        "23.4 bug": check_code("23.4", BUG4, quick=True, isolation=ISOLATION),
        "23.5 good": check_code("23.5", SOL4, quick=True, isolation=ISOLATION),
    }


@pytest.mark.parametrize("key", ["23.2 good", "23.3 good", "23.4 good", "23.5 good"])
def test_reference_solutions_are_accepted(verdicts, key):
    v = verdicts[key]
    assert v.status == "accepted", v.message
    assert all(r.passed for r in v.checks) and len(v.checks) >= 6


def _first_limit(eid):
    from foresight.verify import exercise_code

    sc = ex.CODE_SCENARIOS[eid][0]
    return exercise_code._long_run_bound(eid, sc, sc.periods[1])[0]


@pytest.mark.parametrize("key", ["23.2 bug", "23.4 bug"])
def test_wrong_timing_is_caught_with_the_limit_expected_and_seen(verdicts, key):
    v = verdicts[key]
    assert v.status == "rejected" and v.exit_code == 1
    assert f"expected the almost-sure limit {_first_limit(key[:4]):.6g}" in v.message
    assert "saw median final share" in v.message
    assert "beliefs already updated with s_t" in v.message  # the diagnosis
    assert "your posteriors agree with Bayes' law" in v.message
    failed = {r.name.split("[")[0] for r in v.checks if not r.passed}
    assert failed == {f"{key[:4]}.shares_vs_allocation_rule", f"{key[:4]}.long_run_share"}


def test_code_scenarios_distinguish_weights_priors_natures_horizons():
    for eid, scenarios in ex.CODE_SCENARIOS.items():
        for chosen in (scenarios, scenarios[::3]):  # full and quick checks
            assert any(sc.lam != 0.5 for sc in chosen), eid
            assert {sc.nature for sc in chosen} == {"f", "g"}, eid
            assert any(sc.priors[0] != sc.priors[1] for sc in chosen), eid
            assert len({sc.periods for sc in chosen}) > 1 or len(chosen) == 1, eid


BAD_CODE = '''
import numpy as np

def wrong_signature(sequences, f):
    return {}

def raises(sequences, f, g, p1, p2, lam):
    raise ValueError("no idea")

def hangs(sequences, f, g, p1, p2, lam):
    while True:
        pass

def nan(sequences, f, g, p1, p2, lam):
    x = np.full(sequences.shape, np.nan)
    return {"π_1": x, "π_2": x, "c1_share": x}

def short(sequences, f, g, p1, p2, lam):
    x = np.zeros((3, 3))
    return {"π_1": x, "π_2": x, "c1_share": x}

def huge(sequences, f, g, p1, p2, lam):
    return {"c1_share": np.zeros(10**8)}

def no_shares(sequences, f, g, p1, p2, lam):
    return {"π_1": sequences, "π_2": sequences}

def shares_fixed(sequences, f, g, p1, p2, lam):
    post = np.full(sequences.shape, p1)
    return {"π_1": post, "π_2": post, "c1_share": np.full(sequences.shape, lam)}

def _simulate(sequences, f, g, p1, p2, w1):
    n, t_max = sequences.shape
    post1, post2 = np.empty((n, t_max)), np.empty((n, t_max))
    share = np.full((n, t_max), np.nan)
    post1[:, 0], post2[:, 0] = p1, p2
    log_l = np.zeros(n)
    for t in range(1, t_max):
        fs, gs = f(sequences[:, t]), g(sequences[:, t])
        m1 = post1[:, t - 1] * fs + (1 - post1[:, t - 1]) * gs
        m2 = post2[:, t - 1] * fs + (1 - post2[:, t - 1]) * gs
        log_l += np.log(m1) - np.log(m2)
        share[:, t] = 1 / (1 + (1 - w1) / w1 * np.exp(-log_l))
        post1[:, t] = post1[:, t - 1] * fs / m1
        post2[:, t] = post2[:, t - 1] * fs / m2
    return {"π_1": post1, "π_2": post2, "c1_share": share}

def correct(sequences, f, g, p1, p2, lam):
    return _simulate(sequences, f, g, p1, p2, lam)

def swapped_weights(sequences, f, g, p1, p2, lam):
    return _simulate(sequences, f, g, p1, p2, 1 - lam)

def ignores_lambda(sequences, f, g, p1, p2, lam):
    return _simulate(sequences, f, g, p1, p2, 0.5)

def swapped_agents(sequences, f, g, p1, p2, lam):  # agent 2's share reported as agent 1's
    out = _simulate(sequences, f, g, p1, p2, lam)
    return {**out, "c1_share": 1 - out["c1_share"]}

def swapped_priors(sequences, f, g, p1, p2, lam):
    return _simulate(sequences, f, g, p2, p1, lam)
'''


@pytest.mark.parametrize("function, status, words", [
    ("wrong_signature", "unusable", "wrong signature"),
    ("missing", "unusable", "defines no function 'missing'"),
    ("raises", "rejected", "ValueError: no idea"),
    ("hangs", "rejected", "timed out after 2.5 s"),
    ("nan", "rejected", "NaN or infinite"),
    ("short", "rejected", "expected (N, T)"),
    ("huge", "rejected", "output larger than"),
    ("no_shares", "rejected", "no 'c1_share'"),
    ("shares_fixed", "rejected", "checks failed"),
    # hostile solutions a lambda = 1/2, symmetric-prior check would accept
    ("correct", "accepted", "ACCEPTED"),
    ("swapped_weights", "rejected", "Pareto weights swapped"),
    ("ignores_lambda", "rejected", "with λ = 1/2"),
    ("swapped_agents", "rejected", "checks failed"),
    ("swapped_priors", "rejected", "posterior"),
])
def test_bad_code_gets_a_clear_verdict(tmp_path_factory, function, status, words):
    path = tmp_path_factory.getbasetemp() / "bad_code.py"
    if not path.exists():
        path.write_text(BAD_CODE)
    # Only the hanging function gets a short limit: a loaded CI machine may need
    # several seconds just to start the others.
    v = check_code("23.2", f"{path}:{function}", quick=True, isolation=ISOLATION,
                   timeout=2.5 if function == "hangs" else 120)
    assert v.status == status, v.message
    assert words in v.message
    if status == "unusable":
        assert "\n" not in v.message


def test_missing_file_and_exercise_without_code(tmp_path):
    assert check_code("23.2", f"{tmp_path}/nope.py:f").status == "unusable"
    assert "has no code check" in check_code("23.1", SOL2).message


# -------------------------------------------------------------------- command line


def test_cli_exit_codes_and_one_line_errors(capsys):
    assert main(["check-exercise", "23.1", "--answer", "lambda*l/(1-lambda+lambda*l)"]) == 0
    assert "ACCEPTED" in capsys.readouterr().out
    assert main(["check-exercise", "23.1", "--answer", "lambda"]) == 1
    assert "counter-example" in capsys.readouterr().out
    for argv in (["23.1", "--answer", "lamda"], ["23.1", "--answer", ""],
                 ["99", "--answer", "1"], ["23.2", "--code", "missing.py:f"], ["23.1"],
                 ["23.9", "--show-solution"]):
        assert main(["check-exercise", *argv]) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("foresight check-exercise") and "\n" not in err, err
        assert "Traceback" not in err


def test_cli_json_list_help_and_solution(capsys):
    assert main(["check-exercise", "23.3.limit_share_f", "--answer", "0.3", "--json",
                 "--show-solution"]) == 1
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "rejected" and record["reference"] == "1/10"
    assert "23.3.limit_share_f" in record["solution"]
    assert main(["check-exercise", "--list", "--json"]) == 0
    ids = [e["id"] for e in json.loads(capsys.readouterr().out)]
    assert ids[:5] == ["23.1", "23.2", "23.3", "23.4", "23.5"] and len(ids) >= 8
    with pytest.raises(SystemExit):
        main(["check-exercise", "--help"])
    assert "examples:" in capsys.readouterr().out


def test_cli_code_verdict(capsys):
    assert main(["check-exercise", "23.3", "--code", SOL2, "--quick", "--isolation",
                 ISOLATION]) == 0
    assert capsys.readouterr().out.startswith("ACCEPTED (23.3)")


# -------------------------------------------------------------------- report section


def test_report_section_states_solves_and_checks_live(monkeypatch):
    from types import SimpleNamespace

    from foresight.reports import section_exercises as sec

    monkeypatch.setattr(sec, "CODE_SAMPLES", sec.CODE_SAMPLES[:2])
    seen = []
    ctx = SimpleNamespace(out_dir=".", figures_dir=".", quick=True, seed=12345,
                          progress=seen.append)
    body = sec.build(ctx)
    assert sec.ORDER == 20 and "\\section" not in body
    for eid in ex.EXERCISES:
        assert f"\\subsection*{{{eid.replace('.', '.')}:" in body
    assert r"\frac{l \lambda}{l \lambda - \lambda + 1}" in body  # derived, typeset
    n_samples = len(ex.SAMPLE_ANSWERS)
    assert body.count(r"\textbf{rejected}") >= n_samples + 1  # + the wrong-timing code
    assert body.count(r"\textbf{accepted") >= n_samples + 1
    limit = _first_limit("23.2")  # the wrong-timing example in the first scenario
    assert f"expected {limit:.4g}, saw" in body
    assert seen  # progress reported


@pytest.mark.parametrize("text", ["exp(exp(exp(100)))*lambda", "exp(exp(exp(exp(lambda*1000))))",
                                  "sqrt(-1)*lambda", "1/(lambda-lambda)", "log(0)"])
def test_adversarial_answers_are_rejected_quickly(text):
    import time

    start = time.perf_counter()
    v = check_answer("23.1.allocation", text)
    assert v.status == "rejected"
    assert time.perf_counter() - start < 10

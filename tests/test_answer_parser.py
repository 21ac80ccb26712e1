"""The safe answer parser: notations students write, errors that point at the position."""

import pytest
import sympy as sp

from foresight.derivations.answer_parser import (
    MAX_ANSWER_LENGTH,
    SymbolSpec,
    SymbolTable,
    parse_answer,
)
from foresight.errors import SpecError

LAM, L, D = sp.symbols("lambda l delta", positive=True)
T = sp.Symbol("t", integer=True, nonnegative=True)
P1, P2 = sp.symbols("pi_1 pi_2", positive=True)
P10 = sp.Symbol("pi^1_0", positive=True)
TABLE = SymbolTable([
    SymbolSpec(LAM, "lambda", (), "λ"), SymbolSpec(L, "l", (), "l_t"),
    SymbolSpec(D, "delta", (), "δ"), SymbolSpec(T, "t", (), "t"),
    SymbolSpec(P1, "pi", ("1",), "π^1_t"), SymbolSpec(P2, "pi", ("2",), "π^2_t"),
    SymbolSpec(P10, "pi", ("0", "1"), "π^1_0"),
])
SHARE = LAM * L / (1 - LAM + LAM * L)
PRICE = D**T * (LAM * P1 + (1 - LAM) * P2)


@pytest.mark.parametrize("text", [
    "lambda*l_t/(1-lambda+lambda*l_t)",
    "lambda l / (1 - lambda + lambda l)",
    "λ l_t/(1-λ+λ l_t)",
    "λ ℓ/(1−λ+λ·ℓ)",
    r"\frac{\lambda l_t}{1-\lambda+\lambda l_t}",
    r"$\dfrac{\lambda\, l_t(s^t)}{1-\lambda+\lambda\, l_t(s^t)}$",
    r"\frac{\lambda \ell_t}{\left(1-\lambda\right)+\lambda \ell_t}",
    "c^1_t = lambda*l/(1 - lambda + lambda*l)",
    "frac(lambda l, 1 - lambda + lambda l)",
    "lambda*l*(1-lambda+lambda*l)^(-1)",
    "lambda*l*(1-lambda+lambda*l)**-1",
])
def test_share_spellings(text):
    assert sp.simplify(parse_answer(text, TABLE) - SHARE) == 0


@pytest.mark.parametrize("text", [
    "delta^t*(lambda*pi1 + (1-lambda)*pi2)",
    "delta^t (lambda pi_1 + (1 - lambda) pi_2)",
    r"\delta^t \left(\lambda \pi^1_t(s^t) + (1-\lambda)\pi^2_t(s^t)\right)",
    r"\delta^{t}\big(\lambda\pi_t^1 + (1-\lambda)\pi_t^2\big)",
    "δ^t(λπ1+(1-λ)π2)",
])
def test_price_spellings(text):
    assert sp.simplify(parse_answer(text, TABLE) - PRICE) == 0


def test_prior_with_two_indices_and_numbers_stay_exact():
    e = parse_answer("0.5*pi^1_0 + 1e-3", TABLE)
    assert e == sp.Rational(1, 2) * P10 + sp.Rational(1, 1000)
    assert parse_answer(r"\pi_{0}^{1}", TABLE) == P10


@pytest.mark.parametrize("text, position, words", [
    ("(lambda + l", 11, "expected ')'"),
    ("lambda +* l", 8, "unexpected '*'"),
    ("lambda $ l", 7, "unexpected character '$'"),
    ("2 3", 2, "two numbers side by side"),
    (r"\frac{lambda}", 13, "denominator"),
    ("lambda l)", 8, "unexpected ')'"),
    ("", 0, "empty answer"),
])
def test_malformed_input_points_at_the_position(text, position, words):
    with pytest.raises(SpecError) as info:
        parse_answer(text, TABLE)
    assert info.value.position == position
    assert words in info.value.reason
    assert "^" in str(info.value)  # the caret under the position


@pytest.mark.parametrize("text, hint", [
    ("lamda*l", "did you mean λ?"),
    ("lambda*l + delt", "did you mean δ?"),
    ("lambda*x", "known symbols"),
])
def test_unknown_symbol_suggests_the_closest(text, hint):
    with pytest.raises(SpecError) as info:
        parse_answer(text, TABLE)
    assert "unknown symbol" in info.value.reason and hint in info.value.reason


def test_unknown_index_names_the_valid_ones():
    with pytest.raises(SpecError, match="this question uses"):
        parse_answer("pi_7", TABLE)


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo hacked')",
    "lambda: 1",
    "exec('1')",
    "l.__class__",
    "open('x')",
])
def test_python_is_never_executed(text):
    with pytest.raises(SpecError):
        parse_answer(text, TABLE)


def test_resource_guards():
    with pytest.raises(SpecError, match="nested deeper"):
        parse_answer("(" * 500 + "l" + ")" * 500, TABLE)
    with pytest.raises(SpecError, match="numeric exponent"):
        parse_answer("9^9^9", TABLE)
    with pytest.raises(SpecError, match="number too large"):
        parse_answer("((2^64)^64)^64", TABLE)
    with pytest.raises(SpecError, match="longer than"):
        parse_answer("l+" * MAX_ANSWER_LENGTH + "l", TABLE)
    with pytest.raises(SpecError, match="must be text"):
        parse_answer(None, TABLE)

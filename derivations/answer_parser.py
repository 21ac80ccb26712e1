"""Safe parser for students' symbolic answers (plain text or LaTeX) to SymPy.

A grading service cannot hand user text to ``sympify``/``parse_expr`` (they
evaluate Python).  This module is a small tokenizer and recursive-descent
parser that builds SymPy objects from a whitelist only:

* numbers (``2``, ``0.5``, ``1e-3``; kept exact as rationals),
* ``+ - * / ^ **``, parentheses and braces, implicit multiplication between
  factors (``2 lambda``, ``\\lambda l_t``, ``\\delta^t(\\ldots)``),
* functions ``log``, ``ln``, ``exp``, ``sqrt``, ``frac`` (also as LaTeX
  commands ``\\log``, ``\\ln``, ``\\exp``, ``\\sqrt{}``, ``\\frac{}{}``),
* identifiers from a table the caller supplies (:class:`SymbolTable`), spelt
  in the usual ways: ``lambda``, ``λ``, ``\\lambda``, ``l_t``, ``pi1``,
  ``pi_1``, ``pi^1_t``, ``\\pi^1_t(s^t)``, ``π_0_1``.

Sub- and superscripts that index a known symbol select it (``\\pi^1_t`` is
agent 1's density; a subscript ``t`` marks the date and is dropped); any other
superscript is a power (``\\delta^t``).  A parenthesised history argument
``(s^t)``, ``(s)``, ``(s_t)`` after a symbol is dropped.  Malformed input raises
:class:`foresight.errors.SpecError` pointing at the position; an unknown
identifier says which known symbol is closest.

Examples
--------
>>> import sympy as sp
>>> lam, l = sp.symbols("lambda l", positive=True)
>>> table = SymbolTable([SymbolSpec(lam, "lambda", display="λ"), SymbolSpec(l, "l")])
>>> parse_answer(r"\\frac{\\lambda l_t}{1-\\lambda+\\lambda l_t}", table)
l*lambda/(l*lambda - lambda + 1)
>>> parse_answer("λ l/(1 - λ + λ*l)", table) == parse_answer("lambda*l_t/(1-λ+λ l)", table)
True
>>> parse_answer("lamda", table)
Traceback (most recent call last):
...
foresight.errors.SpecError: unknown symbol 'lamda'; did you mean λ? at position 0:
  lamda
  ^
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field

import sympy as sp

from foresight.errors import SpecError

__all__ = ["SymbolSpec", "SymbolTable", "parse_answer", "MAX_ANSWER_LENGTH"]

MAX_ANSWER_LENGTH = 2000
# Nesting depth guard: recursion must not be a denial-of-service vector.
MAX_DEPTH = 60
MAX_NUMERIC_EXPONENT = 64

GREEK = {
    "λ": "lambda", "π": "pi", "δ": "delta", "γ": "gamma", "μ": "mu", "ε": "epsilon",
    "θ": "theta", "ℓ": "l", "β": "beta", "σ": "sigma", "κ": "kappa",
}
# LaTeX commands that only change spacing or sizing.
IGNORED_COMMANDS = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl",
                    "Bigr", "displaystyle", "textstyle", ",", ";", "!", " ", "quad", "mathrm",
                    "operatorname"}
TIMES_COMMANDS = {"cdot", "times"}
FUNCTIONS = {"log": sp.log, "ln": sp.log, "exp": sp.exp, "sqrt": sp.sqrt}
FRAC_NAMES = {"frac", "dfrac", "tfrac"}
ALIASES = {"ell": "l", "lam": "lambda", "varepsilon": "epsilon", "eps": "epsilon",
           "varpi": "pi", "Lambda": "lambda"}
# Letters of a date index: a subscript t (or t+1 ...) marks the date only.
TIME_INDEX = {"t"}


@dataclass(frozen=True)
class SymbolSpec:
    """One symbol an answer may use.

    Parameters
    ----------
    symbol : sympy.Symbol
        What the spelling stands for.
    base : str
        Base name without indices (``"pi"``, ``"lambda"``, ``"l"``).
    indices : tuple of str
        Agent/model/date-0 indices that select it (``("1",)`` for pi^1,
        ``("0", "1")`` for the prior pi^1_0).  A subscript ``t`` is ignored.
    display : str
        How feedback names it (``"π^1_0"``).
    """

    symbol: sp.Symbol
    base: str
    indices: tuple = ()
    display: str = ""

    @property
    def label(self) -> str:
        if self.display:
            return self.display
        return self.base + "".join(f"_{i}" for i in self.indices)


@dataclass
class SymbolTable:
    """The identifiers of one question, looked up by base name and index set."""

    specs: list
    _by_key: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        for spec in self.specs:
            key = (spec.base, frozenset(spec.indices))
            self._by_key[key] = spec

    @property
    def bases(self) -> set:
        return {s.base for s in self.specs}

    def lookup(self, base: str, indices) -> SymbolSpec | None:
        return self._by_key.get((base, frozenset(indices)))

    def indexable(self, base: str, index: str) -> bool:
        """True when `index` is an index of some symbol with this base."""
        return any(s.base == base and index in s.indices for s in self.specs)

    def labels(self) -> list[str]:
        return [s.label for s in self.specs]

    def suggestion(self, word: str) -> str | None:
        """``"did you mean λ?"`` for the symbol closest to `word`."""
        names = {}
        for s in self.specs:
            names.setdefault(s.base, s.label)
            names.setdefault(s.label, s.label)
        close = difflib.get_close_matches(word, list(names), n=1, cutoff=0.5)
        if close:
            return f"did you mean {names[close[0]]}?"
        return None


# --------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # num, word, cmd, op, end
    text: str
    pos: int


_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z]+\d*")


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens; raise SpecError on a character outside the whitelist."""
    tokens = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "\\":
            m = re.compile(r"[A-Za-z]+").match(text, i + 1)
            if m:
                tokens.append(Token("cmd", m.group(0), i))
                i = m.end()
            elif i + 1 < n and text[i + 1] in ",;! ":
                i += 2  # LaTeX spacing
            elif i + 1 < n and text[i + 1] in "{}":
                raise SpecError(text, i, "escaped braces are not part of an expression")
            else:
                raise SpecError(text, i, "incomplete LaTeX command")
            continue
        if ch in GREEK:
            tokens.append(Token("word", GREEK[ch], i))
            i += 1
            # Greek letter followed by digits: π1
            m = re.compile(r"\d+").match(text, i)
            if m:
                tokens[-1] = Token("word", GREEK[ch] + m.group(0), tokens[-1].pos)
                i = m.end()
            continue
        m = _NUMBER.match(text, i)
        if m and (ch.isdigit() or ch == "."):
            tokens.append(Token("num", m.group(0), i))
            i = m.end()
            continue
        m = _WORD.match(text, i)
        if m:
            tokens.append(Token("word", m.group(0), i))
            i = m.end()
            continue
        if text.startswith("**", i):
            tokens.append(Token("op", "^", i))
            i += 2
            continue
        if ch in "+-*/^()[]{},_·×−":
            op = {"·": "*", "×": "*", "−": "-", "[": "(", "]": ")"}.get(ch, ch)
            tokens.append(Token("op", op, i))
            i += 1
            continue
        raise SpecError(text, i, f"unexpected character {ch!r}")
    tokens.append(Token("end", "", n))
    return tokens


# --------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, table: SymbolTable):
        self.text, self.table = text, table
        self.tokens = [t for t in tokenize(text)
                       if not (t.kind == "cmd" and t.text in IGNORED_COMMANDS)]
        self.i = 0
        self.depth = 0

    # helpers ---------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def fail(self, reason: str, token: Token | None = None):
        raise SpecError(self.text, (token or self.tok).pos, reason)

    def advance(self) -> Token:
        t = self.tok
        self.i += 1
        return t

    def accept(self, text: str) -> bool:
        if self.tok.kind == "op" and self.tok.text == text:
            self.i += 1
            return True
        return False

    def expect(self, text: str, what: str) -> Token:
        if not (self.tok.kind == "op" and self.tok.text == text):
            found = self.tok.text or "end of input"
            self.fail(f"expected {what}, found {found!r}")
        return self.advance()

    def enter(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"expression nested deeper than {MAX_DEPTH} levels")

    # grammar ---------------------------------------------------------------
    def parse(self) -> sp.Expr:
        if self.tok.kind == "end":
            self.fail("empty answer")
        e = self.expr()
        if self.tok.kind != "end":
            self.fail(f"unexpected {self.tok.text!r}")
        return e

    def expr(self) -> sp.Expr:
        self.enter()
        e = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.advance().text
            rhs = self.term()
            e = e + rhs if op == "+" else e - rhs
        self.depth -= 1
        return e

    def starts_factor(self) -> bool:
        t = self.tok
        if t.kind in ("num", "word"):
            return True
        if t.kind == "cmd":
            return t.text not in TIMES_COMMANDS
        return t.kind == "op" and t.text in "({"

    def term(self) -> sp.Expr:
        e = self.unary()
        while True:
            t = self.tok
            if (t.kind == "op" and t.text == "*") or (t.kind == "cmd" and t.text in TIMES_COMMANDS):
                self.advance()
                e = e * self.unary()
            elif t.kind == "op" and t.text == "/":
                self.advance()
                e = e / self.unary()
            elif self.starts_factor():
                prev = self.tokens[self.i - 1]
                if t.kind == "num" and prev.kind == "num":
                    self.fail("two numbers side by side; write an operator between them")
                e = e * self.power()
            else:
                return e

    def unary(self) -> sp.Expr:
        if self.tok.kind == "op" and self.tok.text in "+-":
            op = self.advance().text
            self.enter()
            v = self.unary()
            self.depth -= 1
            return -v if op == "-" else v
        return self.power()

    def power(self) -> sp.Expr:
        base = self.primary()
        if self.tok.kind == "op" and self.tok.text == "^":
            at = self.advance()
            exponent = self.exponent()
            # 9^9^9 would be evaluated exactly by SymPy: refuse huge numeric powers.
            if exponent.is_Number and abs(exponent) > MAX_NUMERIC_EXPONENT:
                self.fail(f"numeric exponent larger than {MAX_NUMERIC_EXPONENT}", at)
            if (base.is_Number and exponent.is_Number and base != 0
                    and abs(float(exponent)) * abs(math.log2(abs(float(base)))) > 4096):
                self.fail("number too large (more than 4096 bits)", at)
            return base**exponent
        return base

    def exponent(self) -> sp.Expr:
        self.enter()
        if self.tok.kind == "op" and self.tok.text in "+-":
            op = self.advance().text
            v = self.exponent()
            self.depth -= 1
            return -v if op == "-" else v
        v = self.power()
        self.depth -= 1
        return v

    def group(self) -> sp.Expr:
        """A braced or parenthesised expression."""
        t = self.tok
        if t.kind == "op" and t.text == "{":
            self.advance()
            e = self.expr()
            self.expect("}", "'}'")
            return e
        if t.kind == "op" and t.text == "(":
            self.advance()
            e = self.expr()
            self.expect(")", "')'")
            return e
        self.fail(f"expected '{{' or '(', found {t.text or 'end of input'!r}")

    def primary(self) -> sp.Expr:
        t = self.tok
        if t.kind == "num":
            self.advance()
            # Exact: "0.1" is 1/10 and "1e-3" is 1/1000 (never a binary float).
            mantissa, _, exp = t.text.lower().partition("e")
            if exp and abs(int(exp)) > 300:
                self.fail("number out of range", t)
            return sp.Rational(mantissa) * sp.Integer(10) ** int(exp or 0)
        if t.kind == "op" and t.text in "({":
            self.enter()
            e = self.group()
            self.depth -= 1
            return e
        if t.kind == "cmd":
            return self.command()
        if t.kind == "word":
            return self.word()
        if t.kind == "end":
            self.fail("answer ends where an expression was expected")
        self.fail(f"unexpected {t.text!r}")

    def function_argument(self) -> sp.Expr:
        t = self.tok
        if t.kind == "op" and t.text in "({":
            return self.group()
        if self.starts_factor():
            return self.power()
        self.fail("function needs an argument")

    def command(self) -> sp.Expr:
        t = self.advance()
        name = t.text
        if name in FRAC_NAMES:
            num = self.group_braced("numerator of \\frac")
            den = self.group_braced("denominator of \\frac")
            return num / den
        if name in FUNCTIONS:
            return FUNCTIONS[name](self.function_argument())
        # \lambda, \pi, \delta ...: identifiers
        return self.identifier(name, t)

    def group_braced(self, what: str) -> sp.Expr:
        if not (self.tok.kind == "op" and self.tok.text == "{"):
            self.fail(f"expected '{{' opening the {what}")
        return self.group()

    def word(self) -> sp.Expr:
        t = self.advance()
        name = t.text
        lower = name.lower()
        if lower in FUNCTIONS and (self.tok.kind != "op" or self.tok.text in "({"):
            return FUNCTIONS[lower](self.function_argument())
        if lower in FRAC_NAMES:
            if self.tok.kind == "op" and self.tok.text == "(":
                self.advance()
                num = self.expr()
                self.expect(",", "',' between numerator and denominator")
                den = self.expr()
                self.expect(")", "')'")
                return num / den
            num = self.group_braced("numerator of frac")
            den = self.group_braced("denominator of frac")
            return num / den
        return self.identifier(name, t)

    # identifiers -----------------------------------------------------------
    def index_group(self) -> list[str]:
        """Tokens of a sub/superscript: one token or a braced list."""
        t = self.tok
        if t.kind == "op" and t.text == "{":
            self.advance()
            parts, is_date = [], False
            while not (self.tok.kind == "op" and self.tok.text == "}"):
                if self.tok.kind == "end":
                    self.fail("unclosed '{' in a subscript")
                tok = self.advance()
                if tok.kind == "op" and tok.text == ",":
                    continue
                if tok.kind == "op" and tok.text in "+-":
                    is_date = True  # t+1, t-1: a date, not an index
                    continue
                parts.append(ALIASES.get(tok.text, tok.text))
            self.advance()
            return ["t"] if is_date else parts
        if t.kind in ("num", "word", "cmd"):
            self.advance()
            if t.kind == "num" and len(t.text) > 1 and t.text.isdigit():
                return list(t.text)  # pi_01 -> indices 0, 1
            return [t.text]
        self.fail("expected an index after '_'")

    def identifier(self, name: str, token: Token) -> sp.Expr:
        base, indices = name, []
        m = re.fullmatch(r"([A-Za-z]+?)(\d+)", name)
        if m and m.group(1) in self.table.bases:
            base, indices = m.group(1), list(m.group(2))
        base = ALIASES.get(base, base)
        while self.tok.kind == "op" and self.tok.text in "_^":
            op = self.tok
            if op.text == "_":
                self.advance()
                indices.extend(self.index_group())
                continue
            # '^': an index when it indexes this base, else a power
            save = self.i
            self.advance()
            if self.tok.kind in ("num", "word", "op"):
                try:
                    group = self.index_group()
                except SpecError:
                    group = None
                if group and all(self.table.indexable(base, g) for g in group):
                    indices.extend(group)
                    continue
            self.i = save
            break
        spec = self.resolve(base, indices, token)
        self.skip_history_argument()
        return spec.symbol

    def resolve(self, base: str, indices, token: Token) -> SymbolSpec:
        own = [i for i in indices if i not in TIME_INDEX]
        spec = self.table.lookup(base, own)
        if spec is not None:
            return spec
        if base == "t" and not own:
            spec = self.table.lookup("t", [])
            if spec is not None:
                return spec
        # 'lambdal': a run of known names glued together is ambiguous; say so.
        spelt = base + "".join(f"_{i}" for i in indices)
        if base in self.table.bases:
            options = ", ".join(s.label for s in self.table.specs if s.base == base)
            self.fail(f"unknown index on {spelt!r}; this question uses {options}", token)
        hint = self.table.suggestion(base)
        reason = f"unknown symbol {spelt!r}"
        if hint:
            reason += f"; {hint}"
        else:
            reason += f"; known symbols: {', '.join(self.table.labels())}"
        self.fail(reason, token)

    def skip_history_argument(self):
        """Drop ``(s^t)``, ``(s)``, ``(s_t)`` after a symbol: a history argument."""
        if not (self.tok.kind == "op" and self.tok.text == "("):
            return
        j = self.i + 1
        toks = self.tokens
        if not (toks[j].kind == "word" and toks[j].text == "s"):
            return
        j += 1
        while toks[j].kind == "op" and toks[j].text in "_^":
            j += 1
            if toks[j].kind == "op" and toks[j].text == "{":
                while not (toks[j].kind == "op" and toks[j].text == "}"):
                    if toks[j].kind == "end":
                        return
                    j += 1
                j += 1
            elif toks[j].kind in ("word", "num"):
                j += 1
            else:
                return
        if toks[j].kind == "op" and toks[j].text == ")":
            self.i = j + 1


def parse_answer(text: str, table: SymbolTable) -> sp.Expr:
    """Parse an answer into a SymPy expression over the symbols of `table`.

    Parameters
    ----------
    text : str
        The answer, plain text or LaTeX (``$...$`` delimiters are stripped).
    table : SymbolTable
        The symbols the question allows.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    SpecError
        Empty, too long or malformed input, or an unknown symbol; the message
        points at the position.

    Examples
    --------
    >>> d, t = sp.Symbol("delta", positive=True), sp.Symbol("t", integer=True, nonnegative=True)
    >>> pi1, pi2 = sp.symbols("pi_1 pi_2", positive=True)
    >>> table = SymbolTable([SymbolSpec(d, "delta", display="δ"), SymbolSpec(t, "t"),
    ...                      SymbolSpec(pi1, "pi", ("1",), "π^1_t"),
    ...                      SymbolSpec(pi2, "pi", ("2",), "π^2_t")])
    >>> parse_answer(r"\\delta^t \\left(\\pi^1_t(s^t) + \\pi^2_t(s^t)\\right)", table)
    delta**t*(pi_1 + pi_2)
    >>> parse_answer("delta^t*(pi1 + pi_2)", table)
    delta**t*(pi_1 + pi_2)
    >>> parse_answer("(pi1 + ", table)
    Traceback (most recent call last):
    ...
    foresight.errors.SpecError: answer ends where an expression was expected at position 6:
      (pi1 +
            ^
    """
    if not isinstance(text, str):
        raise SpecError(repr(text), 0, "the answer must be text")
    stripped = text.strip()
    if len(stripped) > MAX_ANSWER_LENGTH:
        raise SpecError(stripped[:60] + "...", 0,
                        f"answer longer than {MAX_ANSWER_LENGTH} characters")
    # $...$ and \( ... \) delimiters, a leading "c = " or "p_t = ".
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if stripped.startswith(left) and stripped.endswith(right) and len(stripped) > 2 * len(
                left):
            stripped = stripped[len(left):-len(right)].strip()
            break
    if "=" in stripped:
        stripped = stripped.rsplit("=", 1)[1].strip()
    return _Parser(stripped, table).parse()

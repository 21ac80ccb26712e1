"""Beliefs and nature as distributions on (0, 1): Beta densities and finite mixtures.

The lecture's agents hold Beta beliefs ``f = Beta(1, 1)``, ``g = Beta(3, 1.2)``;
nature may draw from one of them or from a coin-flip mixture
``h = 0.5 f + 0.5 g``.  This module holds those objects as validated, frozen
dataclasses with their exact means and SymPy log densities, and a small safe
parser for the textual specifications the CLI accepts::

    beta(1, 1)   Beta(3, 1.2)   uniform   mix(0.5*beta(1,1), 0.5*beta(3,1.2))

The parser is a hand-written tokenizer and recursive-descent parser: no
``eval``, ``sympify`` or ``parse_expr`` ever sees user text.  Errors raise
:class:`foresight.errors.SpecError` pointing at the offending position.

Examples
--------
>>> h = parse_distribution("mix(0.5*beta(1,1), 0.5*beta(3,1.2))")
>>> h.mean()
17/28
>>> h.spec()
'mix(0.5*beta(1, 1), 0.5*beta(3, 1.2))'
>>> parse_distribution(h.spec()) == h
True
>>> Beta(3, 1.2).components_arrays()
((1.0,), (3.0,), (1.2,))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from foresight.errors import (
    ParameterError,
    SpecError,
    did_you_mean,
    require_positive,
    require_probability_vector,
)

if TYPE_CHECKING:
    import sympy as sp

# SymPy is imported inside the functions that build symbolic objects: the
# simulators and the command line parse and validate distributions without it.

__all__ = [
    "Beta",
    "Mixture",
    "Distribution",
    "parse_distribution",
    "as_distribution",
    "exact_number",
    "sympy_beta_log_density",
    "sympy_log_beta_function",
]


def exact_number(value: float) -> sp.Rational:
    """The rational with the shortest decimal spelling of the float `value`.

    ``1.2`` becomes ``6/5`` (what the user typed), not the binary neighbour
    ``5404319552844595/4503599627370496``.

    Examples
    --------
    >>> exact_number(1.2)
    6/5
    """
    import sympy as sp

    return sp.Rational(repr(float(value)))


def _number_text(value: float) -> str:
    """Shortest text that parses back to the same float (``1`` not ``1.0``)."""
    v = float(value)
    if v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def sympy_log_beta_function(a, b) -> sp.Expr:
    """``log B(a, b) = log Gamma(a) + log Gamma(b) - log Gamma(a + b)``.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", positive=True)
    >>> sympy_log_beta_function(a, b)
    loggamma(a) + loggamma(b) - loggamma(a + b)
    """
    import sympy as sp

    return sp.loggamma(a) + sp.loggamma(b) - sp.loggamma(a + b)


def sympy_beta_log_density(x, a, b, one_minus_x=None) -> sp.Expr:
    """Log of the Beta(a, b) density ``x**(a-1) (1-x)**(b-1) / B(a, b)`` on (0, 1).

    Parameters
    ----------
    x, a, b : sympy expressions
        Point and shape parameters.
    one_minus_x : sympy expression, optional
        What to use for ``1 - x`` (quadrature passes an exactly computed
        complement so that points next to 1 keep their precision).

    Examples
    --------
    >>> import sympy as sp
    >>> x, a, b = sp.symbols("x a b", positive=True)
    >>> sympy_beta_log_density(x, a, b)
    (a - 1)*log(x) + (b - 1)*log(1 - x) - loggamma(a) - loggamma(b) + loggamma(a + b)
    """
    import sympy as sp

    xc = 1 - x if one_minus_x is None else one_minus_x
    return (a - 1) * sp.log(x) + (b - 1) * sp.log(xc) - sympy_log_beta_function(a, b)


@dataclass(frozen=True)
class Beta:
    """The Beta(a, b) distribution on (0, 1), density ``x**(a-1)(1-x)**(b-1)/B(a,b)``.

    Parameters
    ----------
    a, b : float
        Shape parameters, both > 0 (``ParameterError`` naming ``beta.a`` /
        ``beta.b`` otherwise).

    Examples
    --------
    >>> g = Beta(3, 1.2)
    >>> g.mean()
    5/7
    >>> g.spec()
    'beta(3, 1.2)'
    >>> Beta(0, 1)
    Traceback (most recent call last):
    ...
    foresight.errors.ParameterError: beta.a = 0 is outside its valid range (0, inf)
    """

    a: float
    b: float

    def __post_init__(self):
        object.__setattr__(self, "a", require_positive("beta.a", self.a))
        object.__setattr__(self, "b", require_positive("beta.b", self.b))

    def mean(self) -> sp.Rational:
        """Exact mean ``a / (a + b)`` (parameters read as the decimals typed)."""
        a, b = exact_number(self.a), exact_number(self.b)
        return a / (a + b)

    def sympy_log_density(self, x) -> sp.Expr:
        """Log density at the SymPy expression `x`, with exact parameters.

        Examples
        --------
        >>> import sympy as sp
        >>> x = sp.Symbol("x", positive=True)
        >>> Beta(2, 1).sympy_log_density(x)
        log(x) + log(2)
        """
        import sympy as sp

        return sp.expand_func(
            sympy_beta_log_density(x, exact_number(self.a), exact_number(self.b))
        )

    def spec(self) -> str:
        """Text that :func:`parse_distribution` maps back to this object."""
        return f"beta({_number_text(self.a)}, {_number_text(self.b)})"

    def components_arrays(self) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
        """``(weights, a, b)`` for the numerics: a single component of weight 1."""
        return (1.0,), (self.a,), (self.b,)

    def __str__(self) -> str:
        return self.spec()


@dataclass(frozen=True)
class Mixture:
    """A finite mixture ``sum_k weights[k] * Beta(a_k, b_k)``.

    Parameters
    ----------
    weights : sequence of float
        Non-negative, summing to one (within 1e-12); ``ParameterError`` naming
        ``mix.weights`` otherwise.
    components : sequence of Beta
        One Beta per weight.

    Examples
    --------
    >>> h = Mixture((0.5, 0.5), (Beta(1, 1), Beta(3, 1.2)))
    >>> h.mean()
    17/28
    >>> Mixture((0.5, 0.6), (Beta(1, 1), Beta(3, 1.2)))
    Traceback (most recent call last):
    ...
    foresight.errors.ParameterError: sum(mix.weights) = 1.1 is outside its valid range \
1 (within 1e-12); probabilities must sum to one
    """

    weights: tuple[float, ...]
    components: tuple[Beta, ...]

    def __post_init__(self):
        weights = require_probability_vector("mix.weights", self.weights)
        components = tuple(self.components)
        for k, c in enumerate(components):
            if not isinstance(c, Beta):
                raise ParameterError(f"mix.components[{k}]", c, "Beta distributions")
        if len(components) != len(weights):
            raise ParameterError(
                "mix.components", len(components), f"{len(weights)} components (one per weight)"
            )
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "components", components)

    def mean(self) -> sp.Rational:
        """Exact mean ``sum_k w_k a_k / (a_k + b_k)``."""
        import sympy as sp

        pairs = zip(self.weights, self.components, strict=True)
        return sp.Add(*(exact_number(w) * c.mean() for w, c in pairs))

    def sympy_log_density(self, x) -> sp.Expr:
        """``log sum_k w_k exp(log Beta_k(x))`` with exact parameters."""
        import sympy as sp

        return sp.log(
            sp.Add(
                *(
                    exact_number(w) * sp.exp(c.sympy_log_density(x))
                    for w, c in zip(self.weights, self.components, strict=True)
                    if w > 0
                )
            )
        )

    def spec(self) -> str:
        """Text that :func:`parse_distribution` maps back to this object."""
        terms = ", ".join(
            f"{_number_text(w)}*{c.spec()}"
            for w, c in zip(self.weights, self.components, strict=True)
        )
        return f"mix({terms})"

    def components_arrays(self) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
        """``(weights, a, b)`` tuples for the numerics."""
        return (
            self.weights,
            tuple(c.a for c in self.components),
            tuple(c.b for c in self.components),
        )

    def __str__(self) -> str:
        return self.spec()


Distribution = Beta | Mixture


def as_distribution(value) -> Distribution:
    """Accept a :class:`Beta`, a :class:`Mixture` or a spec string.

    Examples
    --------
    >>> as_distribution("uniform")
    Beta(a=1.0, b=1.0)
    """
    if isinstance(value, Beta | Mixture):
        return value
    if isinstance(value, str):
        return parse_distribution(value)
    raise ParameterError("distribution", value, "a Beta, a Mixture or a spec such as 'beta(1,1)'")


# --------------------------------------------------------------------------- parser

_NAMES = ("beta", "uniform", "mix", "mixture")
_SIMPLE = ("beta", "uniform")


@dataclass(frozen=True)
class _Token:
    kind: str  # NAME NUMBER ( ) , * / END
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch.isalpha() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(_Token("NAME", text[i:j], i))
            i = j
        elif ch.isdigit() or ch == "." or (ch in "+-" and i + 1 < n and (
            text[i + 1].isdigit() or text[i + 1] == "."
        )):
            j = _scan_number(text, i)
            if j is None:
                raise SpecError(text, i, "malformed number")
            tokens.append(_Token("NUMBER", text[i:j], i))
            i = j
        elif ch in "(),*/":
            tokens.append(_Token(ch, ch, i))
            i += 1
        else:
            raise SpecError(text, i, f"unexpected character {ch!r}")
    tokens.append(_Token("END", "", n))
    return tokens


def _scan_number(text: str, i: int) -> int | None:
    """End index of a decimal number starting at `i` (sign, digits, '.', exponent)."""
    n = len(text)
    j = i
    if text[j] in "+-":
        j += 1
    digits = 0
    while j < n and text[j].isdigit():
        j, digits = j + 1, digits + 1
    if j < n and text[j] == ".":
        j += 1
        while j < n and text[j].isdigit():
            j, digits = j + 1, digits + 1
    if digits == 0:
        return None
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k].isdigit():
            while k < n and text[k].isdigit():
                k += 1
            j = k
        else:
            return None
    if j < n and (text[j].isalpha() or text[j] == "_"):
        return None  # "1x", "2beta": a number glued to a name
    return j


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.k = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.k]

    def fail(self, reason: str, token: _Token | None = None):
        t = token or self.tok
        raise SpecError(self.text, t.pos, reason)

    def expect(self, kind: str, what: str) -> _Token:
        t = self.tok
        if t.kind != kind:
            found = "the end of the text" if t.kind == "END" else repr(t.text)
            self.fail(f"expected {what}, found {found}")
        self.k += 1
        return t

    def number(self) -> tuple[float, _Token]:
        t = self.tok
        if t.kind != "NUMBER":
            found = "the end of the text" if t.kind == "END" else repr(t.text)
            self.fail(f"expected a number, found {found}")
        self.k += 1
        value = float(t.text)
        if self.tok.kind == "/":  # a ratio such as 1/3, for mixture weights
            self.k += 1
            d = self.expect("NUMBER", "a denominator")
            den = float(d.text)
            if den == 0:
                self.fail("division by zero", d)
            value /= den
        if not math.isfinite(value):
            self.fail("number is not finite", t)
        return value, t

    def name(self, allowed: tuple[str, ...]) -> _Token:
        t = self.tok
        if t.kind != "NAME":
            found = "the end of the text" if t.kind == "END" else repr(t.text)
            self.fail(f"expected a distribution ({', '.join(allowed)}), found {found}")
        low = t.text.lower()
        if low not in allowed:
            if low in _NAMES:
                self.fail(f"{t.text!r} is not allowed here (expected {', '.join(allowed)})")
            hint = did_you_mean(low, allowed)
            self.fail(f"unknown distribution {t.text!r}" + (f"; {hint}" if hint else ""))
        self.k += 1
        return t

    def distribution(self, allowed=_NAMES) -> Distribution:
        t = self.name(allowed)
        low = t.text.lower()
        if low == "uniform":
            if self.tok.kind == "(":  # optional empty parentheses: uniform()
                self.k += 1
                self.expect(")", "')' (uniform takes no parameters)")
            return Beta(1.0, 1.0)
        if low == "beta":
            self.expect("(", "'(' after beta")
            a, ta = self.number()
            self.expect(",", "',' between the two Beta parameters")
            b, tb = self.number()
            self.expect(")", "')' closing beta(")
            for label, v, tk in (("beta.a", a, ta), ("beta.b", b, tb)):
                if not v > 0:
                    self.fail(f"{label} = {v:g} is outside its valid range (0, inf)", tk)
            return Beta(a, b)
        # mix / mixture
        open_tok = self.expect("(", "'(' after mix")
        weights, comps, wtoks = [], [], []
        while True:
            w, tw = self.number()
            self.expect("*", "'*' between a weight and its component")
            comps.append(self.distribution(_SIMPLE))
            weights.append(w)
            wtoks.append(tw)
            if self.tok.kind == ",":
                self.k += 1
                continue
            self.expect(")", "',' or ')' in mix(")
            break
        for w, tw in zip(weights, wtoks, strict=True):
            if w < 0:
                self.fail(f"mix.weights: weight {w:g} is negative", tw)
        total = math.fsum(weights)
        if abs(total - 1.0) > 1e-12:
            self.fail(f"sum(mix.weights) = {total:.12g}, but weights must sum to 1", open_tok)
        return Mixture(tuple(weights), tuple(comps))

    def parse(self) -> Distribution:
        if self.tok.kind == "END":
            self.fail("empty distribution specification")
        d = self.distribution()
        if self.tok.kind != "END":
            self.fail(f"unexpected {self.tok.text!r} after the distribution")
        return d


def parse_distribution(text: str) -> Distribution:
    """Parse a distribution spec without evaluating any code.

    Grammar (names are case-insensitive)::

        dist    := 'beta' '(' num ',' num ')' | 'uniform' ['(' ')'] | mix
        mix     := ('mix' | 'mixture') '(' num '*' simple (',' num '*' simple)* ')'
        simple  := 'beta' '(' num ',' num ')' | 'uniform'
        num     := decimal ['/' decimal]

    Parameters
    ----------
    text : str
        The specification.

    Returns
    -------
    Beta or Mixture

    Raises
    ------
    foresight.errors.SpecError
        With the position of the problem (misspelt names get a "did you mean").

    Examples
    --------
    >>> parse_distribution("Beta(3, 1.2)")
    Beta(a=3.0, b=1.2)
    >>> parse_distribution("mix(1/3*uniform, 2/3*beta(2,5))").weights
    (0.3333333333333333, 0.6666666666666666)
    >>> parse_distribution("btea(1,1)")
    Traceback (most recent call last):
    ...
    foresight.errors.SpecError: unknown distribution 'btea'; did you mean 'beta'? at position 0:
      btea(1,1)
      ^
    """
    if not isinstance(text, str):
        raise SpecError(str(text), 0, "a distribution spec must be a string")
    return _Parser(text).parse()

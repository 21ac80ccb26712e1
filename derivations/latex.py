r"""LaTeX of symbols and expressions: the one symbol -> LaTeX mapping of foresight.

Derivations (:meth:`foresight.derivations.steps.Derivation._repr_latex_`) and
reports (:mod:`foresight.reports.latex`, which re-exports these names) print
with the same functions, so a symbol reads the same in a notebook and in the
PDF: :func:`sympy_latex` for SymPy objects (descriptive symbol names such as
``log_joint_density`` mapped by :data:`SYMBOL_LATEX`), :func:`text_math` for
prose with tokens such as ``c_1`` or ``lambda_{i,t}`` (text mode) and
:func:`math_text` for the same prose inside a math environment.

Examples
--------
>>> import sympy as sp
>>> sympy_latex(sp.Symbol("lambda_{1,t}"))
'\\lambda_{1,t}'
>>> math_text("FOC for c_1")
'\\text{FOC for }c_1'
"""

from __future__ import annotations

import re

_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_ESCAPE_RE = re.compile("|".join(re.escape(k) for k in _ESCAPES))

_UNICODE = {
    "‖": r"$\|$", "–": "--", "—": "---", "≤": r"$\le$", "≥": r"$\ge$", "×": r"$\times$",
    "λ": r"$\lambda$", "π": r"$\pi$", "μ": r"$\mu$", "γ": r"$\gamma$", "δ": r"$\delta$",
    "ε": r"$\varepsilon$", "θ": r"$\theta$", "∞": r"$\infty$", "→": r"$\to$", "≈": r"$\approx$",
    "≠": r"$\neq$",
    "’": "'", "“": "``", "”": "''", "·": r"$\cdot$", "−": "-", "…": r"\dots{}",
}


def escape(text) -> str:
    """Escape `text` so that LaTeX prints it literally.

    ``None`` becomes an empty string; non-strings are converted with ``str``.
    A few Unicode symbols common in our messages (``‖``, ``λ``, ``–``) are
    mapped to LaTeX so pdflatex does not stop on them.

    Examples
    --------
    >>> escape("100% of $x_1$ & #2")
    '100\\\\% of \\\\$x\\\\_1\\\\$ \\\\& \\\\#2'
    >>> escape(None)
    ''
    """
    if text is None:
        return ""
    out = _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], str(text))
    for k, v in _UNICODE.items():
        out = out.replace(k, v)
    return out


_GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma "
    "tau upsilon phi chi psi omega Gamma Delta Theta Lambda Pi Sigma Phi Psi Omega"
).split()
# A token with a subscript or superscript (c_1, pi^i_t, lambda_{i,t}, s^t) or a
# Greek name: typeset as mathematics by text_math.
_SCRIPT = r"(?:_\{[^{}\s]*\}|_[A-Za-z0-9*]+|\^\{[^{}\s]*\}|\^[A-Za-z0-9*]+)"
_TOKEN_RE = re.compile(
    rf"(?<![\w\\])(?:[A-Za-z]+\*?{_SCRIPT}+|(?:{'|'.join(_GREEK)})(?![A-Za-z]))"
)
_GREEK_RE = re.compile(rf"(?<![A-Za-z\\])({'|'.join(_GREEK)})(?![a-z])")


def _token_latex(token: str) -> str:
    # p_zz is p with subscript zz, not p_z followed by z (a Greek script stays one symbol).
    token = re.sub(r"([_^])([A-Za-z0-9]{2,})",
                   lambda m: m.group(0) if m.group(2) in _GREEK
                   else f"{m.group(1)}{{{m.group(2)}}}", token)
    out = _GREEK_RE.sub(lambda m: "\\" + m.group(1) + " ", token)
    if out.startswith("sum"):
        out = r"\sum" + out[3:]
    out = out.replace(" _", "_").replace(" ^", "^").replace(" *", "*").strip()
    out = out.replace("{oo}", r"{\infty}")
    return re.sub(r"(?<!\^)\*_", "^*_", out)


def _is_math_token(token: str) -> bool:
    """Short base (<= 2 letters, a Greek name or ``sum``) with at most one sub/superscript."""
    base = re.match(r"[A-Za-z]+", token).group()
    short = len(base) <= 2 or base in _GREEK or base == "sum"
    # A script is an index (1, i, t, {i,t}, a Greek name), not a word: f_belief and
    # a_max are code identifiers, not f with subscript "belief".
    scripts = re.findall(r"[_^](\{[^{}]*\}|[A-Za-z0-9*]+)", token)
    indices = all(len(x) <= 2 or x.startswith("{") or x in _GREEK for x in scripts)
    return short and indices and token.count("_") <= 1 and token.count("^") <= 1


def _symbols_from_ascii(text) -> str:
    """``->``, ``>=``, ``<=``, ``!=`` and ``oo`` as the symbols they stand for, and
    ``l_infinity`` as ``l_{oo}`` (not inside identifiers such as ``limit_l_inf``): the
    common first step of :func:`text_math` and :func:`math_text`."""
    text = str(text).replace("->", "→").replace(">=", "≥").replace("<=", "≤")
    text = re.sub(r"\boo\b", "∞", text.replace("!=", "≠"))
    return re.sub(r"(?<![A-Za-z0-9_])([A-Za-z]{1,2})_(?:infinity|inf|oo)\b", r"\1_{oo}", text)


def text_math(text) -> str:
    """Escape `text`, typesetting tokens like ``c_1``, ``pi^i_t``, ``lambda`` as math.

    Examples
    --------
    >>> text_math("FOC for c_1")
    'FOC for $c_1$'
    >>> text_math("lambda_{i,t} = lambda_i pi^i_t")
    '$\\\\lambda_{i,t}$ = $\\\\lambda_i$ $\\\\pi^i_t$'
    >>> text_math("50% of Beta(2,1.5)")
    '50\\\\% of Beta(2,1.5)'
    >>> text_math("l_infinity = 0")
    '$l_{\\\\infty}$ = 0'
    >>> text_math("Result: limit_l_0")
    'Result: \\\\texttt{limit\\\\_\\\\allowbreak{}l\\\\_\\\\allowbreak{}0}'
    >>> text_math("p_zz >= 0, mu != 1")
    '$p_{zz}$ $\\\\ge$ 0, $\\\\mu$ $\\\\neq$ 1'
    >>> text_math("f_belief, a_max and x_t")
    '\\\\texttt{f\\\\_\\\\allowbreak{}belief}, \\\\texttt{a\\\\_\\\\allowbreak{}max} and $x_t$'
    """
    if text is None:
        return ""
    text = _symbols_from_ascii(text)
    out, last = [], 0
    for m in _TOKEN_RE.finditer(text):
        out.append(escape(text[last:m.start()]))
        token = m.group()
        if _is_math_token(token):
            out.append(f"${_token_latex(token)}$")
        else:  # a code identifier such as limit_l_0 or share_stable, breakable at "_"
            out.append(r"\texttt{" + escape(token).replace(r"\_", r"\_\allowbreak{}") + "}")
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


# ------------------------------------------------------------------ SymPy printing


def _printer_class():
    from sympy.printing.latex import LatexPrinter

    class ReportLatexPrinter(LatexPrinter):
        """``sympy.latex`` with the notation of the report (psi, ln Gamma)."""

        def _print_polygamma(self, expr, exp=None):
            n, x = expr.args
            if n == 0:
                tex = rf"\psi\left({self._print(x)}\right)"
            else:
                tex = rf"\psi^{{({self._print(n)})}}\left({self._print(x)}\right)"
            return tex if exp is None else rf"{tex}^{{{exp}}}"

        def _print_loggamma(self, expr, exp=None):
            tex = rf"\ln\Gamma\left({self._print(expr.args[0])}\right)"
            return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

        def _print_BooleanTrue(self, expr):
            return r"\text{holds (verified symbolically)}"

        def _print_BooleanFalse(self, expr):
            return r"\text{does not hold}"

    return ReportLatexPrinter


# Symbols whose names are descriptive words rather than mathematical names.
SYMBOL_LATEX = {
    "log_pareto_weight": r"\log\lambda_i",
    "log_joint_density": r"\log\pi^{i}_{t}",
    "log_likelihood_ratio": r"\log l_t",
    "p_t c_1": r"p_t c_1",
    "lambda_{1,t}": r"\lambda_{1,t}",
    "pi_{1,0}": r"\pi^{1}_{0}",  # posterior of model 1 after s_0
    "m_1(s_1)": r"m_1(s_1)",
    "E[log X]": r"\mathbb{E}[\log X]",
    "E[log(1-X)]": r"\mathbb{E}[\log(1-X)]",
    # Capacity competition and the quality ladder (a firm's capacity x, the
    # industry's output Q, the population's quality index S).
    "capacity_x": "x", "total_output": "Q", "quality_index": "S",
    "total_profit": r"\Pi", "c_tilde": r"\tilde{c}",
    # Krusell-Smith: the derivation's descriptive names, in the usual notation.
    "capital": "K", "labour": "L", "interest": "R", "wage": "w", "consumption": "c",
    "savings": "a'", "cash_on_hand": "m", "borrowing_limit": r"\underline{b}",
    "expected_marginal_value": r"\mathbb{E}[R' u'(c')]",
    "dur_bad": "D_B", "dur_good": "D_G", "spell_bad": "S_B", "spell_good": "S_G",
    "urate_bad": "u_B", "urate_good": "u_G", "rel_bg": r"\rho_{BG}", "rel_gb": r"\rho_{GB}",
}
_INDEXED_DRAW = re.compile(r"^f(\d+)_(\d+)$")  # f0_1: model 1's density at s_0


def _symbol_name_latex(name: str) -> str | None:
    if name in SYMBOL_LATEX:
        return SYMBOL_LATEX[name]
    m = _INDEXED_DRAW.match(name)
    if m:
        return rf"f_{{{m.group(2)}}}(s_{{{m.group(1)}}})"
    if " " in name or "(" in name or "[" in name or "{" in name or "^*" in name:
        return _token_latex(name)
    return None


def sympy_latex(expr) -> str:
    """LaTeX for a SymPy object with the report's notation.

    ``polygamma(0, x)`` prints as ``\\psi(x)``, ``loggamma`` as ``\\ln\\Gamma``,
    descriptive symbol names (``log_pareto_weight``) as formulas, ``True`` as
    a phrase.  Lists and tuples print as comma-separated sequences.

    Examples
    --------
    >>> import sympy as sp
    >>> sympy_latex(sp.polygamma(0, sp.Symbol("a")))
    '\\\\psi\\\\left(a\\\\right)'
    >>> sympy_latex(sp.Symbol("log_pareto_weight") / 2)
    '\\\\frac{\\\\log\\\\lambda_i}{2}'
    """
    import sympy as sp

    if isinstance(expr, bool):
        expr = sp.true if expr else sp.false
    if isinstance(expr, list | tuple):
        return r",\quad ".join(sympy_latex(e) for e in expr)
    expr = sp.sympify(expr)
    names = {}
    for s in getattr(expr, "free_symbols", ()):
        tex = _symbol_name_latex(s.name)
        if tex is not None:
            names[s] = tex
    return _printer_class()(settings={"symbol_names": names}).doprint(expr)


def math_text(text) -> str:
    r"""Prose for a math environment: words in ``\\text{}``, tokens as mathematics.

    Unlike :func:`text_math` (for text mode), nothing inside ``\\text{}``
    needs a TeX special character: ``c_1``, ``pi^i_t`` and ``lambda`` leave
    the text as math, code identifiers (``share_stable``) become
    ``\\mathtt{share\\_stable}``, and ``_ ^ & % # $ { } \\ ~`` elsewhere are
    escaped the way math mode accepts (pdflatex and MathJax alike).

    Parameters
    ----------
    text : str
        A step title or remark, e.g. ``"Result: share_stable"``.

    Returns
    -------
    str
        LaTeX valid inside ``$...$`` or an ``aligned`` environment.

    Examples
    --------
    >>> math_text("Result: share_stable")
    '\\text{Result: }\\mathtt{share\\_stable}'
    >>> math_text("lambda_{i,t} = lambda_i pi^i_t")
    '\\lambda_{i,t}\\text{ = }\\lambda_i\\text{ }\\pi^i_t'
    >>> math_text("mu != 1")
    '\\mu\\text{ }\\neq \\text{ 1}'
    >>> math_text("50% of x")
    '\\text{50}\\%\\text{ of x}'
    """
    if text is None:
        return ""
    text = _symbols_from_ascii(text)
    out, last = [], 0

    def words(chunk: str) -> str:
        if not chunk:
            return ""
        # inside \text only plain characters: specials and unicode symbols leave it
        pieces, buf = [], []
        for ch in chunk:
            if ch in _MATH_SPECIALS:
                if buf:
                    pieces.append(r"\text{" + "".join(buf) + "}")
                    buf = []
                pieces.append(_MATH_SPECIALS[ch])
            else:
                buf.append(ch)
        if buf:
            pieces.append(r"\text{" + "".join(buf) + "}")
        return "".join(pieces)

    for m in _TOKEN_RE.finditer(text):
        out.append(words(text[last:m.start()]))
        token = m.group()
        if _is_math_token(token):
            out.append(_token_latex(token))
        else:  # a code identifier such as limit_l_0 or share_stable
            out.append(r"\mathtt{" + token.replace("_", r"\_").replace("^", r"\hat{}")
                       + "}")
        last = m.end()
    out.append(words(text[last:]))
    return "".join(out)


# Characters that cannot stay inside \text{} (pdflatex: specials; MathJax:
# no text-mode macros), written the way math mode accepts them.
_MATH_SPECIALS = {
    "\\": r"\backslash ", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\sim ", "^": r"\hat{}", "‖": r"\|", "–": "-",
    "—": "-", "≤": r"\le ", "≥": r"\ge ", "≠": r"\neq ", "×": r"\times ", "λ": r"\lambda ",
    "π": r"\pi ", "μ": r"\mu ", "γ": r"\gamma ", "δ": r"\delta ", "ε": r"\varepsilon ",
    "θ": r"\theta ", "∞": r"\infty ", "→": r"\to ", "≈": r"\approx ", "·": r"\cdot ",
    "−": "-", "…": r"\dots ", "’": "'",
}

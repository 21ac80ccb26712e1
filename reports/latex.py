"""LaTeX plumbing for reports: a Jinja2 environment, escaping, SymPy printing, TeX runner.

Templates live in ``reports/templates`` and use delimiters that do not collide
with LaTeX's braces and percent signs:

==================  =====================
Jinja2 default      here
==================  =====================
``{{ x }}``         ``\\VAR{x}``
``{% if %}``        ``\\BLOCK{if ...}``
``{# comment #}``   ``\\#{comment}``
line statement      ``%%`` at line start
line comment        ``%#``
==================  =====================

Values are inserted verbatim; text that is not LaTeX must pass through the
``e`` filter (:func:`escape`).  ``m`` (:func:`text_math`) escapes text but
typesets tokens such as ``c_1``, ``pi^i_t`` or ``lambda`` as mathematics.

Examples
--------
>>> env = environment()
>>> env.from_string(r"\\textbf{\\VAR{name | e}}").render(name="50% & more")
'\\\\textbf{50\\\\% \\\\& more}'
>>> escape("a_b ~ {c}")
'a\\\\_b \\\\textasciitilde{} \\\\{c\\\\}'
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

#: Debian packages that provide everything the report's preamble uses.
DEBIAN_PACKAGES = ("latexmk", "texlive-latex-recommended", "texlive-latex-extra")

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
    return short and token.count("_") <= 1 and token.count("^") <= 1


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
    'Result: \\\\texttt{limit\\\\_l\\\\_0}'
    """
    if text is None:
        return ""
    text = re.sub(r"\boo\b", "∞", str(text).replace("->", "→"))
    # l_infinity -> l_{\infty} (not inside identifiers such as limit_l_inf)
    text = re.sub(r"(?<![A-Za-z0-9_])([A-Za-z]{1,2})_(?:infinity|inf|oo)\b", r"\1_{oo}", text)
    out, last = [], 0
    for m in _TOKEN_RE.finditer(text):
        out.append(escape(text[last:m.start()]))
        token = m.group()
        if _is_math_token(token):
            out.append(f"${_token_latex(token)}$")
        else:  # a code identifier such as limit_l_0 or share_stable
            out.append(r"\texttt{" + escape(token) + "}")
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def fmt_number(x, digits: int = 4, *, sci_below: float = 1e-3) -> str:
    """Format a number for a LaTeX table (math mode where it has an exponent).

    Examples
    --------
    >>> fmt_number(0.759217453596, 6), fmt_number(1.2e-9), fmt_number(None)
    ('0.759217', '$1.2\\\\times 10^{-9}$', '--')
    >>> fmt_number(True), fmt_number(float("nan")), fmt_number(12)
    ('yes', 'NaN', '12')
    """
    if x is None:
        return "--"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return escape(x)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return r"$\infty$" if v > 0 else r"$-\infty$"
    if v != 0 and (abs(v) < sci_below or abs(v) >= 1e6):
        mant, exp = f"{v:.{max(digits - 3, 1)}e}".split("e")
        mant = mant.rstrip("0").rstrip(".")
        return f"${mant}\\times 10^{{{int(exp)}}}$"
    return f"{v:.{digits}f}" if abs(v) < 1 else f"{v:.{digits}g}"


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
    "pi_{1,0}": r"\pi_{1,0}",
    "m_1(s_1)": r"m_1(s_1)",
    "E[log X]": r"\mathbb{E}[\log X]",
    "E[log(1-X)]": r"\mathbb{E}[\log(1-X)]",
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


# ------------------------------------------------------------------ Jinja2


def environment(template_dir: Path | str | None = None):
    """Jinja2 environment with LaTeX-safe delimiters and the report filters.

    Filters: ``e`` (:func:`escape`), ``m`` (:func:`text_math`), ``num``
    (:func:`fmt_number`), ``sym`` (:func:`sympy_latex`), ``posix`` (path
    with forward slashes for ``\\includegraphics``).

    Examples
    --------
    >>> env = environment()
    >>> env.from_string(r"\\BLOCK{for x in xs}\\VAR{x | num(2)} \\BLOCK{endfor}").render(xs=[0.5])
    '0.50 '
    """
    import jinja2

    env = jinja2.Environment(
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix="%%",
        line_comment_prefix="%#",
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        loader=jinja2.FileSystemLoader(str(template_dir or TEMPLATE_DIR)),
    )
    env.filters["e"] = escape
    env.filters["m"] = text_math
    env.filters["num"] = fmt_number
    env.filters["sym"] = sympy_latex
    env.filters["posix"] = lambda p: Path(p).as_posix()
    return env


def render(template: str, **context) -> str:
    """Render the template file `template` from :data:`TEMPLATE_DIR`."""
    return environment().get_template(template).render(**context)


# ------------------------------------------------------------------ TeX runner


@dataclass(frozen=True)
class TexRun:
    """Outcome of :func:`compile_pdf`.

    Attributes
    ----------
    ok : bool
        True when the PDF was written.
    pdf : Path or None
        The PDF (when ``ok``).
    log : Path or None
        The TeX log (look here when ``ok`` is False).
    engine : str
        ``"latexmk"``, ``"pdflatex"`` or ``""`` when none was found.
    message : str
        One paragraph for the user: what happened and, on failure, what to do.
    seconds : float
        Wall time of the TeX run.
    """

    ok: bool
    pdf: Path | None
    log: Path | None
    engine: str
    message: str
    seconds: float = 0.0


def tex_engine() -> str:
    """``"latexmk"`` or ``"pdflatex"`` when on PATH (latexmk preferred), else ``""``.

    Examples
    --------
    >>> tex_engine() in ("latexmk", "pdflatex", "")
    True
    """
    if shutil.which("latexmk") and shutil.which("pdflatex"):
        return "latexmk"
    if shutil.which("pdflatex"):
        return "pdflatex"
    return ""


def how_to_get_pdf(tex_path: Path | str) -> str:
    """The instructions printed when no TeX engine is installed.

    Examples
    --------
    >>> "apt-get install" in how_to_get_pdf("out/report.tex")
    True
    """
    tex_path = Path(tex_path)
    return (
        "No LaTeX engine (latexmk or pdflatex) on PATH: wrote the .tex and figures only. "
        f"To get the PDF on Debian/Ubuntu: sudo apt-get install {' '.join(DEBIAN_PACKAGES)}; "
        f"then: cd {tex_path.parent} && latexmk -pdf -interaction=nonstopmode {tex_path.name} "
        f"(or run pdflatex {tex_path.name} twice)."
    )


def compile_pdf(tex_path: Path | str, *, timeout: float = 180.0, engine: str | None = None
                ) -> TexRun:
    """Compile `tex_path` to PDF with latexmk (or pdflatex twice) in its folder.

    Never raises for TeX problems: returns a :class:`TexRun` whose ``log``
    points at the TeX log when the run failed or timed out.

    Parameters
    ----------
    tex_path : path
        The ``.tex`` file.
    timeout : float
        Seconds for the whole run.
    engine : str, optional
        Force ``"latexmk"`` or ``"pdflatex"``; default :func:`tex_engine`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "t.tex").write_text(r"\\documentclass{article}\\begin{document}x\\end{document}")
    >>> run = compile_pdf(d / "t.tex")
    >>> run.ok or run.engine == ""
    True
    """
    import time

    tex_path = Path(tex_path).resolve()
    engine = tex_engine() if engine is None else engine
    if not engine:
        return TexRun(False, None, None, "", how_to_get_pdf(tex_path))
    log = tex_path.with_suffix(".log")
    pdf = tex_path.with_suffix(".pdf")
    if engine == "latexmk":
        commands = [["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error",
                     "-file-line-error", tex_path.name]]
    else:
        once = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
                tex_path.name]
        commands = [once, once]  # second pass resolves references
    start = time.perf_counter()
    deadline = start + timeout
    for cmd in commands:
        remaining = deadline - time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=tex_path.parent, capture_output=True, text=True,
                                  timeout=max(remaining, 1.0), stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return TexRun(False, None, log if log.exists() else None, engine,
                          f"{engine} timed out after {timeout:.0f} s; see {log}",
                          time.perf_counter() - start)
        if proc.returncode != 0:
            return TexRun(False, None, log if log.exists() else None, engine,
                          f"{engine} failed (exit {proc.returncode}): {first_tex_error(log)}; "
                          f"full log: {log}", time.perf_counter() - start)
    seconds = time.perf_counter() - start
    if not pdf.exists():
        return TexRun(False, None, log if log.exists() else None, engine,
                      f"{engine} finished without writing {pdf.name}; see {log}", seconds)
    return TexRun(True, pdf, log, engine, f"wrote {pdf}", seconds)


def first_tex_error(log: Path | str) -> str:
    """The first ``! ...`` error line (or ``file:line: ...``) of a TeX log.

    Examples
    --------
    >>> first_tex_error("/nonexistent.log")
    'no log written'
    """
    log = Path(log)
    if not log.exists():
        return "no log written"
    text = log.read_text(errors="replace").splitlines()
    for i, line in enumerate(text):
        if line.startswith("!") or re.match(r"^[^:\s]+\.tex:\d+: ", line):
            return " ".join(s.strip() for s in text[i:i + 2])
    return "no error line found in the log"


def overfull_boxes(log: Path | str, threshold_pt: float = 1.0) -> list[str]:
    """Overfull hbox warnings wider than `threshold_pt` in a TeX log (layout check).

    Examples
    --------
    >>> overfull_boxes("/nonexistent.log")
    []
    """
    log = Path(log)
    if not log.exists():
        return []
    out = []
    for line in log.read_text(errors="replace").splitlines():
        m = re.match(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)(.*)", line)
        if m and float(m.group(1)) > threshold_pt:
            out.append(line.strip())
    return out


def render_derivation(d, *, skip=()) -> str:
    """A Derivation's steps as LaTeX: title (and remark), then the formula fitted to the width.

    Examples
    --------
    >>> import sympy as sp
    >>> from foresight.derivations.steps import Derivation
    >>> d = Derivation("demo"); d.step("FOC for c_1", sp.Symbol("x") ** 2, "why")
    >>> print(render_derivation(d))  # doctest: +NORMALIZE_WHITESPACE
    \\textit{FOC for $c_1$} --- why
    \\fitmath{x^{2}}
    """
    out = []
    for s in d.steps:
        if any(k in s.title for k in skip):
            continue
        remark = f" --- {text_math(s.remark)}" if s.remark else ""
        out.append(f"\\textit{{{text_math(s.title)}}}{remark}\n"
                   f"\\fitmath{{{sympy_latex(s.expr)}}}")
    return "\n".join(out) + "\n"


def table(header, rows, caption, label, align=None) -> str:
    """A floating ``table``: escaped `header`, LaTeX `rows` (lists of cells), caption, label.

    Examples
    --------
    >>> print(table(["a", "b"], [["1", "2"]], "cap", "tab:x"))  # doctest: +NORMALIZE_WHITESPACE
    \\begin{table}[htbp]\\centering\\small
    \\begin{tabular}{lr}
    \\hline
    a & b \\\\
    \\hline
    1 & 2 \\\\
    \\hline
    \\end{tabular}
    \\caption{cap}
    \\label{tab:x}
    \\end{table}
    """
    header = [escape(h) for h in header]
    align = align or ("l" + "r" * (len(header) - 1))
    lines = [r"\begin{table}[htbp]\centering\small", rf"\begin{{tabular}}{{{align}}}",
             r"\hline", " & ".join(header) + r" \\", r"\hline"]
    lines += [" & ".join(r) + r" \\" for r in rows]
    lines += [r"\hline", r"\end{tabular}", rf"\caption{{{caption}}}", rf"\label{{{label}}}",
              r"\end{table}"]
    return "\n".join(lines)

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

# One symbol -> LaTeX mapping for derivations and reports (re-exported here).
from foresight.derivations.latex import (  # noqa: F401
    _ESCAPES,
    _GREEK,
    SYMBOL_LATEX,
    escape,
    sympy_latex,
    text_math,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

#: Debian packages that provide everything the report's preamble uses.
DEBIAN_PACKAGES = ("latexmk", "texlive-latex-recommended", "texlive-latex-extra")

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
    """A floating ``table``: `header` as text (symbols such as ``a_z``, ``R^2``, ``sigma``
    typeset by :func:`text_math`), LaTeX `rows` (lists of cells), caption, label.

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
    header = [text_math(h) for h in header]
    align = align or ("l" + "r" * (len(header) - 1))
    lines = [r"\begin{table}[htbp]\centering\small", rf"\begin{{tabular}}{{{align}}}",
             r"\hline", " & ".join(header) + r" \\", r"\hline"]
    lines += [" & ".join(r) + r" \\" for r in rows]
    lines += [r"\hline", r"\end{tabular}", rf"\caption{{{caption}}}", rf"\label{{{label}}}",
              r"\end{table}"]
    return "\n".join(lines)

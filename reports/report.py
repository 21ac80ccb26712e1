"""Build the LaTeX report: discover sections, run the checks, render, compile.

``foresight report`` (:mod:`foresight.reports.cmd_report`) calls
:func:`build_report`, which

1. discovers the section modules ``foresight.reports.section_*`` that exist in
   this checkout (a missing one is simply absent; one that fails to import is
   shown as a failed section),
2. calls each section's ``build(ctx)`` in ``ORDER`` and wraps the returned
   LaTeX in ``\\section{TITLE}``,
3. runs every registered verification case
   (:mod:`foresight.verify.registry`) and adds the checks the sections
   collected, for the verification table,
4. records provenance (versions, seeds, generated-code hashes, date, machine),
5. renders ``templates/report.tex`` and compiles it with latexmk / pdflatex
   when a TeX engine is installed (otherwise it says how to get the PDF).

Section plug-in interface
-------------------------
A section is a module ``reports/section_<name>.py`` with::

    TITLE: str                  # section title, plain text (the builder escapes it)
    ORDER: int                  # position in the report (blume_easley 10, exercises 20, bfe 30)
    def build(ctx) -> str:      # LaTeX body of the section (no \\section line)

``ctx`` is a :class:`ReportContext`.  A section

* writes figures into ``ctx.figures_dir`` (``<stem>.pdf/.png`` via
  :func:`foresight.reports.figures.grid_figure`) and includes them as
  ``figures/<stem>.pdf`` (or uses :meth:`ReportContext.figure`, which does
  both and returns the ``figure`` environment);
* appends :class:`~foresight.verify.check.CheckResult` records to
  ``ctx.checks`` (or calls :meth:`ReportContext.add_check_results`); they
  appear in the verification table and a failing one makes the command exit
  non-zero;
* may add entries to ``ctx.provenance`` (a dict: seeds, sizes, timings);
* uses ``ctx.quick`` to pick small sizes (tests) and ``ctx.seed`` as the root
  seed, and reports progress with ``ctx.progress("message")``;
* escapes every piece of text with :func:`foresight.reports.latex.escape`
  (or ``text_math``) and typesets SymPy with ``latex.sympy_latex``.

If ``build`` raises, the report is still written: the section shows a boxed
"section failed: <one line>" (the traceback goes to
``<out>/errors/<module>.txt``) and the command exits non-zero.

Examples
--------
>>> import tempfile
>>> ctx = ReportContext.create(tempfile.mkdtemp(), seed=1, quick=True)
>>> ctx.figures_dir.name, ctx.quick, ctx.checks
('figures', True, [])
>>> "section failed" in failed_section_box("ValueError: bad & worse")
True
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from foresight.reports import latex

#: Root seed of every simulation in the default report.
DEFAULT_SEED = 20251123
#: Prefix of section modules inside ``foresight.reports``.
SECTION_PREFIX = "section_"
#: Name of the LaTeX file written into the output folder.
TEX_NAME = "report.tex"
#: Characters of a verification-table cell before it is abbreviated.
CELL_CHARS = 28
NAME_CHARS = 60


def _stderr_progress(message: str) -> None:
    print(f"foresight report: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class ReportContext:
    """What a section's ``build(ctx)`` receives.

    Attributes
    ----------
    out_dir : Path
        The report folder (``report.tex`` is written here).
    figures_dir : Path
        ``out_dir / "figures"``; include figures as ``figures/<stem>.pdf``.
    seed : int
        Root seed; sections derive their streams from it
        (``numpy.random.SeedSequence(seed)``, or ``seed + k`` per experiment).
    quick : bool
        Small sizes (tests, previews); the report says so on its first page.
    progress : callable(str)
        Progress messages (the CLI prints them on stderr).
    checks : list of CheckResult
        Checks computed by sections; listed in the verification table.
    provenance : dict
        Entries sections add (seeds, sizes, timings); printed in Provenance.
    """

    out_dir: Path
    figures_dir: Path
    seed: int = DEFAULT_SEED
    quick: bool = False
    progress: Callable[[str], None] = _stderr_progress
    checks: list = field(default_factory=list)
    provenance: dict = field(default_factory=dict)

    @classmethod
    def create(cls, out_dir, *, seed: int = DEFAULT_SEED, quick: bool = False,
               progress: Callable[[str], None] | None = None) -> ReportContext:
        """A context for `out_dir` (folders created)."""
        out_dir = Path(out_dir)
        figures = out_dir / "figures"
        figures.mkdir(parents=True, exist_ok=True)
        return cls(out_dir, figures, int(seed), bool(quick), progress or _stderr_progress)

    def add_check_results(self, results) -> None:
        """Append one CheckResult or an iterable of them to :attr:`checks`."""
        if hasattr(results, "passed"):
            self.checks.append(results)
        else:
            self.checks.extend(results)

    def figure(self, stem: str, panels, caption: str, *, label: str | None = None,
               height_per_row: float = 2.1, width: str = r"\linewidth") -> str:
        """Draw `panels` with ``grid_figure`` into the figures folder; return a figure env.

        `caption` is LaTeX (escape plain text yourself); `label` defaults to
        ``fig:<stem>``.
        """
        from foresight.reports.figures import grid_figure

        grid_figure(panels, self.figures_dir / stem, height_per_row=height_per_row)
        return (
            "\\begin{figure}[htbp]\n\\centering\n"
            f"\\includegraphics[width={width}]{{figures/{stem}.pdf}}\n"
            f"\\caption{{{caption}}}\\label{{{label or 'fig:' + stem}}}\n\\end{{figure}}\n"
        )


# ------------------------------------------------------------------ sections


@dataclass
class SectionOutcome:
    """One section of the built report."""

    module: str
    title: str
    order: float
    ok: bool
    body: str
    seconds: float
    error: str = ""
    reused: str = ""  # when reused from the cache: when and how fast it was computed

    @property
    def name(self) -> str:
        return self.module.rsplit(".", 1)[-1].removeprefix(SECTION_PREFIX)

    def to_dict(self) -> dict:
        return {"name": self.name, "module": self.module, "title": self.title,
                "ok": self.ok, "seconds": round(self.seconds, 3), "error": self.error,
                "reused_from": self.reused or None}


def discover_sections() -> list[str]:
    """Names of the ``foresight.reports.section_*`` modules present in this checkout.

    Examples
    --------
    >>> all(n.startswith("foresight.reports.section_") for n in discover_sections())
    True
    """
    import foresight.reports as package

    names = {info.name for info in pkgutil.iter_modules(package.__path__)
             if info.name.startswith(SECTION_PREFIX)}
    return [f"foresight.reports.{n}" for n in sorted(names)]


def one_line(exc: BaseException, limit: int = 300) -> str:
    """``Type: first line of the message``, at most `limit` characters.

    Examples
    --------
    >>> one_line(ValueError("first\\nsecond"))
    'ValueError: first'
    """
    message = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def failed_section_box(message: str, detail: str = "") -> str:
    """The boxed notice that replaces a section whose ``build`` raised.

    Examples
    --------
    >>> print(failed_section_box("KeyError: 'x'"))  # doctest: +ELLIPSIS
    \\begin{center}\\fcolorbox{red}...section failed:} KeyError: 'x'...
    """
    extra = f"\\\\[2pt]\\small {latex.escape(detail)}" if detail else ""
    return (
        "\\begin{center}\\fcolorbox{red}{red!6}{\\parbox{0.94\\linewidth}{"
        f"\\textbf{{\\color{{red}}section failed:}} {latex.escape(message)}{extra}}}}}"
        "\\end{center}\n"
    )


def _load_section(spec):
    """(module name, module-like object) for a name, module or object with TITLE/build."""
    if isinstance(spec, str):
        return spec, importlib.import_module(spec)
    return getattr(spec, "__name__", type(spec).__name__), spec


def _figure_state(folder: Path) -> dict:
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()
            if p.is_file()}


def _build_section(ctx: ReportContext, name: str, module, cache) -> tuple[str, str]:
    """(body, "" or when and how fast the reused result was computed) of one section.

    With a cache, only the project's own sections are reused (a section passed
    as an object has no source the key could cover).  What a section adds to
    `ctx` -- checks, provenance entries, figures -- is stored with its body and
    restored on reuse, so a reused section reads exactly as a computed one.  A
    section with a failed check is not stored.
    """
    from dataclasses import asdict

    from foresight.verify.check import CheckResult

    if cache is None or not name.startswith(f"foresight.reports.{SECTION_PREFIX}"):
        return str(module.build(ctx)), ""
    from foresight.reports.result_cache import inputs_digest

    params = {"seed": ctx.seed, "quick": ctx.quick,
              "inputs": inputs_digest(getattr(module, "CACHE_INPUTS", ()))}
    hit = cache.load("section", name, params)
    if hit is not None:
        for rel, path in hit.files.items():
            shutil.copyfile(path, ctx.figures_dir / rel)
        ctx.checks.extend(CheckResult(**d) for d in hit.payload["checks"])
        ctx.provenance.update(hit.payload["provenance"])
        return hit.payload["body"], f"{hit.created} in {hit.payload['seconds']:.1f} s"
    figures_before = _figure_state(ctx.figures_dir)
    n_checks, provenance_before = len(ctx.checks), dict(ctx.provenance)
    start = time.perf_counter()
    body = str(module.build(ctx))
    written = {k for k, v in _figure_state(ctx.figures_dir).items()
               if figures_before.get(k) != v}
    payload = {"body": body, "seconds": time.perf_counter() - start,
               "checks": [asdict(r) for r in ctx.checks[n_checks:]],
               "provenance": {k: v for k, v in ctx.provenance.items()
                              if provenance_before.get(k, object()) != v}}
    # Like verification cases, a section whose own checks failed is never reused: a
    # transient failure (a sandbox timeout on a loaded machine) must not stick.
    if all(r.passed for r in ctx.checks[n_checks:]):
        cache.store("section", name, params, payload,
                    files={rel: ctx.figures_dir / rel for rel in sorted(written)})
    return body, ""


def build_sections(ctx: ReportContext, sections: Sequence | None = None,
                   cache=None) -> list[SectionOutcome]:
    """Import and build every section; failures become boxed notices, never exceptions.

    `cache` (a :class:`~foresight.reports.result_cache.ResultCache`) reuses a
    section computed before by the same code on the same seed and sizes.
    """
    specs = list(discover_sections() if sections is None else sections)
    loaded = []
    for spec in specs:
        try:
            name, module = _load_section(spec)
            title, order = str(module.TITLE), float(module.ORDER)
            if not callable(getattr(module, "build", None)):
                raise TypeError(f"{name} has no build(ctx) function")
            loaded.append((order, name, title, module, None))
        except Exception as exc:  # noqa: BLE001 - a broken plug-in must not stop the report
            name = spec if isinstance(spec, str) else repr(spec)
            title = name.rsplit(".", 1)[-1].removeprefix(SECTION_PREFIX).replace("_", " ")
            loaded.append((1e9, name, title, None, exc))
    outcomes = []
    for order, name, title, module, error in sorted(loaded, key=lambda x: (x[0], x[1])):
        start = time.perf_counter()
        if error is None:
            ctx.progress(f"section {title!r} ...")
            try:
                body, reused = _build_section(ctx, name, module, cache)
                outcomes.append(SectionOutcome(name, title, order, True, body,
                                               time.perf_counter() - start, reused=reused))
                ctx.progress(f"section {title!r} "
                             + (f"reused (computed {reused})" if reused else "done")
                             + f" in {time.perf_counter() - start:.1f} s")
                continue
            except Exception as exc:  # noqa: BLE001
                error = exc
        message = one_line(error)
        log = _write_traceback(ctx.out_dir, name, error)
        ctx.progress(f"section {title!r} FAILED: {message} (traceback: {log})")
        body = failed_section_box(message, f"traceback: {log.relative_to(ctx.out_dir)}")
        outcomes.append(SectionOutcome(name, title, order, False, body,
                                       time.perf_counter() - start, message))
    return outcomes


def _write_traceback(out_dir: Path, name: str, exc: BaseException) -> Path:
    folder = out_dir / "errors"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.rsplit('.', 1)[-1]}.txt"
    path.write_text("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    return path


# ------------------------------------------------------------------ verification


def run_registered_checks(select: str | None = None, progress=None, cache=None) -> list:
    """Run every registered verification case; a case that raises becomes a failed record.

    Delegates to :func:`foresight.verify.registry.run_cases`, which turns an
    exception into a FAILED record naming the case, the exception and where.
    With `cache`, a case whose checks all passed before with the same code is
    reused; a case with a failed check is always recomputed.
    """
    from foresight.verify.registry import run_cases

    runner = None
    if cache is not None:
        from dataclasses import asdict

        from foresight.verify.check import CheckResult

        def runner(case):
            hit = cache.load("verify", case.name, {})
            if hit is not None:
                return [CheckResult(**d) for d in hit.payload]
            out = case.run()
            records = [out] if isinstance(out, CheckResult) else list(out)
            if records and all(r.passed for r in records):
                cache.store("verify", case.name, {}, [asdict(r) for r in records])
            return records

    return run_cases(select, progress=None if progress is None
                     else (lambda name: progress(f"verify {name}")), runner=runner)


def abbreviate(text, limit: int = CELL_CHARS) -> str:
    """`text` cut to `limit` characters with an ellipsis (plain text, not escaped).

    Examples
    --------
    >>> abbreviate("a" * 40, 10)
    'aaaaaaaaa…'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def breakable(text) -> str:
    """Escape `text` and allow line breaks after ``. _ , / ( [ =``.

    Examples
    --------
    >>> breakable("kl.closed_form")
    'kl.\\\\allowbreak{}closed\\\\_\\\\allowbreak{}form'
    """
    out = latex.escape(text)
    for token in (".", r"\_", ",", "/", "(", "[", "="):
        out = out.replace(token, token + r"\allowbreak{}")
    return out


def _cell(value) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return latex.fmt_number(value, 6)
    try:
        import numpy as np

        if isinstance(value, np.floating | np.integer):
            return latex.fmt_number(float(value), 6)
    except ImportError:  # pragma: no cover
        pass
    return breakable(abbreviate(value))


def _compared(expected, observed) -> tuple[str, str] | None:
    """The compared numbers of two arrays: both values where they differ most.

    A verification row must show what was compared, not ``array(20, 40)``:
    for arrays of up to 3 numbers every value is shown; for larger ones the
    entry of largest ``|observed - expected|``, with its index and the shape.
    Returns None when the two are not numeric arrays of one shape.
    """
    try:
        import numpy as np

        e, o = np.asarray(expected, dtype=float), np.asarray(observed, dtype=float)
    except (TypeError, ValueError, ImportError):
        return None
    if e.ndim == 0 or e.shape != o.shape or e.size == 0:
        return None
    if e.size <= 3:
        return tuple(", ".join(latex.fmt_number(float(x), 6) for x in a.ravel()) for a in (e, o))
    diff = np.abs(o - e)
    where = np.unravel_index(int(np.nanargmax(diff)) if np.isfinite(diff).any() else 0, e.shape)
    at = ",".join(str(int(k)) for k in where)
    shape = r"\,$	imes$\,".join(str(k) for k in e.shape)
    return tuple(f"{latex.fmt_number(float(a[where]), 6)} at [{at}] of {shape}" for a in (e, o))


def check_rows(results: Iterable) -> list[dict]:
    """Rows of the verification table (LaTeX-ready strings)."""
    rows = []
    for r in results:
        pair = _compared(r.expected, r.observed)
        rows.append({
            "passed": bool(r.passed),
            "verdict": r"\textcolor{green!40!black}{pass}" if r.passed
            else r"\textcolor{red}{\textbf{FAIL}}",
            "name": breakable(abbreviate(r.name, NAME_CHARS)),
            "expected": pair[0] if pair else _cell(r.expected),
            "observed": pair[1] if pair else _cell(r.observed),
            "error": _cell(r.error),
            "tolerance": _cell(r.tolerance),
            "statement": latex.escape(abbreviate(r.statement, 400)),
            "basis": latex.escape(abbreviate(r.basis, 300)),
        })
    return rows


# ------------------------------------------------------------------ provenance


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # noqa: BLE001
        try:
            return str(importlib.import_module(module).__version__)
        except Exception:  # noqa: BLE001
            return "not installed"


def generated_hashes() -> dict[str, str]:
    """``{stem: content-sha256}`` of every generated kernel module (from its header).

    Examples
    --------
    >>> all(len(h) == 64 or h.startswith("missing") for h in generated_hashes().values())
    True
    """
    from foresight.derivations import codegen

    out = {}
    for stem in sorted(codegen.GENERATED_MODULES):
        try:
            out[stem] = codegen.content_hash(stem)
        except Exception as exc:  # noqa: BLE001
            out[stem] = f"missing ({one_line(exc, 80)})"
    return out


def provenance(seed: int, quick: bool) -> dict:
    """Versions, seed, generated-code hashes, date and machine of this run."""
    import datetime
    import os
    import platform

    import foresight

    return {
        "date_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "command": " ".join(["foresight", *sys.argv[1:]]) if sys.argv else "",
        "versions": {
            "python": platform.python_version(),
            "foresight": foresight.__version__,
            "numpy": _version("numpy"),
            "numba": _version("numba"),
            "sympy": _version("sympy"),
            "scipy": _version("scipy"),
            "mpmath": _version("mpmath"),
            "matplotlib": _version("matplotlib"),
        },
        "seed": seed,
        "quick": quick,
        "machine": {
            "host": platform.node(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
        },
        "generated_sha256": generated_hashes(),
    }


def _flatten(d: dict, prefix: str = "") -> list[tuple[str, str]]:
    out = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.extend(_flatten(v, key + "."))
        else:
            out.append((key, v if isinstance(v, str) else json.dumps(v, default=str)))
    return out


# ------------------------------------------------------------------ the build


@dataclass
class ReportResult:
    """What :func:`build_report` produced."""

    out_dir: Path
    tex: Path
    pdf: Path | None
    sections: list[SectionOutcome]
    checks: list
    tex_run: latex.TexRun | None
    pdf_message: str
    timing: dict
    figures: list[Path] = field(default_factory=list)

    @property
    def failed_checks(self) -> list:
        return [r for r in self.checks if not r.passed]

    @property
    def failed_sections(self) -> list[SectionOutcome]:
        return [s for s in self.sections if not s.ok]

    @property
    def exit_status(self) -> int:
        """0 when every section built, every check passed and the PDF (if tried) compiled."""
        pdf_failed = self.tex_run is not None and self.tex_run.engine and not self.tex_run.ok
        return 1 if (self.failed_checks or self.failed_sections or pdf_failed) else 0

    def summary(self) -> dict:
        """Machine-readable summary (``foresight report --json``)."""
        return {
            "out_dir": str(self.out_dir),
            "tex": str(self.tex),
            "pdf": str(self.pdf) if self.pdf else None,
            "pdf_message": self.pdf_message,
            "figures": [str(p) for p in self.figures],
            "sections": [s.to_dict() for s in self.sections],
            "checks": {
                "total": len(self.checks),
                "passed": len(self.checks) - len(self.failed_checks),
                "failed": len(self.failed_checks),
                "failed_names": [r.name for r in self.failed_checks],
            },
            "timing_s": {k: round(v, 3) for k, v in self.timing.items()},
            "exit_status": self.exit_status,
        }


def build_report(
    out_dir,
    *,
    seed: int = DEFAULT_SEED,
    quick: bool = False,
    pdf: bool = True,
    verify: bool = True,
    verify_select: str | None = None,
    sections: Sequence | None = None,
    progress: Callable[[str], None] | None = None,
    tex_timeout: float = 240.0,
    cache_dir=None,
) -> ReportResult:
    """Write ``report.tex`` (and ``report.pdf`` when TeX is installed) into `out_dir`.

    Parameters
    ----------
    out_dir : path
        Output folder (created).
    seed : int
        Root seed of the simulations.
    quick : bool
        Small sizes for tests.
    pdf : bool
        Compile with latexmk/pdflatex when one is on PATH.
    verify : bool
        Run the registered verification cases (sections' own checks are
        always included).
    verify_select : str, optional
        Only registered cases whose name contains this text.
    sections : sequence, optional
        Section module names (or objects with TITLE/ORDER/build); default
        every ``foresight.reports.section_*`` module present.
    progress : callable(str), optional
        Progress sink (default: lines on stderr).
    cache_dir : path, optional
        Reuse sections and verification cases computed before by the same code
        (:mod:`foresight.reports.result_cache`); None (the default of the API)
        computes everything.  ``foresight report`` passes the default cache
        folder unless ``--no-cache``.

    Returns
    -------
    ReportResult
    """
    start = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    ctx = ReportContext.create(out_dir, seed=seed, quick=quick, progress=progress)
    for stale in (out_dir / "errors").glob("*.txt"):
        stale.unlink()
    timing: dict[str, float] = {}
    cache = None
    if cache_dir is not None:
        from foresight.reports.result_cache import ResultCache

        cache = ResultCache(cache_dir, notify=ctx.progress)
    outcomes = build_sections(ctx, sections, cache)
    for s in outcomes:
        timing[f"section.{s.name}"] = s.seconds

    t0 = time.perf_counter()
    registry_checks = []
    if verify:
        ctx.progress("running the registered verification cases ...")
        registry_checks = run_registered_checks(verify_select, progress=ctx.progress,
                                                cache=cache)
    timing["verification"] = time.perf_counter() - t0
    checks = list(ctx.checks) + registry_checks

    prov = provenance(seed, quick)
    prov["sections"] = {s.name: (f"reused from the result cache (computed {s.reused})"
                                 if s.reused else
                                 f"{'ok' if s.ok else 'FAILED'} in {s.seconds:.1f} s")
                        for s in outcomes}
    prov["result_cache"] = (f"{cache.root} (key: code fingerprint {cache.fingerprint[:16]}, "
                            "seed, sizes, inputs)" if cache else "not used")
    if ctx.provenance:
        prov["section_entries"] = dict(ctx.provenance)
    rows_sections = check_rows(ctx.checks)
    rows_registry = check_rows(registry_checks)
    failed = [r for r in checks if not r.passed]
    text = latex.render(
        "report.tex",
        sections=outcomes,
        n_failed_sections=sum(not s.ok for s in outcomes),
        section_rows=rows_sections,
        registry_rows=rows_registry,
        verify_ran=verify,
        verify_select=verify_select,
        n_checks=len(checks),
        n_failed=len(failed),
        failed_rows=check_rows(failed),
        provenance=[(breakable(k), breakable(v)) for k, v in _flatten(prov)],
        quick=quick,
        seed=seed,
        date=prov["date_utc"],
        version=prov["versions"]["foresight"],
    )
    tex = out_dir / TEX_NAME
    tex.write_text(text, encoding="utf-8")
    figures = sorted(ctx.figures_dir.glob("*.pdf"))

    tex_run = None
    pdf_path = None
    if pdf and latex.tex_engine():
        ctx.progress(f"compiling {tex.name} with {latex.tex_engine()} ...")
        t0 = time.perf_counter()
        tex_run = latex.compile_pdf(tex, timeout=tex_timeout)
        timing["tex"] = time.perf_counter() - t0
        pdf_path = tex_run.pdf if tex_run.ok else None
        message = tex_run.message
    elif pdf:
        message = latex.how_to_get_pdf(tex)
    else:
        message = ("PDF not requested (--no-pdf): wrote the .tex and figures; "
                   f"to compile: cd {out_dir} && latexmk -pdf {tex.name}")
    timing["total"] = time.perf_counter() - start
    result = ReportResult(out_dir, tex, pdf_path, outcomes, checks, tex_run, message, timing,
                          figures)
    (out_dir / "report.json").write_text(json.dumps(result.summary(), indent=2))
    return result

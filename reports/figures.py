"""Figures for reports: a grid of panels described as data, saved as PDF and PNG.

Sections describe *what* to draw (:class:`Panel`: lines, shaded bands,
dashed reference lines) and :func:`grid_figure` draws it with matplotlib's Agg
backend (no display needed), sized for an A4 text width, and writes
``<stem>.pdf`` (vector, for LaTeX) and ``<stem>.png`` (for quick viewing).

Examples
--------
>>> import tempfile, pathlib
>>> import numpy as np
>>> x = np.arange(10)
>>> p = Panel("demo", lines=[Line(x, x / 10, "rising")], hlines=[HLine(0.5, "half")])
>>> out = grid_figure([[p]], pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> sorted(f.suffix for f in out)
['.pdf', '.png']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Width of the text block of the report (A4, 2.2 cm margins), inches.
TEXT_WIDTH_IN = 6.5

STYLE = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 6.5,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.2,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,
    "figure.dpi": 100,
}


@dataclass
class Line:
    """A curve ``y(x)``; `y` may be 2-D (one curve per row: sample paths)."""

    x: np.ndarray
    y: np.ndarray
    label: str | None = None
    color: str | None = None
    alpha: float = 1.0
    linewidth: float | None = None
    linestyle: str = "-"


@dataclass
class Band:
    """A shaded band between `low` and `high`."""

    x: np.ndarray
    low: np.ndarray
    high: np.ndarray
    label: str | None = None
    color: str | None = None
    alpha: float = 0.25


@dataclass
class HLine:
    """A dashed horizontal reference line (a theoretical limit, a Pareto weight)."""

    y: float
    label: str | None = None
    color: str = "black"
    linestyle: str = "--"
    alpha: float = 0.7


@dataclass
class VLine:
    """A dashed vertical marker (e.g. the first time the median is near 0 or 1)."""

    x: float
    label: str | None = None
    color: str = "black"
    linestyle: str = "--"
    alpha: float = 0.7


@dataclass
class Panel:
    """One axes: title, labels and the things drawn in it."""

    title: str = ""
    xlabel: str = "$t$"
    ylabel: str = ""
    lines: list = field(default_factory=list)
    bands: list = field(default_factory=list)
    hlines: list = field(default_factory=list)
    vlines: list = field(default_factory=list)
    ylim: tuple | None = None
    logy: bool = False
    legend: bool = True
    note: str | None = None  # text drawn in the panel when there is no data


def _draw(ax, panel: Panel) -> None:
    for b in panel.bands:
        ax.fill_between(b.x, b.low, b.high, color=b.color, alpha=b.alpha, label=b.label,
                        linewidth=0)
    for ln in panel.lines:
        y = np.asarray(ln.y)
        if y.ndim == 2:
            # Many sample paths: one Line2D collection, one legend entry.
            segs = [np.column_stack([ln.x, row]) for row in y]
            from matplotlib.collections import LineCollection

            lc = LineCollection(segs, colors=ln.color or "C0", alpha=ln.alpha,
                                linewidths=ln.linewidth or 0.6, label=ln.label)
            ax.add_collection(lc)
            ax.autoscale_view()
        else:
            ax.plot(ln.x, y, color=ln.color, alpha=ln.alpha, label=ln.label,
                    linewidth=ln.linewidth, linestyle=ln.linestyle)
    for h in panel.hlines:
        ax.axhline(h.y, color=h.color, linestyle=h.linestyle, alpha=h.alpha, label=h.label,
                   linewidth=0.9)
    for v in panel.vlines:
        ax.axvline(v.x, color=v.color, linestyle=v.linestyle, alpha=v.alpha, label=v.label,
                   linewidth=0.9)
    if panel.logy:
        ax.set_yscale("log")
    if panel.ylim is not None:
        ax.set_ylim(*panel.ylim)
    ax.set_title(panel.title)
    ax.set_xlabel(panel.xlabel)
    ax.set_ylabel(panel.ylabel)
    if panel.note:
        ax.text(0.5, 0.5, panel.note, transform=ax.transAxes, ha="center", va="center",
                fontsize=7, wrap=True)
    if panel.legend and ax.get_legend_handles_labels()[1]:
        ax.legend(loc="best", frameon=True, framealpha=0.8)


def grid_figure(panels, stem: Path | str, *, height_per_row: float = 2.1,
                width: float = TEXT_WIDTH_IN) -> list[Path]:
    """Draw a grid of :class:`Panel` (list of rows) and save ``stem``.pdf / .png.

    Parameters
    ----------
    panels : list of list of Panel
        Rows of panels; ``None`` leaves a cell empty.
    stem : path
        Output path without suffix; the folder is created.
    height_per_row, width : float
        Figure size in inches (the report includes figures at text width, so
        fonts print at their nominal size).

    Returns
    -------
    list of Path
        ``[stem.pdf, stem.png]``.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    n_rows = len(panels)
    n_cols = max(len(r) for r in panels)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(n_rows, n_cols, figsize=(width, height_per_row * n_rows),
                                 squeeze=False)
        for i, row in enumerate(panels):
            for j in range(n_cols):
                panel = row[j] if j < len(row) else None
                if panel is None:
                    axes[i, j].set_visible(False)
                else:
                    _draw(axes[i, j], panel)
        fig.tight_layout()
        out = [stem.with_suffix(".pdf"), stem.with_suffix(".png")]
        fig.savefig(out[0])
        fig.savefig(out[1], dpi=150)
        plt.close(fig)
    return out


def median_band(values: np.ndarray, low: float = 10, high: float = 90):
    """Median and percentile band over paths (axis 0) of an ``(N, T)`` array.

    Examples
    --------
    >>> med, lo, hi = median_band(np.arange(12.0).reshape(4, 3))
    >>> med.tolist()
    [4.5, 5.5, 6.5]
    """
    values = np.asarray(values, dtype=float)
    lo, med, hi = np.percentile(values, [low, 50, high], axis=0)
    return med, lo, hi

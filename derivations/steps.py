"""Records of a derivation: named results plus the steps that produced them.

Reports print the steps ("Lagrangian", "FOC for c_1", "solved for c_1") with
:func:`foresight.derivations.latex.sympy_latex`; the numerics use the named
results through code generation.  In a notebook a Derivation displays itself
(:meth:`Derivation._repr_latex_`) with the same notation as the PDF report,
and ends with the list of its result keys.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> d = Derivation("demo")
>>> d.step("Objective", x**2 - 2*x)
>>> d.result("minimiser", sp.solve(sp.diff(x**2 - 2*x, x), x)[0])
>>> d["minimiser"]
1
>>> d.keys()
['minimiser']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp


@dataclass(frozen=True)
class Step:
    """One displayed step: a title, an expression (or equation) and a remark.

    Parameters
    ----------
    title : str
        Prose with tokens such as ``c_1`` (typeset as mathematics).
    expr : object
        A SymPy expression, equation, list of them, or a bool (a verified identity).
    remark : str, optional
        Why the step holds.
    """

    title: str
    expr: object
    remark: str = ""

    def latex(self) -> str:
        """The expression in the report's notation (:func:`..latex.sympy_latex`)."""
        from foresight.derivations.latex import sympy_latex

        return sympy_latex(self.expr)


@dataclass
class Derivation:
    r"""A named derivation: ordered steps and named results.

    Parameters
    ----------
    title : str
    steps : list of Step, optional
    results : dict, optional
        Name -> SymPy object; read with ``d[name]``, listed by :meth:`keys`.
    assumptions : list of str, optional

    Examples
    --------
    >>> d = Derivation("demo")
    >>> d.result("share_stable", sp.Symbol("lambda_{1,t}"), "c_1 / Y")
    >>> print(d._repr_latex_())  # doctest: +NORMALIZE_WHITESPACE
    $$\begin{aligned}\text{Result: }\mathtt{share\_stable}: & \lambda_{1,t}
    & & \text{(}c_1\text{ / Y)} \\
    \text{Result keys: }& \mathtt{share\_stable}\end{aligned}$$
    """

    title: str
    steps: list[Step] = field(default_factory=list)
    results: dict[str, object] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)

    def step(self, title: str, expr, remark: str = "") -> None:
        """Record a displayed step (not a result)."""
        self.steps.append(Step(title, expr, remark))

    def result(self, name: str, expr, remark: str = "") -> None:
        """Record a named result and display it as a step ``Result: name``."""
        self.results[name] = expr
        self.steps.append(Step(f"Result: {name}", expr, remark))

    def __getitem__(self, name: str):
        try:
            return self.results[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a result of '{self.title}'; its results: "
                           f"{', '.join(self.results)}") from None

    def keys(self) -> list[str]:
        """The names of the results, in the order they were derived."""
        return list(self.results)

    def _repr_latex_(self) -> str:
        """Steps, remarks and the result keys as one ``aligned`` display (pdflatex, MathJax)."""
        from foresight.derivations.latex import math_text

        rows = []
        for s in self.steps:
            row = rf"{math_text(s.title)}: & {s.latex()}"
            if s.remark:
                row += rf" & & {math_text('(' + s.remark + ')')}"
            rows.append(row)
        keys = r",\ ".join(math_text(k) if "_" not in k and "^" not in k
                           else r"\mathtt{" + k.replace("_", r"\_") + "}" for k in self.results)
        rows.append(rf"\text{{Result keys: }}& {keys}")
        body = " \\\\\n".join(rows)
        return rf"$$\begin{{aligned}}{body}\end{{aligned}}$$"

    def __str__(self) -> str:
        lines = [self.title, "=" * len(self.title)]
        for s in self.steps:
            lines.append(f"{s.title}:\n    {sp.sstr(s.expr)}")
            if s.remark:
                lines.append(f"    ({s.remark})")
        lines.append(f"Result keys: {', '.join(self.results)}")
        return "\n".join(lines)

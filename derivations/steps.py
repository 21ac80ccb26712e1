"""Records of a derivation: named results plus the steps that produced them.

Reports print the steps ("Lagrangian", "FOC for c_1", "solved for c_1") with
``sympy.latex``; the numerics use the named results through code generation.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> d = Derivation("demo")
>>> d.step("Objective", x**2 - 2*x)
>>> d.result("minimiser", sp.solve(sp.diff(x**2 - 2*x, x), x)[0])
>>> d["minimiser"]
1
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp


@dataclass(frozen=True)
class Step:
    """One displayed step: a title, an expression (or equation) and a remark."""

    title: str
    expr: object
    remark: str = ""

    def latex(self) -> str:
        return sp.latex(self.expr)


@dataclass
class Derivation:
    """A named derivation: ordered steps and named results."""

    title: str
    steps: list[Step] = field(default_factory=list)
    results: dict[str, object] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)

    def step(self, title: str, expr, remark: str = "") -> None:
        self.steps.append(Step(title, expr, remark))

    def result(self, name: str, expr, remark: str = "") -> None:
        self.results[name] = expr
        self.steps.append(Step(f"Result: {name}", expr, remark))

    def __getitem__(self, name: str):
        return self.results[name]

    def _repr_latex_(self) -> str:
        body = r" \\ ".join(
            rf"\text{{{s.title}}}: & {s.latex()}" for s in self.steps
        )
        return rf"$$\begin{{aligned}}{body}\end{{aligned}}$$"

    def __str__(self) -> str:
        lines = [self.title, "=" * len(self.title)]
        for s in self.steps:
            lines.append(f"{s.title}:\n    {sp.sstr(s.expr)}")
            if s.remark:
                lines.append(f"    ({s.remark})")
        return "\n".join(lines)

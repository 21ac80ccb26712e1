"""Quality ladder (Islah & Light 2025, Section 4.2): the logit-demand limiting profit.

Firms' states are product qualities ``x in {0, ..., M}``; the dynamics and the
investment problem are those of :mod:`foresight.derivations.capacity`.  In the
limit of many consumers and many firms (Light & Weintraub 2022) the profit of a
firm of quality ``x`` is::

    u(x, z, s) = z c (x + 1)**theta1 / S,     S = sum_y (y + 1)**theta1 s(y)

so the population enters only through the *quality index* ``S``: the
statistic the N-BFE engine forecasts.  ``theta1 < 1`` (the paper's
restriction); ``c`` gathers the equilibrium mark-up, income and ``theta2``.

Examples
--------
>>> d = quality_ladder_derivation()
>>> d["profit"]
c_tilde*z*(capacity_x + 1)**theta1/quality_index
>>> d["profit_share_sum"]
c_tilde*z
"""

from __future__ import annotations

import functools

import sympy as sp

from foresight.derivations.codegen import Kernel, KernelModule
from foresight.derivations.steps import Derivation

__all__ = ["quality_ladder_derivation", "kernel_module"]

x = sp.Symbol("capacity_x", nonnegative=True)
z = sp.Symbol("z", positive=True)
theta1 = sp.Symbol("theta1", real=True)
c_tilde = sp.Symbol("c_tilde", positive=True)
quality_index = sp.Symbol("quality_index", positive=True)


@functools.lru_cache(maxsize=1)
def quality_ladder_derivation() -> Derivation:
    """Profit and population statistic of the quality-ladder model.

    Results: ``quality_weight`` ((x+1)^theta1), ``profit``, and
    ``profit_share_sum`` (total profit of a population whose index is ``S``:
    ``z c`` -- the logit limit splits a fixed pie).

    Examples
    --------
    >>> quality_ladder_derivation()["quality_weight"]
    (capacity_x + 1)**theta1
    """
    d = Derivation("Quality ladder: logit-demand limiting profit")
    d.assumptions += ["theta1 < 1", "c_tilde > 0", "z > 0"]
    weight = (x + 1) ** theta1
    d.result("quality_weight", weight, "contribution of a firm of quality x to the index S")
    profit = z * c_tilde * weight / quality_index
    d.result("profit", profit, "u(x, z, s) = z c (x+1)^theta1 / S")
    # Integrate the profit against a population on {0, 1, 2, 3} with symbolic shares
    # (S its own index): the logit limit splits a fixed pie z c.
    shares = sp.symbols("s0:4", positive=True)
    index = sum(weight.subs(x, k) * shares[k] for k in range(4))
    share_sum = sp.simplify(sum(profit.subs({x: k, quality_index: index}) * shares[k]
                                for k in range(4)))
    d.step("Total profit of a population on {0,..,3}",
           sp.Eq(sp.Symbol("total_profit"), share_sum))
    d.result("profit_share_sum", share_sum, "sum_x u(x) s(x) = z c (shares sum to one)")
    return d


def kernel_module() -> KernelModule:
    """Kernels for ``numerics/generated/quality_ladder.py``.

    Examples
    --------
    >>> [k.name for k in kernel_module().kernels]
    ['quality_weight', 'quality_ladder_profit']
    """
    d = quality_ladder_derivation()
    return KernelModule(
        name="quality_ladder",
        source="foresight.derivations.quality_ladder",
        doc="Quality ladder: quality weight and logit-limit profit (generated).",
        kernels=(
            Kernel("quality_weight", (x, theta1), d["quality_weight"],
                   "(x + 1)**theta1: a firm's contribution to the quality index."),
            Kernel("quality_ladder_profit", (x, z, quality_index, theta1, c_tilde), d["profit"],
                   "z * c * (x + 1)**theta1 / S."),
        ),
    )

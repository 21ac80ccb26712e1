"""Capacity competition (Islah & Light 2025, Section 4.2): transition, profit, investment FOC.

A firm in state ``x in {0, ..., M}`` invests ``a in [0, a_max]``.  Investment
succeeds with probability ``a / (1 + a)``; independently the state depreciates
with probability ``delta``.  The state rises by one when the investment succeeds
and nothing depreciates, falls by one when it depreciates and the investment
fails, and stays otherwise.  The three probabilities are derived here from the
two independent events (their sum is *derived* to be one, not assumed).

At the edges of the grid the move that would leave it is suppressed: the firm
stays.  In the Bellman objective that is the same as giving the suppressed move
the continuation value of staying (``W_down = W_stay`` at ``x = 0``,
``W_up = W_stay`` at ``x = M``), which the numerics do by clamping the
neighbour index; the first-order condition below covers the edges with no
special case.

One-period Bellman objective with generic continuation values ``W`` (the
expectation over the next aggregate state is already inside ``W``)::

    J(a) = -d a + beta (p_down(a) W_down + p_stay(a) W_stay + p_up(a) W_up)

With ``C = (1 - delta)(W_up - W_stay) - delta (W_down - W_stay)`` the first
derivative is ``beta C / (1 + a)**2 - d`` and the second ``-2 beta C / (1+a)**3``:
``J`` is strictly concave on ``a > -1`` when ``C > 0`` and non-increasing when
``C <= 0``.  Hence the maximiser on ``[0, a_max]`` is
``min(a_max, max(0, sqrt(beta C / d) - 1))`` for ``C > 0`` and ``0`` otherwise.

Profit (the large-market limit, each firm at full capacity)::

    u(x, z, s) = z P(Q) qbar(x),   P(Q) = e/f - Q/(m f),   Q = sum_y qbar(y) s(y)

Examples
--------
>>> d = capacity_derivation()
>>> sp.simplify(d["p_down"] + d["p_stay"] + d["p_up"])
1
>>> d["optimal_investment"].has(sp.sqrt(C))
True
"""

from __future__ import annotations

import functools

import sympy as sp

from foresight.derivations.codegen import Kernel, KernelModule
from foresight.derivations.steps import Derivation

__all__ = [
    "capacity_derivation",
    "kernel_module",
    "investment",
    "delta",
    "beta",
    "cost",
    "a_max",
    "w_down",
    "w_stay",
    "w_up",
    "C",
]

investment = sp.Symbol("investment", nonnegative=True)
delta = sp.Symbol("delta", positive=True)
beta = sp.Symbol("beta", positive=True)
cost = sp.Symbol("cost", positive=True)
a_max = sp.Symbol("a_max", positive=True)
w_down, w_stay, w_up = sp.symbols("w_down w_stay w_up", real=True)
C = sp.Symbol("C", real=True)
z = sp.Symbol("z", positive=True)
capacity_x = sp.Symbol("capacity_x", nonnegative=True)
total_output = sp.Symbol("total_output", nonnegative=True)
e, f, m = sp.symbols("e f m", positive=True)


@functools.lru_cache(maxsize=1)
def capacity_derivation() -> Derivation:
    """Derive the transition probabilities, profit and the optimal investment.

    Results: ``p_down``, ``p_stay``, ``p_up`` (functions of ``investment`` and
    ``delta``), ``inverse_demand``, ``profit``, ``bellman_objective``,
    ``marginal_gain`` (the ``C`` above), ``foc``, ``soc``,
    ``optimal_investment``, and the boundary states' ``marginal_gain_bottom``,
    ``marginal_gain_top``, ``optimal_investment_bottom``, ``optimal_investment_top``.

    Examples
    --------
    >>> capacity_derivation()["soc"]
    -2*C*beta/(investment + 1)**3
    """
    d = Derivation("Capacity competition: one-period Bellman problem of a firm")
    d.assumptions += [
        "0 < delta < 1, 0 < beta < 1, cost d > 0, 0 <= investment <= a_max",
        "investment success (prob a/(1+a)) and depreciation (prob delta) independent",
    ]
    success = investment / (1 + investment)
    # The four joint outcomes of two independent events.
    up = success * (1 - delta)
    down = (1 - success) * delta
    stay_both = success * delta
    stay_neither = (1 - success) * (1 - delta)
    d.step("Up: success and no depreciation", sp.Eq(sp.Symbol("p_up"), up))
    d.step("Down: depreciation and no success", sp.Eq(sp.Symbol("p_down"), down))
    p_up = sp.factor(up)
    p_down = sp.factor(down)
    p_stay = sp.factor(stay_both + stay_neither)
    total = sp.simplify(p_up + p_down + p_stay)
    assert total == 1, total  # derived: the four joint outcomes exhaust the space
    d.step("Sum of the three probabilities", sp.Eq(sp.Symbol("total"), total))
    d.result("p_up", p_up, "(1 - delta) a / (1 + a)")
    d.result("p_down", p_down, "delta / (1 + a)")
    d.result("p_stay", p_stay, "(1 - delta + delta a) / (1 + a)")
    assert sp.simplify(p_stay - (1 - delta + delta * investment) / (1 + investment)) == 0

    price = e / f - total_output / (m * f)
    d.result("inverse_demand", price, "P(Q) = e/f - Q/(m f)")
    profit = z * price * capacity_x
    d.result("profit", profit, "u(x, z, s) = z P(Q) qbar(x); every firm at full capacity")

    objective = -cost * investment + beta * (p_down * w_down + p_stay * w_stay + p_up * w_up)
    d.result("bellman_objective", objective, "J(a) with generic continuation values W")
    first = sp.together(sp.diff(objective, investment))
    gain = (1 - delta) * (w_up - w_stay) - delta * (w_down - w_stay)
    # dJ/da = beta C / (1+a)^2 - d: verify rather than assume the form.
    assert sp.simplify(first - (beta * gain / (1 + investment) ** 2 - cost)) == 0
    d.result("marginal_gain", gain, "C = (1-delta)(W_up - W_stay) - delta (W_down - W_stay)")
    foc = beta * C / (1 + investment) ** 2 - cost
    d.result("foc", foc, "dJ/da in terms of C")
    second = sp.simplify(sp.diff(foc, investment))
    d.result("soc", second, "d2J/da2 < 0 iff C > 0: strictly concave, the FOC root is a max")
    roots = sp.solve(sp.Eq(foc, 0), investment)
    interior = [r for r in roots if sp.simplify(r.subs({C: 4, beta: 1, cost: 1})) > -1]
    assert len(interior) == 1, roots
    interior_root = interior[0]
    d.step("Root of the FOC with a > -1", sp.Eq(investment, interior_root))
    clipped = sp.Min(a_max, sp.Max(0, interior_root))
    policy = sp.Piecewise((0, C <= 0), (clipped, True))
    d.result(
        "optimal_investment",
        policy,
        "C <= 0: J non-increasing, a = 0; C > 0: concave, root clipped to [0, a_max]",
    )
    # Boundary states: the suppressed move is a stay, i.e. its continuation is W_stay.
    bottom = sp.simplify(gain.subs(w_down, w_stay))
    top = sp.simplify(gain.subs(w_up, w_stay))
    d.result("marginal_gain_bottom", bottom, "x = 0: no move down, C = (1-delta)(W_up - W_stay)")
    d.result("marginal_gain_top", top, "x = M: no move up, C = delta (W_stay - W_down)")
    d.result("optimal_investment_bottom", policy.subs(C, bottom), "policy at x = 0")
    d.result("optimal_investment_top", policy.subs(C, top),
             "policy at x = M: investment only slows the fall")
    return d


def kernel_module() -> KernelModule:
    """Kernels for ``numerics/generated/capacity.py``.

    Examples
    --------
    >>> [k.name for k in kernel_module().kernels][:2]
    ['transition_probabilities', 'optimal_investment']
    """
    d = capacity_derivation()
    policy = d["optimal_investment"].subs(C, d["marginal_gain"])
    return KernelModule(
        name="capacity",
        source="foresight.derivations.capacity",
        doc="Capacity competition: transition, optimal investment, profit (generated).",
        kernels=(
            Kernel(
                "transition_probabilities",
                (investment, delta),
                (d["p_down"], d["p_stay"], d["p_up"]),
                "(p_down, p_stay, p_up) of a firm investing `investment`; edges: caller merges.",
            ),
            Kernel(
                "optimal_investment",
                (w_down, w_stay, w_up, beta, delta, cost, a_max),
                policy,
                "argmax of the one-period Bellman objective on [0, a_max] (closed form).",
            ),
            Kernel(
                "bellman_objective",
                (investment, w_down, w_stay, w_up, beta, delta, cost),
                d["bellman_objective"],
                "-cost*a + beta*E[W(x')] for continuation values of down/stay/up.",
            ),
            Kernel(
                "capacity_profit",
                (capacity_x, z, total_output, e, f, m),
                d["profit"],
                "z * (e/f - Q/(m f)) * qbar(x): revenue at full capacity.",
            ),
        ),
    )

"""Krusell–Smith (1998) economy: firm, household, employment chain, steady states.

Everything the Krusell–Smith numerics use is derived here and printed into
``numerics/generated/krusell_smith.py``:

* **Firm.**  A competitive firm rents capital ``K`` at the rental rate
  ``R - 1 + delta`` (households own the capital, receive the rental and bear the
  depreciation, so ``R`` is their gross return) and hires labour ``L`` at ``w``
  to produce ``z K^alpha L^(1-alpha)``.  The two first-order conditions give
  ``R(z, K, L)`` and ``w(z, K, L)``; with constant returns the factor payments
  exhaust output (Euler's theorem), which is the aggregate resource identity
  ``C + K' - (1 - delta) K = z F(K, L)`` once the households' budgets are added
  up.  Solving the capital condition for ``K`` gives the capital demand at a
  given ``R`` (the other side of the asset market).
* **Household.**  ``V(a, s) = max u(c) + beta E[V(a', s')]`` subject to
  ``c + a' = R a + w l e`` (``e = 1`` employed with labour endowment ``l``,
  ``e = 0`` unemployed with no income, HARK's convention) and ``a' >= -b``.
  The Lagrangian's first-order conditions and the envelope condition give the
  Euler equation ``u'(c) = beta E[R' u'(c')] + mu`` with ``mu >= 0`` and
  ``mu (a' + b) = 0``; inverting ``u'`` gives the endogenous-grid (EGM) step
  ``c = (beta E[R' u'(c')])^(-1/gamma)``, ``m = a' + c``; the constrained branch
  is ``c = m + b``.  With no income when unemployed, ``u'(c) -> inf`` as
  ``c -> 0`` (derived) makes the limit ``a' = -b = 0`` never optimal.
* **Employment chain.**  The 4x4 transition matrix over
  ``(z, e) in (BU, BE, GU, GE)`` is *solved* from Krusell and Smith's
  conditions (mean durations of the aggregate states, mean unemployment
  spells, the two relative probabilities and unemployment exactly at its rate
  in every aggregate state): 16 linear equations in 16 unknowns.  Dividing by
  the aggregate chain gives ``Pi(e' | e, z, z')``.  Its stationary
  distribution, and the employment chain of the economy without aggregate
  shocks (the ``e``-marginal of the 4-state chain at its stationary
  distribution), are derived too.
* **Steady state of the representative-agent economy**: ``beta R = 1``.

Examples
--------
>>> d = firm_derivation()
>>> sp.simplify(d["resource_identity"])
0
>>> P = employment_chain_derivation()["transition_matrix"]
>>> [sp.nsimplify(x) for x in P.row(0).subs(CALIBRATION)]
[21/40, 7/20, 1/32, 3/32]
"""

from __future__ import annotations

import functools

import sympy as sp

from foresight.derivations.codegen import Kernel, KernelModule
from foresight.derivations.steps import Derivation

__all__ = [
    "firm_derivation",
    "household_derivation",
    "employment_chain_derivation",
    "steady_state_derivation",
    "kernel_module",
    "CALIBRATION",
    "STATE_LABELS",
]

#: Order of the individual-and-aggregate states (HARK's and Krusell-Smith's).
STATE_LABELS = ("BU", "BE", "GU", "GE")

# ----------------------------------------------------------------- symbols
z = sp.Symbol("z", positive=True)                      # total factor productivity
capital = sp.Symbol("capital", positive=True)          # K
labour = sp.Symbol("labour", positive=True)            # L = (1 - u) l
alpha = sp.Symbol("alpha", positive=True)              # capital share
delta = sp.Symbol("delta", positive=True)              # depreciation
beta = sp.Symbol("beta", positive=True)                # discount factor
gamma = sp.Symbol("gamma", positive=True)              # relative risk aversion
interest = sp.Symbol("interest", positive=True)        # gross return R
wage = sp.Symbol("wage", positive=True)                # w
consumption = sp.Symbol("consumption", positive=True)  # c
savings = sp.Symbol("savings", real=True)              # a'
cash_on_hand = sp.Symbol("cash_on_hand", real=True)    # m = R a + w l e
borrowing_limit = sp.Symbol("borrowing_limit", nonnegative=True)  # b (a' >= -b)
expected_marginal_value = sp.Symbol("expected_marginal_value", positive=True)  # E[R' u'(c')]

dur_bad, dur_good = sp.symbols("dur_bad dur_good", positive=True)
spell_bad, spell_good = sp.symbols("spell_bad spell_good", positive=True)
urate_bad, urate_good = sp.symbols("urate_bad urate_good", positive=True)
rel_bg, rel_gb = sp.symbols("rel_bg rel_gb", positive=True)
CHAIN_PARAMETERS = (dur_bad, dur_good, spell_bad, spell_good, urate_bad, urate_good,
                    rel_bg, rel_gb)

#: Krusell and Smith's (1998) chain conditions (HARK's ``init_KS_economy``).
CALIBRATION = {dur_bad: 8, dur_good: 8, spell_bad: sp.Rational(5, 2),
               spell_good: sp.Rational(3, 2), urate_bad: sp.Rational(1, 10),
               urate_good: sp.Rational(1, 25), rel_bg: sp.Rational(3, 4),
               rel_gb: sp.Rational(5, 4)}


def crra_utility(c, g=gamma):
    """CRRA utility with log as the ``gamma = 1`` case.

    Examples
    --------
    >>> crra_utility(consumption, 1)
    log(consumption)
    """
    if g == 1:
        return sp.log(c)
    return sp.Piecewise((sp.log(c), sp.Eq(g, 1)), (c ** (1 - g) / (1 - g), True))


# ----------------------------------------------------------------- firm


@functools.lru_cache(maxsize=1)
def firm_derivation() -> Derivation:
    """Factor prices from the firm's first-order conditions; resource identity.

    Results: ``output``, ``interest_factor`` (gross return ``R``), ``wage``,
    ``resource_identity`` (``R K + w L - (1 - delta) K - output``, zero by
    Euler's theorem), ``capital_demand`` (``K`` at which the firm's marginal
    product equals a given ``R``).

    Examples
    --------
    >>> firm_derivation()["wage"]
    z*(capital/labour)**alpha*(1 - alpha)
    """
    d = Derivation("Krusell-Smith firm: factor prices from the first-order conditions")
    d.assumptions += ["constant returns: F(K, L) = K^alpha L^(1-alpha), 0 < alpha < 1",
                      "households own capital: rental rate = R - 1 + delta"]
    output = z * capital**alpha * labour ** (1 - alpha)
    d.result("output", output, "z F(K, L)")
    profit = output - (interest - 1 + delta) * capital - wage * labour
    d.step("Profit", sp.Eq(sp.Symbol("Pi"), profit))
    foc_k = sp.diff(profit, capital)
    foc_l = sp.diff(profit, labour)
    d.step("FOC for K", sp.Eq(foc_k, 0))
    d.step("FOC for L", sp.Eq(foc_l, 0))
    solved = sp.solve([foc_k, foc_l], [interest, wage], dict=True)
    assert len(solved) == 1, solved
    ratio = capital / labour
    r_expr = 1 + alpha * z * ratio ** (alpha - 1) - delta
    w_expr = (1 - alpha) * z * ratio**alpha
    # The solver's form and the per-worker form must agree (checked, not assumed).
    assert sp.simplify(sp.powsimp(solved[0][interest] - r_expr, force=True)) == 0
    assert sp.simplify(sp.powsimp(solved[0][wage] - w_expr, force=True)) == 0
    d.result("interest_factor", r_expr, "R = 1 + z F_K - delta")
    d.result("wage", w_expr, "w = z F_L")
    identity = sp.powsimp(sp.expand(r_expr * capital + w_expr * labour
                                    - (1 - delta) * capital - output), force=True)
    d.result("resource_identity", identity,
             "R K + w L - (1 - delta) K - z F(K, L): zero by Euler's theorem, so summed "
             "budgets give C + K' - (1 - delta) K = z F(K, L)")
    assert sp.simplify(identity) == 0
    demand = sp.solve(sp.Eq(r_expr, interest), capital)
    assert len(demand) == 1, demand
    d.result("capital_demand", sp.simplify(demand[0]), "K at which 1 + z F_K - delta = R")
    return d


# ----------------------------------------------------------------- household


@functools.lru_cache(maxsize=1)
def household_derivation() -> Derivation:
    """Euler equation, its EGM inversion, the constrained branch and Inada.

    Results: ``marginal_utility``, ``euler_equation`` (unconstrained, as
    ``u'(c) - beta E[R' u'(c')]``), ``egm_consumption``, ``egm_cash_on_hand``,
    ``constrained_consumption``, ``euler_relative_error``,
    ``marginal_utility_at_zero``.

    Examples
    --------
    >>> household_derivation()["egm_consumption"]
    (1/(beta*expected_marginal_value))**(1/gamma)
    """
    d = Derivation("Krusell-Smith household: Euler equation and its EGM inversion")
    d.assumptions += ["CRRA utility, log at gamma = 1", "a' >= -b, b >= 0",
                      "no income when unemployed (HARK's convention)"]
    u = crra_utility(consumption)
    d.step("Utility", sp.Eq(sp.Symbol("u"), u))
    # u'(c): both branches of the CRRA family must give c^(-gamma).
    mu_crra = sp.simplify(sp.diff(consumption ** (1 - gamma) / (1 - gamma), consumption))
    mu_log = sp.diff(sp.log(consumption), consumption)
    assert sp.simplify(mu_crra - consumption ** (-gamma)) == 0
    assert sp.simplify(mu_log - consumption ** (-gamma)).subs(gamma, 1) == 0
    marginal = consumption ** (-gamma)
    d.result("marginal_utility", marginal, "u'(c), both branches (log at gamma = 1)")

    # Lagrangian of one period with a generic continuation W(a') = E V(a', s').
    W = sp.Function("W")
    lam, mu = sp.symbols("lambda mu", nonnegative=True)
    m = cash_on_hand
    # gamma != 1 branch; the log branch has the same u'(c) (shown above).
    lagrangian = consumption ** (1 - gamma) / (1 - gamma) + beta * W(savings) \
        + lam * (m - consumption - savings) + mu * (savings + borrowing_limit)
    d.step("Lagrangian", sp.Eq(sp.Symbol(r"\mathcal{L}"), lagrangian),
           "m = R a + w l e; mu is the multiplier of a' >= -b")
    foc_c = sp.diff(lagrangian, consumption)
    foc_a = sp.diff(lagrangian, savings)
    d.step("FOC for c", sp.Eq(foc_c, 0))
    d.step("FOC for a'", sp.Eq(foc_a, 0))
    lam_value = sp.solve(foc_c, lam)[0]
    euler_with_w = foc_a.subs(lam, lam_value)
    d.step("Eliminate lambda", sp.Eq(euler_with_w, 0))
    # Envelope: V_a(a, s) = lambda R = R u'(c), so W'(a') = E[R' u'(c')].
    d.step("Envelope", sp.Eq(sp.Symbol("V_a"), interest * marginal),
           "so W'(a') = E[R' u'(c')] =: x")
    euler = euler_with_w.subs(sp.Derivative(W(savings), savings), expected_marginal_value)
    d.step("Euler equation with multiplier", sp.Eq(euler, 0), "mu >= 0, mu (a' + b) = 0")
    euler = sp.expand(-euler.subs(mu, 0))
    assert sp.simplify(euler - (marginal - beta * expected_marginal_value)) == 0
    d.result("euler_equation", euler, "u'(c) = beta E[R' u'(c')] when a' > -b (mu = 0)")
    solutions = sp.solve(sp.Eq(marginal, beta * expected_marginal_value), consumption)
    assert len(solutions) == 1, solutions
    c_egm = solutions[0]
    d.result("egm_consumption", c_egm, "EGM: consumption from next period's marginal utility")
    d.result("egm_cash_on_hand", savings + c_egm, "EGM: the endogenous grid, m = a' + c")
    d.result("constrained_consumption", cash_on_hand + borrowing_limit,
             "a' = -b when mu > 0: c = m + b")
    d.result("euler_relative_error", c_egm / consumption - 1,
             "unit-free Euler error: consumption the Euler equation implies over c, minus 1")
    inada = sp.limit(marginal.subs(gamma, sp.Symbol("g", positive=True)), consumption, 0, "+")
    d.result("marginal_utility_at_zero", inada,
             "u'(0+) = inf: with no income when unemployed, a' -> 0 sends c' -> 0 in the "
             "unemployed states, so a' = -b = 0 is never optimal")
    return d


# ----------------------------------------------------------------- chain


def _state_index(zi: int, ei: int) -> int:
    return 2 * zi + ei


@functools.lru_cache(maxsize=1)
def employment_chain_derivation() -> Derivation:
    """The 4x4 chain over ``(z, e)`` solved from Krusell and Smith's conditions.

    Results: ``aggregate_chain`` (2x2), ``transition_matrix`` (4x4, order
    BU, BE, GU, GE), ``conditional_employment`` (dict ``(z, z') -> 2x2``),
    ``stationary_distribution`` (4), ``mean_unemployment``,
    ``stationary_employment_chain`` (2x2: the economy without aggregate
    shocks).

    Examples
    --------
    >>> P = employment_chain_derivation()["transition_matrix"]
    >>> sp.simplify(sum(P.row(1)))
    1
    """
    d = Derivation("Krusell-Smith employment chain solved from its conditions")
    d.assumptions += ["z in {bad, good}, e in {unemployed, employed}",
                      "aggregate transitions do not depend on e"]
    # Aggregate chain: a spell of z lasts a geometric number of periods with mean D_z.
    p = sp.Symbol("p", positive=True)
    stay = {}
    for zi, dur in ((0, dur_bad), (1, dur_good)):
        root = sp.solve(sp.Eq(1 / (1 - p), dur), p)
        assert len(root) == 1, root
        stay[zi] = root[0]
    agg = sp.Matrix([[stay[0], 1 - stay[0]], [1 - stay[1], stay[1]]])
    d.result("aggregate_chain", agg, "mean duration D_z = 1/(1 - p_zz)")

    P = sp.Matrix(4, 4, lambda i, j: sp.Symbol(f"P_{STATE_LABELS[i]}{STATE_LABELS[j]}"))
    U, E = 0, 1
    urate = {0: urate_bad, 1: urate_good}
    spell = {0: spell_bad, 1: spell_good}

    def cond(zi, ei, zj, ej):  # Pi(e' | e, z, z')
        return P[_state_index(zi, ei), _state_index(zj, ej)] / agg[zi, zj]

    equations = []
    for zi in (0, 1):
        for ei in (U, E):
            for zj in (0, 1):  # the aggregate chain does not depend on e
                equations.append(sp.Eq(P[_state_index(zi, ei), _state_index(zj, U)]
                                       + P[_state_index(zi, ei), _state_index(zj, E)],
                                       agg[zi, zj]))
    for zi in (0, 1):  # mean unemployment spell S_z while z stays: 1/(1 - pi_00|zz)
        equations.append(sp.Eq(cond(zi, U, zi, U), 1 - 1 / spell[zi]))
    equations.append(sp.Eq(cond(0, U, 1, U), rel_bg * cond(1, U, 1, U)))  # pi_00|BG
    equations.append(sp.Eq(cond(1, U, 0, U), rel_gb * cond(0, U, 0, U)))  # pi_00|GB
    for zi in (0, 1):  # unemployment exactly u_z' after every transition z -> z'
        for zj in (0, 1):
            equations.append(sp.Eq(urate[zi] * cond(zi, U, zj, U)
                                   + (1 - urate[zi]) * cond(zi, E, zj, U), urate[zj]))
    d.step("Conditions (16 linear equations)", sp.Matrix([e.lhs - e.rhs for e in equations]),
           "aggregate marginals (8), unemployment spells (2), relative probabilities (2), "
           "exact unemployment (4)")
    unknowns = list(P)
    solution = sp.solve(equations, unknowns, dict=True)
    assert len(solution) == 1, "the conditions do not pin down the chain"
    solved = P.subs(solution[0]).applyfunc(sp.factor)
    assert not solved.free_symbols & set(unknowns)
    d.result("transition_matrix", solved, "order BU, BE, GU, GE")
    conditional = {}
    for zi in (0, 1):
        for zj in (0, 1):
            block = sp.Matrix(2, 2, [sp.factor(solved[_state_index(zi, ei), _state_index(zj, ej)]
                                               / agg[zi, zj]) for ei in (U, E) for ej in (U, E)])
            conditional[(zi, zj)] = block
            d.step(f"Pi(e' | e, z = {'BG'[zi]}, z' = {'BG'[zj]})", block)
    d.results["conditional_employment"] = conditional

    # Stationary distribution: aggregate stationary law times exact unemployment.
    pi_bad = sp.factor(agg[1, 0] / (agg[0, 1] + agg[1, 0]))
    pi_z = (pi_bad, 1 - pi_bad)
    station = sp.Matrix([[pi_z[0] * urate_bad, pi_z[0] * (1 - urate_bad),
                          pi_z[1] * urate_good, pi_z[1] * (1 - urate_good)]])
    assert (station * solved - station).applyfunc(sp.simplify) == sp.zeros(1, 4)
    d.result("stationary_distribution", station, "pi P = pi (verified symbolically)")
    mean_u = sp.factor(pi_z[0] * urate_bad + pi_z[1] * urate_good)
    d.result("mean_unemployment", mean_u, "unconditional unemployment rate")
    # Without aggregate shocks: the e-marginal of the chain at its stationary law.
    marg = sp.zeros(2, 2)
    for ei in (U, E):
        weight = sum(station[_state_index(zi, ei)] for zi in (0, 1))
        for ej in (U, E):
            flow = sum(station[_state_index(zi, ei)] * solved[_state_index(zi, ei),
                                                                _state_index(zj, ej)]
                       for zi in (0, 1) for zj in (0, 1))
            marg[ei, ej] = sp.factor(flow / weight)
    assert sp.simplify(sum(marg.row(0)) - 1) == 0
    stat_u = sp.factor(marg[1, 0] / (marg[0, 1] + marg[1, 0]))
    assert sp.simplify(stat_u - mean_u) == 0
    d.result("stationary_employment_chain", marg,
             "employment chain of the economy without aggregate shocks: the e-marginal "
             "flows of the 4-state chain at its stationary law (its stationary "
             "unemployment is the mean rate)")
    return d


# ----------------------------------------------------------------- steady state


@functools.lru_cache(maxsize=1)
def steady_state_derivation() -> Derivation:
    """Representative-agent steady state: ``beta R(z, K, L) = 1``.

    Results: ``capital`` (the steady-state ``K``) and
    ``interest_at_steady_state`` (``R`` there, ``1 / beta``).

    Examples
    --------
    >>> r = steady_state_derivation()["interest_at_steady_state"]
    >>> round(float((beta * r).subs({beta: 0.99, alpha: 0.36, delta: 0.025, z: 1,
    ...                                labour: 0.3})), 12)
    1.0
    """
    d = Derivation("Representative-agent steady state of the Krusell-Smith economy")
    firm = firm_derivation()
    euler = sp.Eq(beta * firm["interest_factor"], 1)
    d.step("Euler equation without risk, c' = c", euler)
    roots = sp.solve(euler, capital)
    assert len(roots) == 1, roots
    k_ss = sp.simplify(roots[0])
    d.result("capital", k_ss, "K_RA: the complete-markets benchmark")
    r_ss = sp.simplify(firm["interest_factor"].subs(capital, k_ss))
    d.result("interest_at_steady_state", r_ss, "R = 1/beta")
    return d


# ----------------------------------------------------------------- kernels


def kernel_module() -> KernelModule:
    """Kernels for ``numerics/generated/krusell_smith.py``.

    Examples
    --------
    >>> [k.name for k in kernel_module().kernels][:3]
    ['interest_factor', 'wage_rate', 'output']
    """
    firm = firm_derivation()
    hh = household_derivation()
    chain = employment_chain_derivation()
    ss = steady_state_derivation()
    P = chain["transition_matrix"]
    marg = chain["stationary_employment_chain"]
    return KernelModule(
        name="krusell_smith",
        source="foresight.derivations.krusell_smith",
        doc="Krusell-Smith economy: factor prices, EGM step, employment chain (generated).",
        kernels=(
            Kernel("interest_factor", (z, capital, labour, alpha, delta),
                   firm["interest_factor"], "R = 1 + alpha z (K/L)^(alpha-1) - delta."),
            Kernel("wage_rate", (z, capital, labour, alpha), firm["wage"],
                   "w = (1 - alpha) z (K/L)^alpha."),
            Kernel("output", (z, capital, labour, alpha), firm["output"],
                   "z K^alpha L^(1-alpha)."),
            Kernel("capital_demand", (interest, z, labour, alpha, delta),
                   firm["capital_demand"], "K at which the firm's R equals `interest`."),
            Kernel("marginal_utility", (consumption, gamma), hh["marginal_utility"],
                   "u'(c) = c^(-gamma)."),
            Kernel("egm_consumption", (expected_marginal_value, beta, gamma),
                   hh["egm_consumption"], "c = (beta E[R' u'(c')])^(-1/gamma)."),
            # gamma = 1 specialisations: a division instead of a pow in the inner loops.
            Kernel("marginal_utility_log", (consumption,),
                   hh["marginal_utility"].subs(gamma, 1), "u'(c) = 1/c (log utility)."),
            Kernel("egm_consumption_log", (expected_marginal_value, beta),
                   hh["egm_consumption"].subs(gamma, 1),
                   "c = 1/(beta E[R' u'(c')]) (log utility)."),
            Kernel("euler_relative_error", (consumption, expected_marginal_value, beta, gamma),
                   hh["euler_relative_error"],
                   "(beta E[R' u'(c')])^(-1/gamma) / c - 1 (unit-free Euler error)."),
            Kernel("representative_agent_capital", (z, labour, alpha, beta, delta),
                   ss["capital"], "K at which beta R(z, K, L) = 1."),
            Kernel("employment_transition_matrix", CHAIN_PARAMETERS, tuple(P),
                   "The 4x4 chain over (BU, BE, GU, GE), row-major (16 entries)."),
            Kernel("stationary_distribution", CHAIN_PARAMETERS,
                   tuple(chain["stationary_distribution"]),
                   "Stationary law of (BU, BE, GU, GE): aggregate law times exact unemployment."),
            Kernel("stationary_employment_chain", CHAIN_PARAMETERS, tuple(marg),
                   "2x2 employment chain without aggregate shocks, row-major."),
        ),
    )

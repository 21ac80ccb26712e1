"""Blume–Easley complete-markets exchange economy with heterogeneous beliefs.

The model is stated once, as data (:class:`ExchangeEconomy`), and the theory is
derived from it with SymPy:

* :func:`planner_allocation` — the planner's Lagrangian, first-order
  conditions and allocation rule for ``n`` agents with CRRA utility (log as
  ``gamma = 1``), continuation Pareto weights;
* :func:`two_agent_allocation` — the lecture's (23.5) and its limits;
* :func:`competitive_prices` — each agent's FOC, the multipliers matched to
  Pareto weights, the price formula of Exercise 23.1 and its limits;
* :func:`negishi_weights` — the Pareto weights at which the planner's
  allocation is a competitive equilibrium without transfers (closed form for
  log utility);
* :func:`bayesian_learning` — posteriors, one-step predictive densities and
  the identity that chains them into the joint density;
  :func:`mixture_density_in_logs` writes the joint density and posteriors in
  cumulative log-likelihoods (what the simulators carry).

Everything the numerics need leaves through :func:`kernel_module`.

Examples
--------
>>> d = planner_allocation(2, gamma=1)
>>> d["consumption"][0]
Y*lambda_1*pi_1/(lambda_1*pi_1 + lambda_2*pi_2)
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from foresight.derivations.codegen import Kernel, KernelModule

# The model statement (dataclasses) lives in a SymPy-free module so that the
# simulators and the command line can build economies without this one;
# the old names stay importable from here.
from foresight.derivations.economy import Belief as Belief
from foresight.derivations.economy import DiscreteStates as DiscreteStates
from foresight.derivations.economy import ExchangeEconomy
from foresight.derivations.economy import fixed_belief as fixed_belief
from foresight.derivations.steps import Derivation
from foresight.errors import ParameterError, require_int

# --------------------------------------------------------------------------
# Symbols
# --------------------------------------------------------------------------

t = sp.Symbol("t", integer=True, nonnegative=True)
delta = sp.Symbol("delta", positive=True)
Y = sp.Symbol("Y", positive=True)
theta = sp.Symbol("theta", positive=True)
gamma_sym = sp.Symbol("gamma", positive=True)
lam = sp.Symbol("lambda", positive=True)
l_sym = sp.Symbol("l", positive=True)


def _indexed(name: str, n: int, **assumptions):
    return sp.symbols(f"{name}_1:{n + 1}", **assumptions)


def _gamma(gamma):
    """SymPy value of the risk-aversion parameter ('symbolic' keeps a symbol)."""
    if isinstance(gamma, str) and gamma == "symbolic":
        return gamma_sym
    valid = "(0, inf) or 'symbolic'"
    if isinstance(gamma, bool):
        raise ParameterError("gamma", gamma, valid)
    try:
        g = sp.nsimplify(gamma)
    except (sp.SympifyError, TypeError, ValueError):
        raise ParameterError("gamma", gamma, valid) from None
    # NaN and infinities compare as neither > 0 nor <= 0 (or raise), so ask directly
    if not (g.is_number and g.is_finite and g.is_extended_real) or not bool(g > 0):
        raise ParameterError("gamma", gamma, valid)
    return g


#: Above this many agents a derivation takes minutes and prints pages of
#: formulas that are the same for every n; the bound is checked before work.
MAX_AGENTS = 32


def _n_agents(n_agents) -> int:
    return require_int("n_agents", n_agents, 2, MAX_AGENTS)



def identical(a, b, *, points: int = 5, seed: int = 20251123) -> bool:
    """True when expressions `a` and `b` agree: symbolically, or else numerically.

    ``simplify`` is not a canonical form for powers with symbolic exponents,
    so when it does not reduce ``a - b`` to zero the two are compared at
    `points` random points with every free symbol drawn from (0.1, 0.9)
    (all symbols here are positive; integers are drawn from 1..5), to 1e-10
    relative.

    Examples
    --------
    >>> x = sp.Symbol("x", positive=True)
    >>> identical(sp.sqrt(x**2), x), identical(x, 2 * x)
    (True, False)
    """
    diff = sp.simplify(sp.powsimp(sp.sympify(a) - sp.sympify(b), force=True))
    if diff == 0:
        return True
    import random

    rng = random.Random(seed)
    symbols = sorted(diff.free_symbols, key=sp.default_sort_key)
    for _ in range(points):
        values = {
            s: (rng.randint(1, 5) if s.is_integer else sp.Float(rng.uniform(0.1, 0.9), 30))
            for s in symbols
        }
        va, vb = sp.N(sp.sympify(a).subs(values), 25), sp.N(sp.sympify(b).subs(values), 25)
        if not (va.is_number and vb.is_number):
            return False
        if abs(complex(va) - complex(vb)) > 1e-10 * max(1.0, abs(complex(vb))):
            return False
    return True


def utility(c, gamma):
    """CRRA period utility; ``gamma = 1`` is ``log c``."""
    if gamma == 1:
        return sp.log(c)
    return c ** (1 - gamma) / (1 - gamma)


# --------------------------------------------------------------------------
# Planner
# --------------------------------------------------------------------------


@cache
def planner_allocation(n_agents: int = 2, gamma=1) -> Derivation:
    """Derive the planner's allocation for `n_agents` with CRRA `gamma`.

    At every date ``t`` and history ``s^t`` the planner maximises
    ``sum_i lambda_i delta^t pi^i_t u(c_i)`` subject to ``sum_i c_i = Y``.

    Parameters
    ----------
    n_agents : int
        Number of agents, >= 2.
    gamma : float, int or "symbolic"
        Relative risk aversion, > 0 (1 is log utility); ``"symbolic"`` keeps
        the symbol ``gamma``.

    Returns
    -------
    Derivation
        Steps (Lagrangian, FOCs, solved FOCs, allocation) and the results
        ``focs`` (list of equations), ``consumption`` (list, ``c_i`` in terms
        of ``Y``, ``lambda_i``, ``pi_i``), ``multiplier`` (theta),
        ``consumption_ratio`` (c_1/c_2), ``log_allocation_weight`` (the
        agent-specific part of ``log c_i``), ``softmax_identity`` (True once
        the allocation is shown to be a softmax of the log allocation
        weights) and ``continuation_pareto_weight`` (list).

    Raises
    ------
    ParameterError
        When `n_agents` < 2 or `gamma` <= 0.

    Examples
    --------
    >>> d = planner_allocation(3, gamma=2)
    >>> len(d["consumption"])
    3
    """
    n = _n_agents(n_agents)
    g = _gamma(gamma)
    lams = _indexed("lambda", n, positive=True)
    pis = _indexed("pi", n, positive=True)
    cs = _indexed("c", n, positive=True)
    d = Derivation(f"Planner's allocation: {n} agents, CRRA gamma = {g}")
    d.assumptions += [
        "utility u(c) = log c if gamma = 1, c^(1-gamma)/(1-gamma) otherwise",
        "pi_i = pi^i_t(s^t): agent i's joint density of the history s^t",
        "feasibility sum_i c_i = Y at every (t, s^t); Y constant",
    ]
    welfare = sum(lams[i] * delta**t * pis[i] * utility(cs[i], g) for i in range(n))
    lagrangian = welfare - theta * (sum(cs) - Y)
    d.step("Planner's Lagrangian at (t, s^t)", sp.Eq(sp.Symbol("L"), lagrangian))
    focs = [sp.Eq(sp.diff(lagrangian, cs[i]), 0) for i in range(n)]
    for i, foc in enumerate(focs):
        d.step(f"FOC for c_{i + 1}", foc)
    d.results["focs"] = focs
    solved = []
    for i, foc in enumerate(focs):
        (ci,) = sp.solve(foc, cs[i])
        solved.append(ci)
        d.step(f"FOC solved for c_{i + 1}", sp.Eq(cs[i], ci))
    # Feasibility is linear in kappa = theta**(-1/gamma).
    kappa = sp.Symbol("kappa", positive=True)
    separated = [sp.expand_power_base(sp.powdenest(ci, force=True), force=True) for ci in solved]
    in_kappa = [ci.subs(theta ** (-1 / g), kappa).subs(1 / theta, kappa) for ci in separated]
    (kappa_value,) = sp.solve(sp.Eq(sum(in_kappa), Y), kappa)
    theta_value = sp.simplify(kappa_value ** (-g))
    d.result("multiplier", sp.Eq(theta, theta_value), "feasibility solved for theta")
    consumption = [sp.simplify(ci.subs(kappa, kappa_value)) for ci in in_kappa]
    for i, ci in enumerate(consumption):
        d.step(f"Allocation c_{i + 1}", sp.Eq(cs[i], ci))
    d.results["consumption"] = consumption
    ratio = sp.simplify(sp.powsimp(consumption[0] / consumption[1], force=True))
    d.result("consumption_ratio", sp.Eq(cs[0] / cs[1], ratio))

    # Agent-specific part of log c_i: drop the terms that do not involve
    # agent i's own symbols (common to all agents, cancelled by feasibility).
    w, L = sp.symbols("log_pareto_weight log_joint_density", real=True)
    log_c = sp.expand_log(sp.log(solved[0]), force=True)
    own = log_c - log_c.subs({lams[0]: 1, pis[0]: 1})
    own = sp.expand_log(own, force=True)
    weight = sp.simplify(own.subs({lams[0]: sp.exp(w), pis[0]: sp.exp(L)}))
    weight = sp.simplify(sp.expand_log(weight, force=True))
    d.result("log_allocation_weight", weight, "log c_i = weight_i + terms common to all agents")
    # The allocation is Y * softmax(weights): verify symbolically.
    zs = [weight.subs({w: sp.log(lams[i]), L: sp.log(pis[i])}) for i in range(n)]
    softmax = [Y * sp.exp(zs[i]) / sum(sp.exp(z) for z in zs) for i in range(n)]
    identity = all(identical(softmax[i], consumption[i]) for i in range(n))
    if not identity:
        raise AssertionError("planner allocation is not Y * softmax(log weights)")
    d.result("softmax_identity", sp.true, "c_i = Y exp(z_i) / sum_j exp(z_j), z_i the weight")
    weighted_total = sum(lams[j] * pis[j] for j in range(n))
    cont = [sp.simplify(lams[i] * pis[i] / weighted_total) for i in range(n)]
    d.results["continuation_pareto_weight"] = cont
    d.step(
        "Continuation Pareto weight",
        sp.Eq(sp.Symbol("lambda_{1,t}"), cont[0]),
        "lambda_{i,t} = lambda_i pi^i_t / sum_j lambda_j pi^j_t; "
        "with log utility c_i = Y lambda_{i,t}",
    )
    return d


@cache
def two_agent_allocation(gamma=1) -> Derivation:
    """Agent 1's share with two agents, in terms of lambda and l_t = pi^1_t / pi^2_t.

    Parameters
    ----------
    gamma : float, int or "symbolic"
        Relative risk aversion, > 0 (1 is log utility).

    Returns
    -------
    Derivation
        Results ``share`` (c_1 / Y with ``lambda_1 = lambda``, ``pi^1 = l
        pi^2``), ``share_stable`` (the same as ``1 / (1 + c_2/c_1)``, finite
        for every ``l``) and the limits ``limit_l_0``, ``limit_l_1``,
        ``limit_l_inf``.

    Examples
    --------
    >>> two_agent_allocation(1)["share"]
    l*lambda/(l*lambda - lambda + 1)
    """
    g = _gamma(gamma)
    planner = planner_allocation(2, gamma)
    lams = _indexed("lambda", 2, positive=True)
    pis = _indexed("pi", 2, positive=True)
    d = Derivation(f"Two agents: share of agent 1 (CRRA gamma = {g})")
    c1 = planner["consumption"][0] / Y
    lecture = {lams[0]: lam, lams[1]: 1 - lam, pis[0]: l_sym * pis[1]}
    share = sp.simplify(sp.powsimp(c1.subs(lecture), force=True))
    d.result("share", share, "lambda_1 = lambda, lambda_2 = 1 - lambda, pi^1_t = l_t pi^2_t")
    # c_1/Y = 1/(1 + c_2/c_1): finite for every l in [0, oo], and the form in
    # which SymPy's limit routine terminates for symbolic gamma.
    other_over_own = sp.expand_power_base(sp.simplify((1 - share) / share), force=True)
    stable = 1 / (1 + other_over_own)
    if not identical(stable, share):
        raise AssertionError("stable form of the share differs from the share")
    d.result("share_stable", stable, "c_1 / Y = 1 / (1 + c_2 / c_1)")
    for name, point in (("limit_l_0", 0), ("limit_l_1", 1), ("limit_l_inf", sp.oo)):
        if point == 1:
            value = sp.simplify(sp.powsimp(stable.subs(l_sym, 1), force=True))
        else:
            value = sp.limit(stable, l_sym, point)
        d.result(name, value, f"l_infinity = {point}")
    return d


# --------------------------------------------------------------------------
# Competitive equilibrium prices (Exercise 23.1)
# --------------------------------------------------------------------------


@cache
def competitive_prices(n_agents: int = 2, gamma=1) -> Derivation:
    """Derive competitive prices supporting the planner's allocation.

    Agent i maximises ``sum delta^t pi^i_t u(c_i)`` subject to
    ``sum p_t (c_i - y_i) = 0`` with multiplier ``mu_i``.  Matching the
    agents' FOCs to the planner's requires ``mu_i`` proportional to
    ``1/lambda_i``; with ``mu_i = 1/lambda_i`` the price equals the planner's
    shadow price theta.

    Parameters
    ----------
    n_agents : int
        Number of agents, >= 2.
    gamma : float, int or "symbolic"
        Relative risk aversion, > 0.

    Returns
    -------
    Derivation
        Results ``agent_focs`` (list), ``multiplier_ratio`` (mu_1/mu_2
        implied), ``price`` (``p = theta`` in terms of the joint densities);
        with two agents also ``price_two_agent`` (the lecture's normalisation
        mu_1 = 1 - lambda, mu_2 = lambda, as a function of pi^1_t, pi^2_t),
        ``price_over_pi2`` (``p_t / (delta^t pi^2_t)`` as a function of
        ``l_t``) and its limits ``price_limit_l_0`` (l -> 0) and
        ``price_limit_l_inf`` (l -> oo, relative to ``delta^t pi^1_t``).

    Examples
    --------
    >>> competitive_prices(2, 1)["price_two_agent"]
    delta**t*(lambda*pi_1 + pi_2*(1 - lambda))/(lambda*(1 - lambda))
    """
    n = _n_agents(n_agents)
    g = _gamma(gamma)
    lams = _indexed("lambda", n, positive=True)
    pis = _indexed("pi", n, positive=True)
    mus = _indexed("mu", n, positive=True)
    cs = _indexed("c", n, positive=True)
    ys = _indexed("y", n, positive=True)
    p = sp.Symbol("p", positive=True)
    d = Derivation(f"Competitive prices: {n} agents, CRRA gamma = {g}")
    focs, prices = [], []
    for i in range(n):
        lag = delta**t * pis[i] * utility(cs[i], g) - mus[i] * p * (cs[i] - ys[i])
        foc = sp.Eq(sp.diff(lag, cs[i]), 0)
        focs.append(foc)
        d.step(f"Agent {i + 1}'s FOC for c_{i + 1}", foc)
        (pi_,) = sp.solve(foc, p)
        prices.append(pi_)
        d.step(f"Price from agent {i + 1}'s FOC", sp.Eq(p, pi_))
    d.results["agent_focs"] = focs
    # Equate the agents' prices: consumption ratio in terms of multipliers.
    (c1_from_prices,) = sp.solve(sp.Eq(prices[0], prices[1]), cs[0])
    ratio_ce = sp.simplify(sp.powsimp(c1_from_prices / cs[1], force=True))
    d.step("Equal prices: c_1/c_2", sp.Eq(cs[0] / cs[1], ratio_ce))
    ratio_planner = planner_allocation(n, gamma)["consumption_ratio"].rhs
    # mu_1/mu_2 such that the two ratios coincide.
    m = sp.Symbol("m", positive=True)
    (mu_ratio,) = sp.solve(sp.Eq(ratio_ce.subs(mus[0], m * mus[1]), ratio_planner), m)
    d.result("multiplier_ratio", sp.Eq(mus[0] / mus[1], sp.simplify(mu_ratio)),
             "matching the planner: mu_i proportional to 1/lambda_i")
    # Substitute the planner's allocation with mu_i = 1/lambda_i.
    alloc = planner_allocation(n, gamma)["consumption"]
    matched = prices[0].subs({mus[0]: 1 / lams[0], cs[0]: alloc[0]})
    price = sp.simplify(sp.powsimp(matched, force=True))
    d.result("price", sp.Eq(p, price), "mu_i = 1/lambda_i: p_t equals the planner's theta")
    theta_value = planner_allocation(n, gamma)["multiplier"].rhs
    if not identical(price, theta_value):
        raise AssertionError("competitive price differs from the planner's multiplier")
    # All agents' FOCs give the same price at the planner's allocation.
    for i in range(1, n):
        other = prices[i].subs({mus[i]: 1 / lams[i], cs[i]: alloc[i]})
        if not identical(other, price):
            raise AssertionError(f"agent {i + 1}'s FOC gives a different price")
    if n == 2:
        lecture = {lams[0]: lam, lams[1]: 1 - lam}
        lec_price = prices[0].subs({mus[0]: 1 - lam, cs[0]: alloc[0].subs(lecture)}).subs(lecture)
        scaled = sp.simplify(lec_price.subs(Y, 1) * lam * (1 - lam) / delta**t)
        numerator = sp.collect(sp.expand(scaled), pis)
        lec_price = delta**t * numerator / (lam * (1 - lam))
        d.result("price_two_agent", lec_price,
                 "Exercise 23.1 with the lecture's normalisation mu_1 = 1 - lambda, "
                 "mu_2 = lambda, Y = 1")
        in_l = sp.simplify(lec_price.subs(pis[0], l_sym * pis[1]) / (delta**t * pis[1]))
        d.result("price_over_pi2", in_l, "p_t / (delta^t pi^2_t) as a function of l_t")
        d.result("price_limit_l_0", sp.limit(in_l, l_sym, 0),
                 "l -> 0: p_t proportional to delta^t pi^2_t")
        in_l1 = sp.simplify(lec_price.subs(pis[1], pis[0] / l_sym) / (delta**t * pis[0]))
        d.result("price_limit_l_inf", sp.limit(in_l1, l_sym, sp.oo),
                 "l -> oo: p_t proportional to delta^t pi^1_t")
    return d


# --------------------------------------------------------------------------
# Negishi weights
# --------------------------------------------------------------------------


@cache
def negishi_weights(n_agents: int = 2) -> Derivation:
    """Closed-form Negishi weights for log utility.

    With ``mu_i = 1/lambda_i``, ``p_t c_i = delta^t lambda_i pi^i_t`` at every
    history (derived), so the value of agent i's consumption is
    ``lambda_i / (1 - delta)`` because each joint density integrates to one.
    The value of its endowment ``y_i = a_i + b_i s_t`` is
    ``sum_t delta^t sum_j lambda_j E^j[y_i] / Y`` with ``E^j[s_t] = m_j`` (agent
    j's predictive mean, constant in t for iid beliefs and for Bayesian
    mixtures).  Budget balance is a linear system in the weights.

    Parameters
    ----------
    n_agents : int
        Number of agents, >= 2.

    Returns
    -------
    Derivation
        Results ``value_identity`` (p c_1 simplified), ``budget`` (list of
        equations, one per agent) and ``weights`` (list, in terms of a_i,
        b_i, m_j, Y).

    Examples
    --------
    >>> w = negishi_weights(2)["weights"][0]
    >>> a1, b1 = sp.symbols("a_1 b_1", real=True)
    >>> sp.simplify(w.subs({a1: 0, b1: 1, Y: 1}))  # the lecture: y_1 = s, y_2 = 1 - s
    m_2/(-m_1 + m_2 + 1)
    """
    n = _n_agents(n_agents)
    lams = _indexed("lambda", n, positive=True)
    pis = _indexed("pi", n, positive=True)
    a = _indexed("a", n, real=True)
    b = _indexed("b", n, real=True)
    means = _indexed("m", n, positive=True)
    d = Derivation(f"Negishi weights: {n} agents, log utility")
    planner = planner_allocation(n, 1)
    price = competitive_prices(n, 1)["price"].rhs
    value_density = sp.simplify(price * planner["consumption"][0])
    d.result("value_identity", sp.Eq(sp.Symbol("p_t c_1"), value_density),
             "the price-weighted consumption is the agent's own weighted density")
    budgets = []
    for i in range(n):
        consumption_value = lams[i] / (1 - delta)
        expected_endowment = sum(lams[j] * (a[i] + b[i] * means[j]) for j in range(n))
        endowment_value = expected_endowment / (Y * (1 - delta))
        budgets.append(sp.Eq(consumption_value, endowment_value))
        d.step(f"Budget of agent {i + 1} (both sides summed over t and s^t)", budgets[i])
    d.results["budget"] = budgets
    # Budgets sum to an identity (aggregate endowment Y = sum a_i, sum b_i = 0);
    # replace one by the normalisation sum lambda = 1.  Solving the n x n
    # system symbolically grows factorially (minutes at n = 8), but the
    # weights enter every budget only through sum_j lambda_j = 1 and
    # M = sum_j m_j lambda_j, so lambda_i = (a_i + b_i M) / Y and one scalar
    # equation for M remains: linear in n.
    big_m = sp.Symbol("M")
    reduced = [(a[i] + b[i] * big_m) / Y for i in range(n)]
    d.step("Weights through M = sum_j m_j lambda_j (budgets with sum lambda = 1)",
           sp.Eq(lams[0], reduced[0]))
    # Only agents 1..n-1's budgets are used, so the weights are stated in their
    # a_i, b_i; agent n's are a_n = Y - sum a_i and b_n = -sum b_i.
    last = {a[n - 1]: Y - sum(a[:-1]), b[n - 1]: -sum(b[:-1])}
    m_sum_a = sp.expand(sum(means[j] * a[j] for j in range(n)).subs(last))
    m_sum_b = sp.expand(sum(means[j] * b[j] for j in range(n)).subs(last))
    d.step("M solves one linear equation", sp.Eq(big_m, m_sum_a / (Y - m_sum_b)))
    denominator = Y * (Y - m_sum_b)
    weights = [sp.expand((a[i] * (Y - m_sum_b) + b[i] * m_sum_a).subs(last)) / denominator
               for i in range(n)]
    for i in range(n):
        d.step(f"Negishi weight lambda*_{i + 1}", sp.Eq(sp.Symbol(f"lambda^*_{i + 1}"), weights[i]))
    d.results["weights"] = weights
    _ = pis  # the densities cancel from the budgets: stated for the report
    return d


def negishi_weight_closed_form(economy: ExchangeEconomy) -> tuple[float, ...]:
    """Evaluate the log-utility Negishi weights of `economy`.

    Raises ParameterError when the economy does not have log utility (use the
    numerical route in :mod:`foresight.numerics.event_tree`).

    Examples
    --------
    >>> coin = DiscreteStates((0.0, 1.0), (0.5, 0.5))
    >>> pess = DiscreteStates((0.0, 1.0), (0.75, 0.25))
    >>> e = ExchangeEconomy((fixed_belief(coin), fixed_belief(pess)), (0.5, 0.5))
    >>> [round(w, 12) for w in negishi_weight_closed_form(e)]
    [0.333333333333, 0.666666666667]
    """
    if economy.gamma != 1.0:
        raise ParameterError("gamma", economy.gamma, "{1} for the closed form (log utility)")
    n = economy.n_agents
    weights = negishi_weights(n)["weights"]
    subs = {sp.Symbol("Y", positive=True): economy.aggregate_endowment}
    for i in range(n):
        subs[sp.Symbol(f"a_{i + 1}", real=True)] = economy.endowment_intercepts[i]
        subs[sp.Symbol(f"b_{i + 1}", real=True)] = economy.endowment_slopes[i]
        subs[sp.Symbol(f"m_{i + 1}", positive=True)] = economy.beliefs[i].predictive_mean()
    values = tuple(float(w.subs(subs)) for w in weights)
    for i, v in enumerate(values):
        if not 0.0 < v < 1.0:
            raise ParameterError(
                f"negishi weight {i + 1}", v, "(0, 1): no interior equilibrium without transfers"
            )
    return values


# --------------------------------------------------------------------------
# Learning agents
# --------------------------------------------------------------------------


@cache
def bayesian_learning(n_models: int = 2) -> Derivation:
    """Posterior updating and the predictive chain rule for a finite model set.

    With models ``f_k``, prior ``w_k`` and cumulative likelihoods
    ``L_k(s^t) = prod_tau f_k(s_tau)``: posterior ``w_k L_k / sum_j w_j L_j``;
    one-step predictive density ``m_t(s) = sum_k post_{k,t-1} f_k(s)``; the
    joint density ``sum_k w_k L_k(s^t)`` equals the product of predictive
    densities (verified here for two periods).

    Parameters
    ----------
    n_models : int
        Number of candidate models, >= 1.

    Returns
    -------
    Derivation
        Results ``posterior`` (of each model after one draw, a list),
        ``predictive_density`` (the one-step predictive density after one draw),
        ``chain_rule_holds`` (joint density = product of the one-step
        predictive densities) and ``recursive_update_holds`` (updating one draw
        at a time = updating on the whole history), both bools.

    Examples
    --------
    >>> bayesian_learning(2)["chain_rule_holds"]
    True
    """
    n = int(n_models)
    prior = _indexed("w", n, positive=True)
    f0 = _indexed("f0", n, positive=True)  # f_k(s_0)
    f1 = _indexed("f1", n, positive=True)  # f_k(s_1)
    d = Derivation(f"Bayesian learning over {n} models")
    joint0 = sum(prior[k] * f0[k] for k in range(n))
    post0 = [prior[k] * f0[k] / joint0 for k in range(n)]
    d.step("Posterior after s_0", sp.Eq(sp.Symbol("pi_{1,0}"), post0[0]), "Bayes' law")
    predictive1 = sum(post0[k] * f1[k] for k in range(n))
    d.step("Predictive density of s_1", sp.Eq(sp.Symbol("m_1(s_1)"), predictive1),
           "the posterior from s^0 prices s_1")
    # Named (not only shown as steps) so that users such as the exercise checker
    # need not find them by a step's title.
    d.results["posterior"] = post0[0]
    d.results["predictive_density"] = predictive1
    joint1 = sum(prior[k] * f0[k] * f1[k] for k in range(n))
    holds = identical(joint0 * predictive1, joint1)
    d.result("chain_rule_holds", bool(holds),
             "pi_1(s^1) = m_0(s_0) m_1(s_1): joint density = product of predictive densities")
    post1 = [sp.simplify(post0[k] * f1[k] / predictive1) for k in range(n)]
    batch = [prior[k] * f0[k] * f1[k] / joint1 for k in range(n)]
    recursive = all(identical(post1[k], batch[k]) for k in range(n))
    d.result("recursive_update_holds", bool(recursive),
             "updating one draw at a time equals updating on the whole history")
    return d


# --------------------------------------------------------------------------
# Kernels for the numerics
# --------------------------------------------------------------------------


def beta_log_density_in_logs():
    """The Beta log density, as a function of log s and log(1 - s).

    Simulators evaluate every belief model at the same draw, so ``log s`` and
    ``log(1 - s)`` are computed once per draw and ``log B(a, b)`` once per model.

    Returns
    -------
    args : tuple of Symbol
        ``(log_state, log_complement, a, b, log_beta_function)``.
    expr : sympy.Expr

    Examples
    --------
    >>> beta_log_density_in_logs()[1]
    -log_beta_function + log_complement*(b - 1) + log_state*(a - 1)
    """
    from foresight.derivations.distributions import sympy_beta_log_density

    a, b = sp.symbols("a b", positive=True)
    s = sp.Symbol("s", positive=True)
    ls, lc, lb = sp.symbols("log_state log_complement log_beta_function", real=True)
    log_density = sympy_beta_log_density(s, a, b)
    # log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b) is computed once per model.
    expr = sp.expand(log_density.subs({sp.log(s): ls, sp.log(1 - s): lc}).subs(
        sp.loggamma(a + b), sp.loggamma(a) + sp.loggamma(b) - lb))
    expr = sp.collect(expr, [ls, lc])
    if expr.has(s):
        raise AssertionError(f"Beta log density not separable in log s, log(1-s): {expr}")
    return (ls, lc, a, b, lb), expr


def mixture_density_in_logs(n_models: int = 3):
    """A learner's joint density and posteriors from cumulative log-likelihoods.

    :func:`bayesian_learning` gives the joint density of a history as
    ``pi(s^t) = sum_k w_k L_k(s^t)`` (the product of the one-step predictive
    densities) and the posterior ``w_k L_k / pi``.  Simulators carry
    ``l_k = log L_k`` and a reference ``r`` (the largest ``l_k``); with the
    scaled likelihoods ``rho_k = exp(l_k - r)`` in ``(0, 1]`` and
    ``S = sum_k w_k rho_k >= min_k w_k`` nothing overflows or underflows:
    ``log pi = r + log S`` and the posterior is ``w_k rho_k / S``.  Both are
    checked here against the unscaled formulas for `n_models` models.

    Returns
    -------
    dict
        ``name -> (args, expr)`` for ``scaled_likelihood``,
        ``log_mixture_density`` and ``mixture_posterior``.

    Examples
    --------
    >>> k = mixture_density_in_logs(2)
    >>> k["log_mixture_density"][1]
    log_reference + log(scaled_mixture)
    """
    n = int(n_models)
    d = bayesian_learning(n)
    if not (d["chain_rule_holds"] and d["recursive_update_holds"]):
        raise AssertionError("the joint density is not the product of predictive densities")
    ell = sp.symbols(f"l_1:{n + 1}", real=True)
    prior = _indexed("w", n, positive=True)
    log_lik, ref = sp.symbols("log_likelihood log_reference", real=True)
    mix = sp.Symbol("scaled_mixture", positive=True)
    rho = sp.Symbol("scaled_likelihood", positive=True)
    w = sp.Symbol("prior", positive=True)
    scaled = sp.exp(log_lik - ref)
    log_joint = ref + sp.log(mix)
    posterior = w * rho / mix
    joint = sum(prior[k] * sp.exp(ell[k]) for k in range(n))  # sum_k w_k L_k
    mix_of = sum(prior[k] * scaled.subs({log_lik: ell[k], ref: ell[0]}) for k in range(n))
    if not identical(sp.exp(log_joint.subs({ref: ell[0], mix: mix_of})), joint):
        raise AssertionError("log pi != r + log sum_k w_k exp(l_k - r)")
    for k in range(n):
        batch = prior[k] * sp.exp(ell[k]) / joint  # Bayes' law on the whole history
        rho_k = scaled.subs({log_lik: ell[k], ref: ell[0]})
        if not identical(posterior.subs({w: prior[k], rho: rho_k, mix: mix_of}), batch):
            raise AssertionError(f"posterior of model {k + 1} from scaled likelihoods")
    return {
        "scaled_likelihood": ((log_lik, ref), scaled),
        "log_mixture_density": ((ref, mix), log_joint),
        "mixture_posterior": ((w, rho, mix), posterior),
    }


def _share_kernels_from_planner():
    """Consumption shares in terms of the log allocation weights z_i, from the planner.

    The derived allocation ``c_i = Y (lambda_i pi_i)^(1/gamma) / sum_j (...)`` is
    rewritten with ``lambda_i pi_i = exp(gamma z_i)``.  Two agents: in terms of
    the gap ``x = z_other - z_own`` (one exponential for both shares, no
    overflow for ``x <= 0``).  n agents: ``exp(z_i - log sum_j exp(z_j))``,
    checked against the derived three-agent allocation.

    Examples
    --------
    >>> gap, softmax = _share_kernels_from_planner()
    >>> gap
    (1/(exp(log_weight_gap) + 1), exp(log_weight_gap)/(exp(log_weight_gap) + 1))
    """
    x = sp.Symbol("log_weight_gap", real=True)
    z = sp.Symbol("log_allocation_weight", real=True)
    lse = sp.Symbol("log_sum_weights", real=True)
    zs = sp.symbols("z_1:4", real=True)

    def shares_in_weights(n):
        alloc = planner_allocation(n, "symbolic")["consumption"]
        lams = _indexed("lambda", n, positive=True)
        pis = _indexed("pi", n, positive=True)
        subs = {}
        for i in range(n):
            subs[lams[i]] = sp.exp(gamma_sym * zs[i])
            subs[pis[i]] = 1
        return [sp.powsimp(sp.powdenest((c / Y).subs(subs), force=True), force=True)
                for c in alloc]

    two = shares_in_weights(2)
    pair = tuple(sp.simplify(sp.expand(c.subs(zs[1], zs[0] + x))) for c in two)
    for expr, target in zip(pair, (1 / (1 + sp.exp(x)), sp.exp(x) / (1 + sp.exp(x))),
                            strict=True):
        if not identical(expr, target):
            raise AssertionError(f"two-agent share in the weight gap: {expr}")
    pair = (1 / (sp.exp(x) + 1), sp.exp(x) / (sp.exp(x) + 1))
    softmax = sp.exp(z - lse)
    three = shares_in_weights(3)
    log_sum = sp.log(sum(sp.exp(w) for w in zs))
    if not identical(softmax.subs({z: zs[0], lse: log_sum}), three[0]):
        raise AssertionError("n-agent share is not exp(z_i - log sum_j exp(z_j))")
    return pair, softmax


def kernel_module() -> KernelModule:
    """Kernels generated into ``numerics/generated/blume_easley.py``."""
    g = sp.Symbol("gamma", positive=True)
    planner = planner_allocation(2, "symbolic")
    weight = planner["log_allocation_weight"]
    w, L = sp.symbols("log_pareto_weight log_joint_density", real=True)
    log_l = sp.Symbol("log_likelihood_ratio", real=True)
    pareto = sp.Symbol("pareto_weight", positive=True)

    # 1 / (1 + c_2/c_1) with l = exp(log l): finite for |log l| -> inf.
    stable = two_agent_allocation("symbolic")["share_stable"].subs(lam, pareto)
    share_stable = sp.powsimp(stable.subs(l_sym, sp.exp(log_l)), force=True).subs(gamma_sym, g)

    # log p_t: theta with mu_i = 1/lambda_i, written in the log allocation
    # weights z_j: theta = delta^t (sum_j exp(z_j))^gamma / Y^gamma.
    lse = sp.Symbol("log_sum_weights", real=True)
    aggregate = sp.Symbol("aggregate_endowment", positive=True)
    log_discount = sp.Symbol("log_discount", real=True)
    date = sp.Symbol("date", nonnegative=True)
    theta_n = planner_allocation(2, "symbolic")["multiplier"].rhs
    lams = _indexed("lambda", 2, positive=True)
    pis = _indexed("pi", 2, positive=True)
    zs = [weight.subs({w: sp.log(lams[i]), L: sp.log(pis[i])}) for i in range(2)]
    # Express log theta through log(sum exp z) and check the identity.
    log_sum = sp.log(sum(sp.exp(z) for z in zs))
    candidate = t * sp.log(delta) + gamma_sym * log_sum - gamma_sym * sp.log(Y)
    if not identical(sp.exp(candidate), theta_n):
        raise AssertionError("log price is not t log delta + gamma LSE(z) - gamma log Y")
    log_price = candidate.subs(
        {t: date, sp.log(delta): log_discount, Y: aggregate, gamma_sym: g}
    )
    log_price = log_price.subs(sp.log(sum(sp.exp(z) for z in zs)).subs(gamma_sym, g), lse)

    beta_args, beta_log = beta_log_density_in_logs()
    share_gap, share_softmax = _share_kernels_from_planner()
    # The same shares with r = exp(x) given: the split route evaluates exp on whole
    # arrays (SIMD) and passes r, so the formula must not contain x any more.
    gap_sym = sp.Symbol("log_weight_gap", real=True)
    ratio = sp.Symbol("weight_ratio", positive=True)
    share_ratio = tuple(e.subs(sp.exp(gap_sym), ratio) for e in share_gap)
    if any(gap_sym in e.free_symbols for e in share_ratio):
        raise AssertionError("two-agent shares are not a function of exp(x) alone")
    mixture = mixture_density_in_logs(3)
    kernels = (
        Kernel(
            "beta_log_density_from_logs",
            beta_args,
            beta_log,
            "log Beta(a, b) density at s from log s, log(1 - s) and log B(a, b).",
        ),
        Kernel(
            "log_allocation_weight",
            (w, L, g),
            weight.subs(gamma_sym, g),
            "Agent-specific part z_i of log c_i: (log lambda_i + log pi^i_t) / gamma.",
            # Inlined into the split route's vectorised loops; gamma > 0 is validated.
            error_model="numpy",
        ),
        Kernel(
            "consumption_share_two_agents",
            (log_l, pareto, g),
            share_stable,
            "Agent 1's consumption share c_1/Y given log l_t, lambda and gamma.",
        ),
        Kernel(
            "consumption_shares_from_weight_gap",
            (sp.Symbol("log_weight_gap", real=True),),
            share_gap,
            "Two agents: (c_own/Y, c_other/Y) from x = z_other - z_own (pass x <= 0).",
        ),
        Kernel(
            "consumption_shares_from_weight_ratio",
            (ratio,),
            share_ratio,
            "Two agents: (c_own/Y, c_other/Y) from r = exp(z_other - z_own) (pass r <= 1).",
            # Inlined into the split route's vectorised loops; the divisor 1 + r >= 1.
            error_model="numpy",
        ),
        Kernel(
            "consumption_share_softmax",
            (sp.Symbol("log_allocation_weight", real=True), lse),
            share_softmax,
            "c_i/Y = exp(z_i - log sum_j exp(z_j)), the planner's allocation for n agents.",
        ),
        Kernel(
            "log_state_price",
            (date, log_discount, lse, g, aggregate),
            log_price,
            "log p_t(s^t) with mu_i = 1/lambda_i, from log sum_j exp(z_j).",
        ),
        Kernel(
            "scaled_likelihood",
            *mixture["scaled_likelihood"],
            "L_k / L_ref = exp(l_k - r) from log-likelihoods (in (0, 1] for r = max_k l_k).",
        ),
        Kernel(
            "log_mixture_density",
            *mixture["log_mixture_density"],
            "log pi(s^t) = log sum_k w_k L_k from r and S = sum_k w_k exp(l_k - r).",
        ),
        Kernel(
            "mixture_posterior",
            *mixture["mixture_posterior"],
            "Posterior w_k L_k / sum_j w_j L_j from w_k, exp(l_k - r) and S.",
        ),
    )
    return KernelModule(
        "blume_easley",
        "foresight.derivations.blume_easley",
        "Generated kernels of the Blume-Easley economy (planner allocation, prices).",
        kernels,
    )

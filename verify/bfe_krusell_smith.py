"""Checks of the Krusell–Smith N-BFE: every tree node, the readings, the aggregates.

Each check compares the engine (generated kernels, :mod:`foresight.numerics.bfe`)
with a second route built here from the model's *primitives* (production and
utility functions of :mod:`foresight.verify.krusell_smith`, differentiated by
complex step) or from the previous issue's solvers:

- :func:`check_tree_euler`: at every node of a solved tree, the policy
  (savings on the histogram grid) and the marginal values are the solution of
  the Euler equation given the node's children -- the Euler-implied consumption
  ``u'^{-1}(beta sum P R' u'(c'))`` at each end-of-period asset node, with
  primitive prices and utility, interpolated linearly in cash on hand (the
  policy's documented representation).  Exact up to round-off: a wrong price,
  a wrong EGM inversion, a wrong expectation (chain, employment) fails.
- :func:`check_tree_statistics`: the capital of every child node equals the
  mean savings of its parent's population (the lottery keeps the mean), and its
  unemployment equals the parent's pushed by ``Pi(e'|e, z, z')`` -- computed
  here without the law of motion's kernels.
- :func:`check_n0_frozen_policy`: for each continuation reading, the N = 0
  policy equals the policy of the corresponding frozen household problem
  solved by the previous issue's solvers (law of motion ``K' = K``; fixed
  prices with the stationary employment chain; fixed prices with the 4x4 chain
  stepped node by node with :func:`~foresight.numerics.krusell_smith.household.
  egm_node_step`).
- :func:`check_stationary_at_n0`: without aggregate shocks, the capital at
  which the N = 0 policy's stationary histogram reproduces itself equals the
  stationary (Aiyagari) equilibrium of the previous issue.
- :func:`check_resource_identity_path`: ``C + K' - (1 - delta) K = z F(K, L)``
  along a rolled N-BFE path (primitive production function).
- :func:`claims_krusell_smith`: the paper's claims (sigma and forecast errors
  increasing in N; sigma(N = 2) closer to the moment-based sigma than sigma(N =
  0)) as claims -- findings about the paper, reported, not verify failures.

Examples
--------
>>> from foresight.numerics.bfe.engine import BFESolver
>>> from foresight.numerics.bfe.krusell_smith import KrusellSmithBFE
>>> m = KrusellSmithBFE.default()
>>> solver = BFESolver(m, 1)
>>> eq = solver.solve(m.initial_population("stationary", 0), 0)
>>> check_tree_statistics(m, eq).passed
True
"""

from __future__ import annotations

import functools

import numpy as np

from foresight.numerics.bfe.catalog import CONTINUATIONS
from foresight.verify.check import CheckResult, compare_close
from foresight.verify.krusell_smith import _complex_step, _interp, production, utility
from foresight.verify.registry import case

__all__ = [
    "check_tree_euler",
    "check_tree_statistics",
    "check_n0_frozen_policy",
    "check_stationary_at_n0",
    "check_resource_identity_path",
    "claims_krusell_smith",
]

EPS = np.finfo(float).eps


# ------------------------------------------------------------------ primitives


def _prices(model, z_index, capital):
    """``(R, w)`` of the primitive ``z K^alpha L^(1-alpha)`` (complex step)."""
    p = model.params
    z = model.z_values[np.asarray(z_index)]
    L = model.labour[np.asarray(z_index)]
    k = np.asarray(capital, dtype=float)
    R = 1.0 - p.delta + _complex_step(lambda x: production(z, x, L, p.alpha), k)
    w = _complex_step(lambda x: production(z, k, x, p.alpha), L)
    return R, w


def _marginal_utility(c, gamma):
    return _complex_step(lambda x: utility(x, gamma), c)


def _inverse_marginal_utility(x, gamma, iterations: int = 200):
    """``c`` with ``u'(c) = x`` by bisection in log c on the primitive ``u'``."""
    x = np.asarray(x, dtype=float)
    lo = np.full(x.shape, -60.0)
    hi = np.full(x.shape, 60.0)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        too_small = _marginal_utility(np.exp(mid), gamma) > x  # u' decreasing
        lo = np.where(too_small, mid, lo)
        hi = np.where(too_small, hi, mid)
        if np.all(hi - lo < 1e-15 * np.maximum(1.0, np.abs(mid))):
            break
    return np.exp(0.5 * (lo + hi))


def _euler_curve(model, z, child_va):
    """Euler-implied EGM curve of a node: cash on hand and consumption nodes ``(2, na+1)``.

    ``child_va[j, e', i]`` are the children's marginal values on the asset
    grid; no interpolation enters (the end-of-period nodes are that grid).
    """
    p = model.params
    a = model.grids.assets
    # The chain from the parameters (the derivation), not the model's own copy.
    if model.aggregate_shocks:
        prob = p.transition_matrix.reshape(2, 2, 2, 2)[z]  # [e, z', e']
    else:
        prob = p.stationary_employment_chain.reshape(2, 1, 2)
    m = np.zeros((2, a.size + 1))
    c = np.zeros((2, a.size + 1))
    for e in range(2):
        expected = np.einsum("je,jei->i", prob[e], child_va)
        c[e, 1:] = _inverse_marginal_utility(p.beta * expected, p.gamma)
        m[e, 1:] = a + c[e, 1:]
    return m, c


def tree_children(solver, eq) -> list:
    """Children's marginal values ``(nodes, |Z|, 2, na)`` for every depth of a tree."""
    from foresight.verify.bfe import tree_continuations

    return tree_continuations(solver, eq)


# ------------------------------------------------------------------ checks


def check_tree_euler(model, solver, eq, *, rtol: float = 1e-9, policies=None,
                     name="bfe_krusell_smith.tree_euler") -> CheckResult:
    """Node savings and marginal values = the Euler equation's solution given the children.

    `policies` overrides ``eq.policies`` (a wrong input for tests).
    """
    p = model.params
    policies = eq.policies if policies is None else policies
    info = eq.information or eq.statistics
    children = tree_children(solver, eq)
    fine, a = model.grids.fine, model.grids.assets
    exp_s, obs_s, exp_v, obs_v = [], [], [], []
    for depth, child in enumerate(children):
        for node in range(child.shape[0]):
            z = int(eq.z_index[depth][node])
            R, w = _prices(model, z, info[depth][node])
            m_nodes, c_nodes = _euler_curve(model, z, child[node])
            for e in range(2):
                cash = R * fine + w * p.labour_endowment * e
                exp_s.append(cash - _interp(m_nodes[e], c_nodes[e], cash))
                obs_s.append(policies[depth][node][e])
                cash_a = R * a + w * p.labour_endowment * e
                exp_v.append(R * _marginal_utility(_interp(m_nodes[e], c_nodes[e], cash_a),
                                                   p.gamma))
                obs_v.append(eq.values[depth][node][e])
    es, os_, ev, ov = (np.concatenate(x) for x in (exp_s, obs_s, exp_v, obs_v))
    # Savings in units of assets (scale: the grid's top); marginal values relative.
    scale = float(fine[-1])
    err_s = np.abs(os_ - es) / scale
    err_v = np.abs(ov - ev) / np.abs(ev)
    err = np.concatenate([err_s, err_v])
    worst = int(np.nanargmax(err)) if np.all(np.isfinite(err)) else 0
    exp_w = np.concatenate([es, ev])[worst]
    obs_w = np.concatenate([os_, ov])[worst]
    return CheckResult(
        name, "u'(c) = beta sum_{z',e'} P(z',e'|z,e) R' u'(c') at every node of the tree: "
        "savings and V_a equal the Euler-implied policy (primitive prices and utility)",
        float(exp_w), float(obs_w), rtol,
        "round-off of EGM and of the bisection inverting the primitive u' (relative; "
        "savings relative to the top of the asset grid)",
        bool(np.all(np.isfinite(err)) and np.all(err <= rtol)), error=float(err[worst]),
        details={"nodes": int(sum(len(x) for x in policies)), "N": solver.horizon,
                 "continuation": solver.continuation,
                 "worst_in": "savings" if worst < err_s.size else "marginal value"})


def check_tree_statistics(model, eq, *, tol: float = 1e-10, information=None,
                          name="bfe_krusell_smith.tree_statistics") -> CheckResult:
    """Child K = mean of the parent's savings; child unemployment = parent's pushed by Pi."""
    info = eq.information or eq.statistics if information is None else information
    nz = model.n_aggregate
    fine = model.grids.fine
    cond = model.params.conditional_employment if model.aggregate_shocks else \
        model.conditional
    regen_k, given_k, regen_u, given_u = [], [], [], []
    for depth in range(len(eq.policies) - 1):
        for node in range(eq.population_states[depth].shape[0]):
            mass = eq.population_states[depth][node]
            savings = np.clip(eq.policies[depth][node], fine[0], fine[-1])
            k_next = float(np.sum(mass * savings))
            z = int(eq.z_index[depth][node])
            for j in range(nz):
                child = node * nz + j
                regen_k.append(k_next)
                given_k.append(float(info[depth + 1][child]))
                pi = cond[z, j] if model.aggregate_shocks else cond[0, 0]
                regen_u.append(float(mass[0].sum() * pi[0, 0] + mass[1].sum() * pi[1, 0]))
                given_u.append(float(eq.population_states[depth + 1][child][0].sum()))
    if not regen_k:
        regen_k = given_k = [float(info[0][0])]
        regen_u = given_u = [0.0]
    r = np.array(regen_k + regen_u)
    g = np.array(given_k + given_u)
    return compare_close(
        name, "K of every child = mean savings of its parent's population (Definition 1 "
        "parts 2-3); its unemployment = the parent's pushed by Pi(e'|e,z,z')", r, g,
        atol=tol, basis="fixed-point tolerance of the tree + round-off",
        details={"children": len(regen_k)})


def _frozen_reference_savings(model, reading, z, capital):
    """Savings ``(2, nf)`` of the frozen problem by the previous issue's solvers."""
    from foresight.numerics.krusell_smith.household import (
        AggregateLawOfMotion,
        egm_node_step,
        initial_policy,
        solve_alm_household,
        solve_stationary_household,
    )
    from foresight.numerics.krusell_smith.params import KrusellSmithGrids

    p, g = model.params, model.grids
    fine = g.fine
    R, w = (float(x) for x in _prices(model, z, capital))
    if reading == "markov":
        grids = KrusellSmithGrids(g.assets, np.array([capital, capital + 1.0]), fine)
        pol = solve_alm_household(p, grids, AggregateLawOfMotion.constant(), tol=1e-11)
        m_nodes, c_nodes = pol.cash_on_hand[z, :, 0], pol.consumption[z, :, 0]
    elif reading == "mean-z":
        # Beyond the root: the economy without aggregate shocks at K (stationary
        # household); the root itself has its own prices and the 4x4 chain.
        R_bar, w_bar = (float(x) for x in _prices(model.without_shocks(), 0, capital))
        pol = solve_stationary_household(p, g, interest=R_bar, wage=w_bar, tol=1e-11)
        child = tuple(np.broadcast_to(x, (2,) + x.shape).copy()
                      for x in (pol.cash_on_hand, pol.consumption))
        m_nodes, c_nodes = egm_node_step(p, g.assets, z, np.array([[R_bar, w_bar]] * 2),
                                         child)
    else:
        prices = np.array([[R, w], [R, w]])
        m, c = initial_policy(g.assets, (2, 2))
        for _ in range(20000):
            new = [egm_node_step(p, g.assets, zz, prices, (m, c)) for zz in range(2)]
            m_new = np.stack([x[0] for x in new])
            c_new = np.stack([x[1] for x in new])
            change = float(np.max(np.abs(c_new - c)))
            m, c = m_new, c_new
            if change < 1e-11:
                break
        m_nodes, c_nodes = m[z], c[z]
    out = np.empty((2, fine.size))
    for e in range(2):
        cash = R * fine + w * p.labour_endowment * e
        out[e] = cash - _interp(m_nodes[e], c_nodes[e], cash)
    return out


def check_n0_frozen_policy(model, reading, *, z_index: int = 0, atol: float = 1e-7,
                           name=None) -> CheckResult:
    """N = 0 root policy = the frozen household problem's policy (another solver).

    Solved at the stationary population (rescaled to the unemployment of
    `z_index`); the frozen problem is solved at that population's capital.
    """
    from foresight.numerics.bfe.engine import BFESolver

    solver = BFESolver(model, 0, continuation=reading, exact=True)
    state = model.initial_population("stationary", z_index)
    eq = solver.solve(state, z_index)
    k = float(eq.statistics[0][0])
    expected = _frozen_reference_savings(model, reading, z_index, k)
    return compare_close(
        name or f"bfe_krusell_smith.n0_frozen_policy[{reading}]",
        f"N = 0 ({reading}): the root policy is the policy of the frozen household problem "
        "(previous issue's solver)", expected, eq.root_policy, atol=atol,
        basis="two EGM fixed points stopped at 1e-10 / 1e-11 in consumption",
        details={"capital": k, "z": z_index})


def check_stationary_at_n0(model, *, rtol: float = 1e-6,
                           name="bfe_krusell_smith.stationary_at_N0") -> CheckResult:
    """Without shocks: K with stat(invariant histogram of the N = 0 policy at K) = K."""
    from scipy.optimize import brentq

    from foresight.numerics.bfe.law_of_motion import transition_matrix
    from foresight.numerics.krusell_smith.stationary import stationary_equilibrium
    from foresight.numerics.markov import stationary_distribution

    nos = model.without_shocks()
    shape = nos.population_shape

    def excess(k):
        frozen = nos.frozen_values(np.array([k]), "markov")
        policy = nos.bellman_step(np.array([0]), np.array([k]), frozen)[1][0]
        pi = stationary_distribution(transition_matrix(*nos.law_of_motion(policy, 0, 0),
                                                       sparse=True))
        return float(nos.statistic(pi.reshape((1,) + shape))[0]) - k

    reference = stationary_equilibrium(model.params, model.grids)
    k_star = brentq(excess, reference.capital - 0.3, reference.capital + 0.3, xtol=1e-10)
    return compare_close(
        name, "N = 0 without aggregate shocks, with an invariant population state, is the "
        "stationary equilibrium (paper, after Definition 1)", reference.capital, k_star,
        rtol=rtol, basis="two root searches on different household solvers (tolerances "
        "1e-10) and histograms (iterated push vs sparse linear solve)",
        details={"route": reference.route})


def roll_path(model, solver, z_path, state):
    """Roll the N-BFE window along `z_path`, keeping states and root policies."""
    states, policies, stats = [state], [], []
    guess = None
    for t in range(z_path.size - 1):
        eq = solver.solve(states[-1], int(z_path[t]), initial_guess=guess)
        policies.append(eq.root_policy)
        stats.append(float(eq.statistics[0][0]))
        states.append(model.push(states[-1][None], eq.root_policy[None], eq.statistics[0],
                                 z_path[t + 1:t + 2], z_now=z_path[t:t + 1])[0])
        guess = solver.shifted_guess(eq, int(z_path[t + 1]))
    return states, policies, stats


def check_resource_identity_path(model, solver, z_path, state, *, rtol: float = 1e-11,
                                 name="bfe_krusell_smith.resource_identity") -> CheckResult:
    """``C_t + K_{t+1} - (1 - delta) K_t = z_t F(K_t, L_t)`` along a rolled path."""
    p = model.params
    fine = model.grids.fine
    states, policies, _ = roll_path(model, solver, z_path, state)
    lhs, rhs = [], []
    for t, policy in enumerate(policies):
        s = states[t]
        z = int(z_path[t])
        K = float(np.sum(s.sum(axis=0) * fine))
        L = float(s[1].sum()) * p.labour_endowment
        R, w = _prices(model, z, K)
        cash = R * fine[None, :] + w * p.labour_endowment * np.array([[0.0], [1.0]])
        C = float(np.sum(s * (cash - policy)))
        K_next = float(np.sum(states[t + 1].sum(axis=0) * fine))
        lhs.append(C + K_next - (1.0 - p.delta) * K)
        rhs.append(float(production(model.z_values[z], K, L, p.alpha)))
    return compare_close(
        name, "C + K' - (1 - delta) K = z F(K, L) along an N-BFE path (aggregate resources)",
        np.array(rhs), np.array(lhs), rtol=rtol,
        basis="float64 sums over 2,000 histogram points; savings within the grid",
        details={"periods": len(lhs), "N": solver.horizon,
                 "continuation": solver.continuation})


def claims_krusell_smith(results: dict, sigma_alm: float) -> list:
    """The paper's claims from a Monte Carlo result (see :func:`claims_from_results`)."""
    from foresight.verify.bfe import claims_from_results

    out = claims_from_results(results)
    sig = dict(zip(results["horizons"], results["sigma_mean"], strict=True))
    if 0 in sig and 2 in sig:
        d0, d2 = abs(sig[0] - sigma_alm), abs(sig[2] - sigma_alm)
        out.append(CheckResult(
            f"bfe_krusell_smith.claim_sigma_approaches_alm[{results['continuation']},"
            f"{results['mode']}]",
            "paper Section 4.1: extending foresight from 0 to 2 periods brings sigma(K) "
            "towards the moment-based (KS-ALM) level",
            f"|sigma(2) - sigma_ALM| < |sigma(0) - sigma_ALM| (sigma_ALM = {sigma_alm:.4f})",
            f"{d2:.4f} vs {d0:.4f}", 0.0, "ordering of path averages", bool(d2 < d0),
            error=d2 - d0, details={"sigma": sig, "sigma_alm": sigma_alm}))
    return out


# ------------------------------------------------------------------ registered cases


@functools.lru_cache(maxsize=1)
def _model():
    from foresight.numerics.bfe.krusell_smith import KrusellSmithBFE

    return KrusellSmithBFE.default()


@case("bfe_krusell_smith")
def tree():
    """Euler equation and statistics at every tree node, N = 0, 1, 2, every reading."""
    from foresight.numerics.bfe.engine import BFESolver

    model = _model()
    out = []
    for reading in CONTINUATIONS:
        for n in (0, 1, 2):
            solver = BFESolver(model, n, continuation=reading)
            eq = solver.solve(model.initial_population("stationary", 1), 1)
            tag = f"{reading},N={n}"
            out.append(check_tree_euler(model, solver, eq,
                                        name=f"bfe_krusell_smith.tree_euler[{tag}]"))
            out.append(check_tree_statistics(model, eq,
                                             name=f"bfe_krusell_smith.tree_statistics[{tag}]"))
    return out


@case("bfe_krusell_smith")
def n0_frozen_policies():
    """For each reading, the N = 0 policy is the frozen problem's policy (another solver)."""
    return [check_n0_frozen_policy(_model(), reading) for reading in CONTINUATIONS]


@case("bfe_krusell_smith")
def stationary_at_n0():
    """N = 0 without aggregate shocks recovers the stationary (Aiyagari) equilibrium."""
    return [check_stationary_at_n0(_model())]


@case("bfe_krusell_smith")
def resource_identity():
    """Aggregate resource identity along a 60-period N = 2 path (markov and frozen-prices)."""
    from foresight.numerics.bfe.engine import BFESolver, simulate_aggregate_path

    model = _model()
    z_path = simulate_aggregate_path(model.chain, 0, 60, np.random.default_rng(5))
    out = []
    for reading in ("markov", "frozen-prices"):
        solver = BFESolver(model, 2, continuation=reading)
        out.append(check_resource_identity_path(
            model, solver, z_path, model.initial_population("stationary", 0),
            name=f"bfe_krusell_smith.resource_identity[{reading},N=2]"))
    return out

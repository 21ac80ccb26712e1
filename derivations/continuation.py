"""What agents assume beyond the foresight horizon: the three readings, derived.

Islah & Light (2025) freeze the population state beyond depth ``N``; what
happens to the aggregate state ``z`` there is read three ways (SPEC B):

* ``markov`` (Proposition 1, Definition 1): ``z`` keeps following its chain
  ``P``; the period payoff at depth ``N + k`` uses ``z_{N+k}``.
* ``frozen-prices`` (Section 2.2, Figure 2; the Section 3 exchange-rate
  example): the payoff-relevant aggregate -- ``z P(Q)`` in capacity
  competition, ``z / S`` in the quality ladder, ``R`` and ``w`` in
  Krusell-Smith -- stays at its depth-N value; idiosyncratic transitions that
  depend on ``z`` (Krusell-Smith employment) keep following the chain.
* ``mean-z``: no aggregate shocks beyond ``N``: ``z`` at its stationary mean.

For a two-state chain the expected aggregate ``k`` periods beyond the horizon
is derived here in closed form,

    E[z_{N+k} | z_N] = zbar + lambda^k (z_N - zbar),   lambda = p11 + p22 - 1,

so the readings are the three values of the weight on today's deviation:
``lambda^k`` (markov), ``1`` (frozen-prices: a perfectly persistent chain),
``0`` (mean-z: an i.i.d. chain at its mean).  For payoffs linear in ``z`` at a
frozen population (capacity: ``z P(Q) qbar(x)``) this is the whole
difference between the readings' continuation problems; the Krusell-Smith
Euler equations of the three frozen household problems are derived below.

Examples
--------
>>> d = continuation_derivation()
>>> sp.simplify(d["expected_z_k"].subs(k, 0) - z_N)
0
>>> sp.simplify(d["expected_z_limit"] - d["stationary_mean_z"])
0
"""

from __future__ import annotations

import functools

import sympy as sp

from foresight.derivations.codegen import Kernel, KernelModule
from foresight.derivations.steps import Derivation

__all__ = ["continuation_derivation", "kernel_module", "p11", "p22", "z1", "z2", "z_N", "k"]

p11, p22 = sp.symbols("p11 p22", positive=True)
z1, z2, z_N = sp.symbols("z1 z2 z_N", positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
beta = sp.Symbol("beta", positive=True)
c, c_next = sp.symbols("c c_next", positive=True)
R_N, R_next, R_bar = sp.symbols("R_N R_next R_bar", positive=True)
price_N, price_bar, Q_N = sp.symbols("price_N price_bar Q_N", positive=True)
capacity_x = sp.Symbol("capacity_x", nonnegative=True)


@functools.lru_cache(maxsize=1)
def continuation_derivation() -> Derivation:
    """Derive the stationary mean of z, the k-step expectation and the readings.

    Returns
    -------
    Derivation
        Results: ``stationary_law`` (pi_1, pi_2 of the two-state chain),
        ``stationary_mean_z``, ``second_eigenvalue``, ``expected_z_k``,
        ``expected_z_limit``, ``payoff_markov``, ``payoff_frozen_prices``,
        ``payoff_mean_z`` (capacity: the depth-(N+k) period payoff, expected
        given ``z_N``), ``euler_markov``, ``euler_frozen_prices``,
        ``euler_mean_z`` (Krusell-Smith: the frozen household's Euler equation
        under each reading, ``lhs - rhs``).

    Examples
    --------
    >>> d = continuation_derivation()
    >>> d["second_eigenvalue"]
    p11 + p22 - 1
    """
    d = Derivation("Continuation beyond the foresight horizon: three readings")
    d.assumptions += ["two aggregate states z1, z2 with P = [[p11, 1 - p11], [1 - p22, p22]]",
                      "0 < p11, p22 < 1: an irreducible chain"]
    P = sp.Matrix([[p11, 1 - p11], [1 - p22, p22]])
    pi1, pi2 = sp.symbols("pi1 pi2", positive=True)
    law = sp.solve([sp.Eq(pi1 * P[0, 0] + pi2 * P[1, 0], pi1), sp.Eq(pi1 + pi2, 1)],
                   [pi1, pi2], dict=True)[0]
    law = {key: sp.simplify(v) for key, v in law.items()}
    d.step("Stationary law: pi P = pi, pi_1 + pi_2 = 1",
           sp.Eq(sp.Matrix([pi1, pi2]), sp.Matrix([law[pi1], law[pi2]])))
    d.result("stationary_law", sp.Matrix([law[pi1], law[pi2]]), "(pi_1, pi_2)")
    zbar = sp.simplify(law[pi1] * z1 + law[pi2] * z2)
    d.result("stationary_mean_z", zbar, "zbar = pi_1 z1 + pi_2 z2")
    eig = sorted(P.eigenvals(), key=lambda v: sp.count_ops(v))
    lam = [v for v in eig if sp.simplify(v - 1) != 0][0]
    d.result("second_eigenvalue", sp.expand(lam), "lambda = p11 + p22 - 1, |lambda| < 1")
    # P^k by its spectral decomposition, proved by induction: P^0 = I, P^(k+1) = P^k P.
    Pk = _power(P, lam)
    assert sp.simplify(Pk.subs(k, 0) - sp.eye(2)) == sp.zeros(2, 2)
    assert sp.simplify(Pk.subs(k, k + 1) - Pk * P) == sp.zeros(2, 2)
    d.step("P^k (induction: P^0 = I, P^(k+1) = P^k P)", sp.Eq(sp.Symbol("P^k"), Pk))
    row1 = sp.simplify((Pk[0, :] * sp.Matrix([z1, z2]))[0])
    closed = zbar + lam ** k * (z1 - zbar)
    assert sp.simplify(row1 - closed) == 0, row1
    row2 = sp.simplify((Pk[1, :] * sp.Matrix([z1, z2]))[0])
    assert sp.simplify(row2 - (zbar + lam ** k * (z2 - zbar))) == 0, row2
    expected = zbar + lam ** k * (z_N - zbar)
    d.result("expected_z_k", expected, "E[z_{N+k} | z_N] = zbar + lambda^k (z_N - zbar)")
    # lambda^k -> 0 as k -> infinity for |lambda| < 1 (here at a representative value).
    limit = sp.limit(expected.subs({p11: sp.Rational(7, 8), p22: sp.Rational(7, 8)}), k,
                     sp.oo)
    d.step("k -> infinity at p11 = p22 = 7/8", sp.Eq(sp.Symbol("E_inf"), limit))
    d.result("expected_z_limit", zbar, "markov's expectation tends to mean-z's")
    inverse_demand = sp.Symbol("P_Q", positive=True)
    d.result("payoff_markov", expected * inverse_demand * capacity_x,
             "capacity: E[z_{N+k} P(Q_N) qbar(x) | z_N]")
    d.result("payoff_frozen_prices", z_N * inverse_demand * capacity_x,
             "z_N P(Q_N) qbar(x): lambda = 1 (perfectly persistent)")
    d.result("payoff_mean_z", zbar * inverse_demand * capacity_x,
             "zbar P(Q_N) qbar(x): lambda = 0")
    # Krusell-Smith: the frozen household's Euler equation under each reading.
    pe = sp.IndexedBase("P")  # P[e, z', e'] from the node's (z, e)
    zn, en = sp.symbols("zp ep", integer=True)
    u_prime = 1 / c  # log utility (the calibration; CRRA in the numerics)
    u_prime_next = 1 / c_next
    R_z = sp.Function("R")(zn)
    d.result("euler_markov", u_prime - beta * sp.Sum(sp.Sum(pe[zn, en] * R_z * u_prime_next,
                                                          (en, 0, 1)), (zn, 0, 1)),
             "u'(c) = beta sum_{z',e'} P(z',e'|z,e) R(z', K_N) u'(c'): z Markov")
    d.result("euler_frozen_prices",
             u_prime - beta * R_N * sp.Sum(sp.Sum(pe[zn, en] * u_prime_next, (en, 0, 1)),
                                           (zn, 0, 1)),
             "R, w fixed at the depth-N node's (R_N, w_N); employment still moves with z")
    pbar = sp.IndexedBase("Pbar")
    d.result("euler_mean_z",
             u_prime - beta * R_bar * sp.Sum(pbar[en] * u_prime_next, (en, 0, 1)),
             "R(zbar, K_N, Lbar); employment on the stationary 2x2 chain")
    return d


def _power(P, lam):
    """``P^k`` of a two-state chain by its spectral decomposition (eigenvalues 1, lambda)."""
    one = sp.ones(2, 1)
    pi_row = sp.Matrix([[(1 - P[1, 1]) / (2 - P[0, 0] - P[1, 1]),
                         (1 - P[0, 0]) / (2 - P[0, 0] - P[1, 1])]])
    projector = one * pi_row
    return projector + lam ** k * (sp.eye(2) - projector)


def kernel_module() -> KernelModule:
    """Kernels for ``numerics/generated/continuation.py``.

    Examples
    --------
    >>> [kern.name for kern in kernel_module().kernels]
    ['stationary_mean_z', 'expected_aggregate']
    """
    d = continuation_derivation()
    return KernelModule(
        name="continuation",
        source="foresight.derivations.continuation",
        doc="Continuation readings: stationary mean and k-step expectation of z (generated).",
        kernels=(
            Kernel("stationary_mean_z", (p11, p22, z1, z2), d["stationary_mean_z"],
                   "zbar of a two-state chain (the mean-z reading)."),
            Kernel("expected_aggregate", (z_N, k, p11, p22, z1, z2), d["expected_z_k"],
                   "E[z_{N+k} | z_N] (the markov reading's expected aggregate)."),
        ),
    )

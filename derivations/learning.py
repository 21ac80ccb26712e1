"""Almost-sure limits of beliefs, likelihood ratios and shares (Blume–Easley).

Theory used (Blume & Easley 2006; the lecture's Sections 23.7–23.11):

* Under nature ``h`` (iid), an agent with prior over models ``{f_k}`` puts
  posterior mass tending to one on the models in its support that minimise
  ``KL(h ‖ f_k)`` (Berk's theorem for misspecified Bayesian learning with a
  finite model set).  Its one-step predictive density tends to that model.
* The log joint densities satisfy ``(1/t) log pi^i_t -> -H(h) - KL(h ‖ f*_i)``,
  so ``(1/t) log l_t -> KL(h ‖ f*_2) - KL(h ‖ f*_1)``: the agent with the
  smaller divergence survives (``l_t -> oo`` or ``0``).
* When two agents' posteriors concentrate on the *same* model ``f*``,
  ``pi^i_t / pi^j_t -> w_i(f*) / w_j(f*)`` (each joint density is dominated by
  its ``f*`` term), a finite and interior limit: the limit share follows from the
  allocation rule with ``l_inf`` equal to the ratio of priors on ``f*``.
* When they concentrate on different models at the same divergence, ``log l_t``
  is a driftless random walk and has no almost-sure limit (indeterminate).

Examples
--------
>>> from foresight.derivations.distributions import Beta
>>> from foresight.derivations.blume_easley import Belief, ExchangeEconomy
>>> f, g = Beta(1.5, 1), Beta(1, 1.5)
>>> econ = ExchangeEconomy((Belief((f, g), (0.3, 0.7)), Belief((f, g), (0.7, 0.3))), (0.5, 0.5))
>>> lim = learning_limits(econ, nature=f)
>>> round(lim.share_limits[0], 12), lim.drift
(0.3, 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from foresight.derivations.economy import ExchangeEconomy

# Divergences closer than this (relative) are treated as ties; the KL values
# come from closed forms (1e-15) or mpmath quadrature (error < 1e-20).
KL_TIE_TOLERANCE = 1e-10


@dataclass(frozen=True)
class LearningLimit:
    """Almost-sure limits for an economy under a nature distribution.

    Attributes
    ----------
    kl_to_nature : tuple of tuple of float
        ``KL(h ‖ f_k)`` for each agent's models (``inf`` where the prior is 0
        is not used: those models never gain mass).
    limiting_models : tuple of tuple of int
        Per agent, the indices of its models with positive prior and minimal
        divergence.
    limiting_divergence : tuple of float
        Per agent, ``min_k KL(h ‖ f_k)`` over its support.
    limiting_posteriors : tuple of tuple of float or None
        Per agent, the limit of the posterior (mass one on the limiting model)
        when that model is unique; None otherwise.
    drift : float
        Two agents: the a.s. limit of ``log l_t / t``
        (``KL(h ‖ f*_2) - KL(h ‖ f*_1)``); for more agents, agent 1 vs agent 2.
    share_limits : tuple of float or None
        Limit of each agent's consumption share ``c_i / Y``; None when
        indeterminate.
    survivors : tuple of int
        Agents (0-based) whose share does not vanish.
    log_likelihood_ratio_limit : float or None
        Finite limit of ``log l_t`` (agent 1 vs 2) when the drift is zero and
        both concentrate on the same model; ``+-inf`` when one dominates.
    reason : str
        Which case of the theory applies, in words.
    """

    kl_to_nature: tuple
    limiting_models: tuple
    limiting_divergence: tuple
    limiting_posteriors: tuple
    drift: float
    share_limits: tuple | None
    survivors: tuple
    log_likelihood_ratio_limit: float | None
    reason: str


def _same_distribution(p, q) -> bool:
    return p == q


def _limit_shares(economy: ExchangeEconomy, survivors, mass) -> tuple:
    """Planner's allocation among survivors with pi^i replaced by prior mass on f*.

    Each survivor's joint density is asymptotically ``mass_i * L*(s^t)``; the
    common factor ``L*`` cancels from the derived allocation rule.
    """
    import sympy as sp

    from foresight.derivations.blume_easley import planner_allocation

    n = economy.n_agents
    if len(survivors) == 1:
        return tuple(1.0 if i in survivors else 0.0 for i in range(n))
    rule = planner_allocation(len(survivors), economy.gamma)["consumption"]
    subs = {sp.Symbol("Y", positive=True): 1}
    for k, i in enumerate(survivors):
        subs[sp.Symbol(f"lambda_{k + 1}", positive=True)] = sp.Float(economy.pareto_weights[i], 30)
        subs[sp.Symbol(f"pi_{k + 1}", positive=True)] = sp.Float(mass[i], 30)
    values = {i: float(rule[k].subs(subs)) for k, i in enumerate(survivors)}
    return tuple(values.get(i, 0.0) for i in range(n))


def learning_limits(economy: ExchangeEconomy, nature, *, kl=None,
                    limit_shares=None) -> LearningLimit:
    """Apply the almost-sure limit theory to `economy` under iid `nature`.

    Parameters
    ----------
    economy : ExchangeEconomy
    nature : distribution
        Nature's iid density (Beta or Mixture).
    kl : callable, optional
        ``kl(p, q) -> float``; defaults to the closed form / high-precision
        quadrature of :mod:`foresight.derivations.kl`.
    limit_shares : callable, optional
        ``limit_shares(economy, survivors, mass) -> shares``: the planner's
        allocation among the survivors (0-based indices) with each joint
        density replaced by the prior mass ``mass[i]`` on the common limiting
        model; defaults to the SymPy allocation rule of
        :func:`foresight.derivations.blume_easley.planner_allocation`.
        (:func:`foresight.numerics.blume_easley.learning_limits_float` passes
        float64 versions of both, from the generated kernels.)

    Returns
    -------
    LearningLimit
    """
    if kl is None:
        from foresight.derivations.kl import kl_divergence

        def kl(p, q):
            return float(kl_divergence(p, q).value)

    n = economy.n_agents
    cache: dict = {}

    def divergence(model):
        key = model
        if key not in cache:
            cache[key] = kl(nature, model)
        return cache[key]

    kl_table, limiting, best, posteriors = [], [], [], []
    for belief in economy.beliefs:
        row = tuple(divergence(m) for m in belief.models)
        kl_table.append(row)
        support = [k for k, w in enumerate(belief.prior) if w > 0]
        minimum = min(row[k] for k in support)
        tol = KL_TIE_TOLERANCE * max(1.0, abs(minimum))
        arg = tuple(k for k in support if row[k] - minimum <= tol)
        limiting.append(arg)
        best.append(minimum)
        distinct = {belief.models[k] for k in arg}
        if len(distinct) == 1:
            post = [0.0] * len(belief.models)
            mass = math.fsum(belief.prior[k] for k in arg)
            for k in arg:
                post[k] = belief.prior[k] / mass
            posteriors.append(tuple(post))
        else:
            posteriors.append(None)

    overall = min(best)
    tol = KL_TIE_TOLERANCE * max(1.0, abs(overall))
    survivors = tuple(i for i in range(n) if best[i] - overall <= tol)
    drift = best[1] - best[0]
    if abs(drift) <= KL_TIE_TOLERANCE * max(1.0, abs(best[0])):
        drift = 0.0

    # Survivors must agree on one limiting distribution for a finite limit.
    limit_models = {
        i: {economy.beliefs[i].models[k] for k in limiting[i]} for i in survivors
    }
    common = set.intersection(*limit_models.values())
    determinate = all(len(v) == 1 for v in limit_models.values()) and len(common) == 1
    log_l_limit: float | None
    if not determinate:
        shares = None
        reason = (
            "surviving agents' posteriors concentrate on different models at the same "
            "divergence (or do not concentrate): log l_t is a driftless random walk"
        )
        log_l_limit = None
    else:
        (star,) = common
        mass = []
        for i in range(n):
            belief = economy.beliefs[i]
            mass.append(math.fsum(
                w for w, m in zip(belief.prior, belief.models, strict=True)
                if _same_distribution(m, star)
            ))
        shares = (limit_shares or _limit_shares)(economy, survivors, mass)
        if len(survivors) == n:
            reason = (
                "every agent's posterior concentrates on the same model: l_t converges to the "
                "ratio of prior masses on it and shares to interior limits"
            )
        else:
            reason = (
                "agents with the smallest KL(h || limiting model) survive; the others' "
                "shares vanish at exponential rate given by the divergence gap"
            )
        if 0 in survivors and 1 in survivors:
            log_l_limit = math.log(mass[0]) - math.log(mass[1])
        elif 0 in survivors:
            log_l_limit = math.inf
        elif 1 in survivors:
            log_l_limit = -math.inf
        else:
            log_l_limit = None
    return LearningLimit(
        kl_to_nature=tuple(kl_table),
        limiting_models=tuple(limiting),
        limiting_divergence=tuple(best),
        limiting_posteriors=tuple(posteriors),
        drift=drift,
        share_limits=shares,
        survivors=survivors,
        log_likelihood_ratio_limit=log_l_limit,
        reason=reason,
    )


def passage_log_ratio(pareto_weight: float = 0.5, eps: float = 1e-5,
                      gamma=1) -> tuple[float, float]:
    """``log l`` at which agent 1's share equals `eps` and ``1 - eps``.

    Solved from the derived two-agent share
    (:func:`foresight.derivations.blume_easley.two_agent_allocation`), not from
    a restated formula.  With ``log l_t`` drifting at ``t * gap`` (its median
    path, for a nonzero KL gap), the median share passes ``1 - eps`` (or
    ``eps``) near ``t = |log l| / |gap|``: the prediction the report sets
    beside the simulated first passage.

    Parameters
    ----------
    pareto_weight : float
        ``lambda`` in (0, 1).
    eps : float
        Distance of the share from 0 or 1, in (0, 1/2).
    gamma : float
        Relative risk aversion, > 0.

    Examples
    --------
    >>> lo, hi = passage_log_ratio(0.5, 1e-5)
    >>> round(hi, 6), round(lo, 6)  # log((1 - eps)/eps) and its negative
    (11.512915, -11.512915)
    """
    import sympy as sp

    from foresight.derivations.blume_easley import l_sym, lam, two_agent_allocation
    from foresight.errors import require_open_interval

    require_open_interval("pareto_weight", pareto_weight, 0.0, 1.0)
    require_open_interval("eps", eps, 0.0, 0.5)
    share = two_agent_allocation(gamma)["share"].subs(lam, sp.Rational(str(pareto_weight)))
    out = []
    for target in (eps, 1 - eps):
        roots = sp.solve(sp.Eq(share, sp.Rational(str(target))), l_sym)
        positive = [r for r in roots if r.is_positive]
        if len(positive) != 1:
            raise AssertionError(f"share = {target} has roots {roots} in l")
        out.append(float(sp.log(positive[0]).evalf(30)))
    return out[0], out[1]

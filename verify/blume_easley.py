"""Verification checks for the Blume–Easley economy.

Every check compares a derived result or theorem with a number from another
route, and states its tolerance's basis:

* :func:`check_log_likelihood_ratio` — simulator's ``log l_t`` vs a SciPy
  recomputation from the same draws (``scipy.stats.beta.logpdf``, cumsum);
* :func:`check_shares_vs_allocation_rule` — simulated shares vs the derived
  allocation rule evaluated in 30-digit arithmetic;
* :func:`check_prices_vs_formula` — simulated log prices vs the derived price
  (Exercise 23.1 generalised) in 30-digit arithmetic;
* :func:`check_drift_vs_kl_gap` — ``mean(log l_T)/T`` vs the KL gap, with a
  CLT band whose variance is computed by quadrature;
* :func:`check_survivor_vs_kl` — the surviving agent vs the KL ordering;
* :func:`check_long_run_shares` — long-run shares vs the derived almost-sure
  limits, with a tolerance from the convergence rate;
* :func:`check_joint_density_chain_rule` — learning agents' joint density via
  the chain of predictive densities (simulator) vs prior-weighted model
  likelihoods (SciPy);
* :func:`check_negishi_event_tree` — closed-form Negishi weights vs a root
  of the budgets summed over every history of an event tree;
* :func:`check_budget_monte_carlo` — budgets at the Negishi weight with
  continuous states, by importance sampling, vs zero.

Default cases (``foresight verify``) are registered at the bottom.
"""

from __future__ import annotations

import math

import numpy as np

from foresight.verify.check import CheckResult, compare_close, compare_equal, power_checks
from foresight.verify.registry import case

# Two-sided normal quantile for a false-alarm probability of 1e-6 per check:
# statistical checks use it so that the whole suite almost never fails by chance.
Z_CRITICAL = 4.8916


# --------------------------------------------------------------------------
# Independent density evaluation (SciPy), used only as the second route
# --------------------------------------------------------------------------


def scipy_logpdf(distribution, x: np.ndarray) -> np.ndarray:
    """Log density of a Beta or Mixture at `x` with ``scipy.stats.beta``."""
    from scipy.special import logsumexp
    from scipy.stats import beta

    weights, a, b = distribution.components_arrays()
    x = np.asarray(x, dtype=float)
    terms = [np.log(w) + beta.logpdf(x, ak, bk) for w, ak, bk in zip(weights, a, b, strict=True)
             if w > 0]
    return logsumexp(np.stack(terms), axis=0)


def log_ratio_moments(nature, f, g) -> tuple[float, float]:
    """Mean and variance of ``log f(s) - log g(s)`` under `nature`, by quadrature.

    The mean is ``KL(h‖g) - KL(h‖f)``; the variance sets the CLT band of the
    drift check.  Gauss–Kronrod on (0, 1) with the endpoint singularities of
    Beta log densities (integrable) handled by ``scipy.integrate.quad``.
    """
    from scipy.integrate import quad

    def integrand(x, power):
        h = math.exp(float(scipy_logpdf(nature, np.array([x]))[0]))
        r = float(scipy_logpdf(f, np.array([x]))[0] - scipy_logpdf(g, np.array([x]))[0])
        return h * r**power

    opts = {"limit": 400, "epsabs": 1e-13, "epsrel": 1e-12}
    mean = quad(integrand, 0.0, 1.0, args=(1,), **opts)[0]
    second = quad(integrand, 0.0, 1.0, args=(2,), **opts)[0]
    return mean, max(second - mean * mean, 0.0)


# --------------------------------------------------------------------------
# Checks on simulation output
# --------------------------------------------------------------------------


def check_log_likelihood_ratio(states, log_likelihood_ratio, f, g, *, name=None) -> CheckResult:
    """Simulated ``log l_t`` vs SciPy's cumulative sum of ``log f - log g`` on the same draws.

    Tolerance: the two cumulative sums differ by rounding only: ``4 t eps``
    times the largest absolute term (a running-sum error bound).
    """
    states = np.asarray(states, dtype=float)
    expected = np.cumsum(scipy_logpdf(f, states) - scipy_logpdf(g, states), axis=-1)
    observed = np.asarray(log_likelihood_ratio, dtype=float)
    t = states.shape[-1]
    scale = float(np.max(np.abs(np.diff(expected, axis=-1, prepend=0.0)))) if states.size else 1.0
    atol = 4 * t * np.finfo(float).eps * max(scale, 1.0) * 10
    return compare_close(
        name or "blume_easley.log_likelihood_ratio",
        "log l_t = sum_{tau<=t} [log pi^1(s_tau) - log pi^2(s_tau)] (fixed beliefs)",
        expected, observed, atol=atol,
        basis="running-sum rounding bound 40 t eps max|term|",
        details={"paths": int(states.shape[0]), "periods": t},
    )


def check_shares_vs_allocation_rule(
    log_likelihood_ratio, shares, pareto_weight, gamma=1.0, *, sample=2000, seed=0, name=None
) -> CheckResult:
    """Simulated agent-1 shares vs the derived two-agent allocation rule.

    The rule ``c_1/Y = (lambda l)^(1/gamma) / ((lambda l)^(1/gamma) + (1-lambda)^(1/gamma))``
    comes from :func:`foresight.derivations.blume_easley.two_agent_allocation`
    and is evaluated with mpmath at 30 digits on a random sample of entries.
    Tolerance: 1e-13 absolute (shares in [0, 1]; a float64 evaluation of a
    few exp/div operations errs by < 100 eps).
    """
    import mpmath
    import sympy as sp

    from foresight.derivations import blume_easley as be

    log_l = np.asarray(log_likelihood_ratio, dtype=float).ravel()
    obs = np.asarray(shares, dtype=float).ravel()
    if log_l.shape != obs.shape:
        return compare_equal(name or "blume_easley.shares_vs_allocation_rule",
                             "shapes of log l_t and shares agree", log_l.shape, obs.shape,
                             basis="shape")
    rng = np.random.default_rng(seed)
    idx = rng.choice(log_l.size, size=min(sample, log_l.size), replace=False)
    share = be.two_agent_allocation("symbolic")["share_stable"]
    rule = sp.lambdify((be.l_sym, be.lam, be.gamma_sym), share, modules="mpmath")
    with mpmath.workdps(30):
        expected = np.array([
            float(rule(mpmath.exp(mpmath.mpf(float(log_l[k]))), mpmath.mpf(pareto_weight),
                       mpmath.mpf(gamma)))
            for k in idx
        ])
    return compare_close(
        name or "blume_easley.shares_vs_allocation_rule",
        "c^1_t / Y = derived planner allocation at the simulated l_t",
        expected, obs[idx], atol=1e-13,
        basis="float64 evaluation error < 100 eps; reference in 30-digit arithmetic",
        details={"entries_compared": int(idx.size)},
    )


def check_prices_vs_formula(
    log_joint_densities, log_prices, pareto_weights, gamma, discount, aggregate_endowment=1.0,
    *, sample=500, seed=0, name=None,
) -> CheckResult:
    """Simulated ``log p_t`` vs the derived competitive price at 30 digits.

    The price ``p_t = delta^t (sum_j (lambda_j pi^j_t)^(1/gamma))^gamma / Y^gamma``
    (multipliers ``mu_i = 1/lambda_i``) comes from
    :func:`foresight.derivations.blume_easley.competitive_prices`; it is
    evaluated with mpmath at the simulator's log joint densities.
    Tolerance on ``log p``: ``1e-12 (1 + |log p|)``.
    """
    import mpmath
    import sympy as sp

    from foresight.derivations import blume_easley as be

    ljd = np.asarray(log_joint_densities, dtype=float)
    lp = np.asarray(log_prices, dtype=float)
    n_paths, n_periods, n = ljd.shape
    price = be.competitive_prices(n, "symbolic")["price"].rhs
    lams = sp.symbols(f"lambda_1:{n + 1}", positive=True)
    pis = sp.symbols(f"pi_1:{n + 1}", positive=True)
    f = sp.lambdify((be.t, be.delta, be.Y, be.gamma_sym, *lams, *pis), price, modules="mpmath")
    rng = np.random.default_rng(seed)
    flat = rng.choice(n_paths * n_periods, size=min(sample, n_paths * n_periods), replace=False)
    expected, observed = [], []
    with mpmath.workdps(30):
        for k in flat:
            p, t = divmod(int(k), n_periods)
            pis_v = [mpmath.exp(mpmath.mpf(float(ljd[p, t, i]))) for i in range(n)]
            value = f(t, mpmath.mpf(discount), mpmath.mpf(aggregate_endowment),
                      mpmath.mpf(gamma), *[mpmath.mpf(w) for w in pareto_weights], *pis_v)
            expected.append(float(mpmath.log(value)))
            observed.append(lp[p, t])
    expected = np.array(expected)
    return compare_close(
        name or "blume_easley.prices_vs_formula",
        "log p_t = log[delta^t (sum_j (lambda_j pi^j_t)^(1/gamma))^gamma / Y^gamma]",
        expected, np.array(observed), atol=1e-12, rtol=1e-12,
        basis="float64 log-sum-exp error; reference in 30-digit arithmetic",
        details={"entries_compared": int(flat.size)},
    )


def check_drift_vs_kl_gap(log_likelihood_ratio_final, n_periods, kl_gap, variance, *,
                          name=None) -> CheckResult:
    """Mean of ``log l_T / T`` over paths vs ``KL(h‖g) - KL(h‖f)``.

    By the CLT, ``log l_T / T`` has mean equal to the KL gap and standard
    deviation ``sigma / sqrt(T)`` per path, ``sigma^2 = Var_h[log f - log g]``
    (by quadrature); the mean over N independent paths has standard error
    ``sigma / sqrt(N T)``.  Tolerance: ``Z_CRITICAL`` standard errors
    (false-alarm probability 1e-6).
    """
    x = np.asarray(log_likelihood_ratio_final, dtype=float) / n_periods
    se = math.sqrt(variance / (x.size * n_periods))
    return compare_close(
        name or "blume_easley.drift_vs_kl_gap",
        "log l_T / T -> KL(h||pi^2) - KL(h||pi^1) a.s.",
        kl_gap, float(np.mean(x)), atol=Z_CRITICAL * se,
        basis=f"CLT: {Z_CRITICAL} x sigma/sqrt(N T), sigma^2 by quadrature = {variance:.4g}",
        details={"paths": int(x.size), "periods": int(n_periods), "standard_error": se},
    )


def drift_power(log_likelihood_ratio_final, n_periods, kl_gap, variance) -> list[CheckResult]:
    """Companions of :func:`check_drift_vs_kl_gap`: power and the scale of its standard error.

    Detectable error: ``(Z_CRITICAL + 2) sigma / sqrt(N T)``.  The stated
    standard error (from the quadrature variance) is compared with the spread
    of ``log l_T / T`` over the paths, a different route.
    """
    x = np.asarray(log_likelihood_ratio_final, dtype=float) / n_periods
    se = math.sqrt(variance / (x.size * n_periods))
    empirical = float(np.std(x, ddof=1) / math.sqrt(x.size))
    return power_checks(
        "blume_easley.drift_vs_kl_gap",
        lambda shift: check_drift_vs_kl_gap(np.asarray(log_likelihood_ratio_final)
                                            + shift * n_periods, n_periods, kl_gap, variance),
        (Z_CRITICAL + 2) * se, se, empirical, replicates=int(x.size),
        basis_empirical="standard deviation of log l_T / T over the paths / sqrt(N)")


def check_survivor_vs_kl(final_shares, kl_nature_f, kl_nature_g, *, name=None) -> CheckResult:
    """The agent whose share tends to one vs the one with the smaller KL from nature.

    Observed survivor: agent 1 if the median final share exceeds 1/2.
    """
    expected = 1 if kl_nature_f < kl_nature_g else 2
    observed = 1 if float(np.median(final_shares)) > 0.5 else 2
    return compare_equal(
        name or "blume_easley.survivor_vs_kl",
        "agent with smaller KL(h || belief) survives",
        expected, observed,
        basis=f"KL(h||f) = {kl_nature_f:.6g}, KL(h||g) = {kl_nature_g:.6g}; "
        f"median final share {float(np.median(final_shares)):.6g}",
    )


def check_mean_vs_lecture_printed(final_shares, printed, lecture_paths, decimals, *,
                                  label="", name=None) -> CheckResult:
    """Mean final share of agent 1 vs the value the lecture prints from its own Monte Carlo.

    Two independent Monte Carlo means of the same quantity: ours over ``N``
    paths and the lecture's over `lecture_paths`, printed to `decimals`
    places.  Tolerance: ``Z_CRITICAL`` standard errors of their difference,
    ``sqrt(sd^2/N + sd^2/N_lecture)`` with ``sd`` our paths' spread, plus
    half a unit of the printed last digit.  Detectable error: that tolerance
    plus two standard errors (``details``).
    """
    final = np.asarray(final_shares, dtype=float)
    n = final.size
    sd = float(np.std(final, ddof=1)) if n > 1 else 0.0
    se_diff = math.sqrt(sd**2 / n + sd**2 / lecture_paths)
    rounding = 0.5 * 10.0 ** (-decimals)
    atol = Z_CRITICAL * se_diff + rounding
    return compare_close(
        name or "blume_easley.mean_final_share_vs_lecture",
        f"mean final share of agent 1{', nature ' + label if label else ''}: "
        "ours = the lecture's printed",
        float(printed), float(np.mean(final)), atol=atol,
        basis=f"{Z_CRITICAL} s.e. of the difference of two MC means (N = {n} and the "
              f"lecture's {lecture_paths}) + printed rounding {rounding:g}",
        details={"paths": n, "standard_error": sd / math.sqrt(n),
                 "detectable_error": atol + 2 * se_diff},
    )


def check_long_run_shares(final_shares, limit_share, tolerance, basis, *, name=None) -> CheckResult:
    """Median of shares at T vs the derived almost-sure limit, with a stated tolerance."""
    return compare_close(
        name or "blume_easley.long_run_shares",
        "c^1_T -> derived almost-sure limit",
        limit_share, float(np.median(final_shares)), atol=tolerance, basis=basis,
        details={"paths": int(np.size(final_shares))},
    )


def long_run_tolerance(n_periods, gap, sigma, sensitivity, prefactor=1.0) -> float:
    """Bound on ``|c_T - c_inf|`` for the median path.

    The gap between the limit and time ``T`` decays like
    ``prefactor * exp(-(T gap - Z sigma sqrt(T)))`` for all but a fraction
    ``~1e-6`` of paths (log-likelihood of the losing model is a random walk
    with drift ``-gap`` and step s.d. ``sigma``); the share moves by at most
    ``sensitivity`` per unit of that gap.
    """
    exponent = -(n_periods * gap - Z_CRITICAL * sigma * math.sqrt(n_periods))
    return sensitivity * prefactor * math.exp(min(exponent, 0.0)) + 1e-12


def check_joint_density_chain_rule(states, log_joint_density, belief, *, name=None) -> CheckResult:
    """Joint density via predictive chain (simulator) vs prior-weighted likelihoods (SciPy).

    ``log pi_t(s^t) = log sum_k w_k prod_tau f_k(s_tau)`` computed directly
    from cumulative SciPy log-likelihoods, against the simulator's sum of
    one-step predictive log densities.
    """
    from scipy.special import logsumexp

    states = np.asarray(states, dtype=float)
    cumulative = np.stack([np.cumsum(scipy_logpdf(m, states), axis=-1) for m in belief.models])
    with np.errstate(divide="ignore"):
        log_prior = np.log(np.asarray(belief.prior))[:, None, None]
    expected = logsumexp(log_prior + cumulative, axis=0)
    t = states.shape[-1]
    scale = float(np.max(np.abs(cumulative[:, :, :1]))) + 1.0
    return compare_close(
        name or "blume_easley.joint_density_chain_rule",
        "prod_t m_t(s_t) = sum_k w_k prod_t f_k(s_t) (predictive chain rule)",
        expected, np.asarray(log_joint_density, dtype=float), atol=40 * t * 2.2e-16 * scale,
        rtol=1e-12,
        basis="running-sum rounding bound 40 t eps",
        details={"paths": int(states.shape[0]), "periods": t},
    )


# --------------------------------------------------------------------------
# Independent routes: Bayes' law in high precision, the planner solved numerically
# --------------------------------------------------------------------------


def _mp_logpdf(distribution, x):
    """Log density of a Beta or Mixture at one point, in mpmath (no SciPy, no numerics)."""
    import mpmath

    weights, a, b = distribution.components_arrays()
    x = mpmath.mpf(float(x))
    terms = [mpmath.log(w) + (ak - 1) * mpmath.log(x) + (bk - 1) * mpmath.log(1 - x)
             - mpmath.log(mpmath.beta(ak, bk))
             for w, ak, bk in zip(weights, a, b, strict=True) if w > 0]
    return mpmath.log(mpmath.fsum(mpmath.exp(t) for t in terms))


def check_posteriors_vs_bayes(states, posteriors, belief, *, name=None) -> CheckResult:
    """Simulated posteriors vs Bayes' law ``w_k prod f_k(s_tau) / sum_j w_j prod f_j(s_tau)``.

    The reference is computed from the prior and the raw draws in 30-digit
    arithmetic with densities written out here (mpmath), date by date, for
    every entry of `states` ``(paths, T)``; ``posteriors`` is ``(paths, T, K)``,
    the posterior after observing ``s_t``.  Tolerance: ``1e-10`` absolute
    (posteriors in [0, 1]; float64 running sums of ``T`` log densities err by
    ``~T eps max|log f|``).
    """
    import mpmath

    states = np.asarray(states, dtype=float)
    post = np.asarray(posteriors, dtype=float)
    k = len(belief.models)
    expected = np.empty(states.shape + (k,))
    with mpmath.workdps(30):
        log_prior = [mpmath.log(w) if w > 0 else -mpmath.inf for w in belief.prior]
        for p in range(states.shape[0]):
            acc = list(log_prior)
            for t in range(states.shape[1]):
                acc = [acc[j] + _mp_logpdf(belief.models[j], states[p, t]) for j in range(k)]
                top = max(acc)
                ws = [mpmath.exp(a - top) for a in acc]
                total = mpmath.fsum(ws)
                expected[p, t] = [float(w / total) for w in ws]
    return compare_close(
        name or "blume_easley.posteriors_vs_bayes",
        "posterior_t(k) = w_k prod_{tau<=t} f_k(s_tau) / sum_j w_j prod_{tau<=t} f_j(s_tau)",
        expected, post[..., :k], atol=1e-10,
        basis="float64 running sums of log densities; reference in 30-digit arithmetic",
        details={"paths": int(states.shape[0]), "periods": int(states.shape[1])},
    )


def planner_allocation_numeric(weights, gamma, aggregate=1.0):
    """Maximise ``sum_i weights_i u(c_i)`` over ``sum_i c_i = Y`` numerically.

    ``u`` is CRRA (``log`` at ``gamma = 1``).  Shares are parameterised as a
    softmax so the constraint holds exactly; BFGS on the primitive objective
    (no first-order condition or closed form is used).  `weights` are
    ``lambda_i pi^i_t`` up to a common positive factor (which does not move
    the maximiser).

    Returns
    -------
    (shares, marginal_utility)
        The maximising shares and ``weights_i u'(c_i)`` of the agent with the
        largest consumption (the resource constraint's shadow price, in units
        of the common factor).
    """
    from scipy.optimize import minimize

    w = np.asarray(weights, dtype=float)
    w = w / w.max()
    n = w.size

    def shares_of(theta):
        full = np.concatenate([theta, [0.0]])
        e = np.exp(full - full.max())
        return e / e.sum()

    def marginal(c):
        return c ** (-gamma)  # u'(c) of CRRA (1/c at gamma = 1)

    def neg_welfare(theta):
        c = aggregate * shares_of(theta)
        u = np.log(c) if gamma == 1 else c ** (1.0 - gamma) / (1.0 - gamma)
        return -float(np.sum(w * u))

    def neg_gradient(theta):
        # Chain rule through the softmax: d s_i / d theta_j = s_i (1[i=j] - s_j).
        s = shares_of(theta)
        g = w * marginal(aggregate * s) * aggregate * s
        return -(g - s * g.sum())[:-1]

    # Start from equal shares; polish with a second run from the first optimum.
    theta = np.zeros(n - 1)
    for _ in range(2):
        theta = minimize(neg_welfare, theta, jac=neg_gradient, method="BFGS",
                         options={"gtol": 1e-14, "maxiter": 5000}).x
    shares = shares_of(theta)
    i = int(np.argmax(shares))
    return shares, w[i] * (aggregate * shares[i]) ** (-gamma)


def check_planner_numeric(economy, states, shares, log_prices, *, dates=None, name=None,
                          tol_shares: float = 1e-7, tol_log_price: float = 1e-7) -> CheckResult:
    """Simulated shares and prices vs the planner's problem solved by numerical optimisation.

    For fixed beliefs the joint densities ``pi^i_t`` are recomputed from the
    draws with SciPy; at each checked date the planner's problem
    ``max sum_i lambda_i pi^i_t u(c_i), sum_i c_i = Y`` is solved by BFGS
    (:func:`planner_allocation_numeric`) and the price is its shadow price
    ``p_t = delta^t lambda_i pi^i_t u'(c_i)``.  No derived formula is used.
    Tolerances: ``tol_shares`` absolute on shares, ``tol_log_price`` on
    ``log p`` (BFGS stops at gradient 1e-13 of an objective of order one; the
    maximiser is then accurate to ~1e-7).
    """
    states = np.asarray(states, dtype=float)
    n = len(economy.beliefs)
    for b in economy.beliefs:
        if len(b.models) != 1:
            raise ValueError("check_planner_numeric takes fixed beliefs (one model per agent)")
    log_pi = np.stack([np.cumsum(scipy_logpdf(b.models[0], states), axis=-1)
                       for b in economy.beliefs], axis=-1)  # (paths, T, n)
    dates = range(states.shape[1]) if dates is None else dates
    lam = np.asarray(economy.pareto_weights, dtype=float)
    y = float(economy.aggregate_endowment)
    exp_s, obs_s, exp_p, obs_p = [], [], [], []
    for p in range(states.shape[0]):
        for t in dates:
            lw = np.log(lam) + log_pi[p, t]
            c, mu = planner_allocation_numeric(np.exp(lw - lw.max()), economy.gamma, y)
            exp_s.append(c)
            obs_s.append(np.asarray(shares)[p, t, :n])
            exp_p.append(t * math.log(economy.discount) + lw.max() + math.log(mu))
            obs_p.append(float(np.asarray(log_prices)[p, t]))
    label = f"gamma={economy.gamma:g}, {n} agents"
    share_check = compare_close(
        (name or "blume_easley.planner_numeric") + ".shares",
        f"c^i_t / Y = argmax sum_i lambda_i pi^i_t u(c_i) s.t. sum c = Y ({label})",
        np.array(exp_s), np.array(obs_s), atol=tol_shares,
        basis="BFGS on the primitive planner objective (gtol 1e-13)",
        details={"dates": len(exp_s)})
    price_check = compare_close(
        (name or "blume_easley.planner_numeric") + ".log_prices",
        f"p_t = delta^t x shadow price of sum c = Y in the planner's problem ({label})",
        np.array(exp_p), np.array(obs_p), atol=tol_log_price,
        basis="gamma x share error of the numerical maximiser",
        details={"dates": len(exp_p)})
    return [share_check, price_check]


# --------------------------------------------------------------------------
# Negishi weights and budgets
# --------------------------------------------------------------------------


def check_negishi_event_tree(economy, depth=10, *, name=None) -> CheckResult:
    """Closed-form Negishi weights (log utility) vs the root of event-tree budgets."""
    from foresight.derivations.blume_easley import negishi_weight_closed_form
    from foresight.numerics.event_tree import negishi_weights_numeric

    closed = negishi_weight_closed_form(economy)
    numeric = negishi_weights_numeric(economy, depth)
    tol = numeric.tolerance if hasattr(numeric, "tolerance") else 1e-8
    weights = numeric.weights if hasattr(numeric, "weights") else numeric
    return compare_close(
        name or "blume_easley.negishi_closed_form_vs_event_tree",
        "lambda* from the derived linear budget system = root of budgets over all histories",
        np.array(closed), np.array(weights), atol=tol,
        basis="root-finder tolerance + truncated-tail bound of the event tree",
        details={"depth": depth},
    )


def check_budgets_balance(budgets, tail_bound, *, name=None) -> CheckResult:
    """Every agent's budget sum_t sum_{s^t} p_t (c_t - y_t) = 0 within the truncation bound."""
    b = np.asarray(budgets, dtype=float)
    return compare_close(
        name or "blume_easley.budgets_balance_event_tree",
        "sum_t sum_{s^t} p_t (c^i_t - y^i_t) = 0 at the Negishi weight",
        np.zeros_like(b), b, atol=tail_bound,
        basis="geometric bound on the truncated tail of the event tree",
    )


def check_budget_monte_carlo(estimate, standard_error, *, name=None) -> CheckResult:
    """Importance-sampled budget residuals vs zero, within a CLT band."""
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(standard_error, dtype=float)
    return compare_close(
        name or "blume_easley.budgets_balance_monte_carlo",
        "E[sum_t p_t (c^i_t - y^i_t)] = 0 at the Negishi weight (continuous states)",
        np.zeros_like(est), est, atol=Z_CRITICAL * se,
        basis=f"CLT: {Z_CRITICAL} importance-sampling standard errors",
    )


# --------------------------------------------------------------------------
# Default cases for `foresight verify`
# --------------------------------------------------------------------------


def _lecture_pair():
    from foresight.derivations.distributions import Beta, Mixture

    f, g = Beta(1, 1), Beta(3, 1.2)
    return f, g, Mixture((0.5, 0.5), (f, g))


@case("blume_easley")
def fixed_beliefs_lecture():
    """Lecture experiment (f=Beta(1,1), g=Beta(3,1.2), nature the 50/50 mixture)."""
    from foresight.derivations.kl import kl_divergence
    from foresight.numerics.blume_easley import lecture_economy, simulate

    f, g, h = _lecture_pair()
    econ = lecture_economy(f, g, pareto_weight=0.5)
    n_paths, n_periods = 2000, 400
    sim = simulate(econ, h, n_paths, n_periods, seed=20251123,
                   outputs=("shares", "log_likelihood_ratio", "log_joint_density", "log_prices"))
    kl_f = float(kl_divergence(h, f).value)
    kl_g = float(kl_divergence(h, g).value)
    mean, variance = log_ratio_moments(h, f, g)
    shares1 = sim.shares[..., 0]
    return [
        check_log_likelihood_ratio(sim.states[:50], sim.log_likelihood_ratio[:50], f, g),
        check_shares_vs_allocation_rule(sim.log_likelihood_ratio, shares1, 0.5, 1.0),
        check_prices_vs_formula(sim.log_joint_density, sim.log_prices, (0.5, 0.5), 1.0,
                                econ.discount),
        check_drift_vs_kl_gap(sim.log_likelihood_ratio[:, -1], n_periods, kl_g - kl_f, variance),
        *drift_power(sim.log_likelihood_ratio[:, -1], n_periods, kl_g - kl_f, variance),
        check_survivor_vs_kl(shares1[:, -1], kl_f, kl_g),
        compare_close(
            "blume_easley.kl_gap_two_routes",
            "E_h[log f - log g] (quadrature of log densities) = KL(h||g) - KL(h||f) (KL module)",
            kl_g - kl_f, mean, atol=1e-9, basis="quadrature tolerance 1e-12 relative",
        ),
    ]


@case("blume_easley")
def learning_limits_exercise_23_2():
    """Exercise 23.2 learning agents: long-run share vs the derived interior limit."""
    from foresight.derivations.blume_easley import Belief, ExchangeEconomy
    from foresight.derivations.distributions import Beta
    from foresight.derivations.kl import kl_divergence
    from foresight.derivations.learning import learning_limits
    from foresight.numerics.blume_easley import simulate

    f, g = Beta(1.5, 1), Beta(1, 1.5)
    results = []
    for prior1, prior2 in [(0.3, 0.7), (0.1, 0.9)]:
        econ = ExchangeEconomy(
            (Belief((f, g), (prior1, 1 - prior1)), Belief((f, g), (prior2, 1 - prior2))),
            (0.5, 0.5),
        )
        limit = learning_limits(econ, nature=f)
        n_periods = 1500
        sim = simulate(econ, f, 400, n_periods, seed=7,
                       outputs=("shares", "log_joint_density"))
        gap = float(kl_divergence(f, g).value)
        _, variance = log_ratio_moments(f, f, g)
        # |log l_T - log l_inf| <= max_i (w_i(g)/w_i(f)) * L_g/L_f and
        # dc/dlog l = c (1 - c) / gamma <= 1/4 (log utility).
        ratio = max((1 - prior1) / prior1, (1 - prior2) / prior2)
        sensitivity = 0.25 * ratio
        tol = long_run_tolerance(n_periods, gap, math.sqrt(variance), sensitivity)
        results.append(check_long_run_shares(
            sim.shares[:, -1, 0], limit.share_limits[0], tol,
            basis=f"convergence rate exp(-T KL(f||g)), KL = {gap:.4g}, T = {n_periods}",
            name=f"blume_easley.learning_limit_prior_{prior1}_{prior2}",
        ))
        # The general kernel multiplies one-step predictives (the chain rule); the
        # check recomputes the joint density as a prior-weighted product of likelihoods.
        chain = simulate(econ, f, 20, n_periods, seed=7, outputs=("log_joint_density",),
                         kernel="general")
        results.append(check_joint_density_chain_rule(
            chain.states, chain.log_joint_density[:, :, 0], econ.beliefs[0],
            name=f"blume_easley.joint_density_chain_rule_prior_{prior1}",
        ))
    return results


def _two_state_models():
    """Two models of a two-state world that disagree on the odds of the high state."""
    from foresight.derivations.blume_easley import DiscreteStates

    return DiscreteStates((0.2, 0.9), (0.6, 0.4)), DiscreteStates((0.2, 0.9), (0.3, 0.7))


@case("blume_easley")
def negishi_event_tree():
    """Negishi weight: closed form vs event-tree budgets (discrete states)."""
    from foresight.derivations.blume_easley import (
        ExchangeEconomy,
        fixed_belief,
        negishi_weight_closed_form,
    )
    from foresight.numerics.event_tree import budgets

    a, b = _two_state_models()
    econ = ExchangeEconomy((fixed_belief(a), fixed_belief(b)), (0.5, 0.5), discount=0.5)
    closed = negishi_weight_closed_form(econ)
    at_negishi = budgets(econ.__class__(**{**econ.__dict__, "pareto_weights": closed}), 14)
    return [
        check_negishi_event_tree(econ, depth=14),
        check_budgets_balance(at_negishi.values, at_negishi.tail_bound),
    ]


def _tree_economies(gamma):
    """Two fixed believers, and three agents of whom one learns, on two states."""
    from foresight.derivations.blume_easley import Belief, ExchangeEconomy, fixed_belief

    a, b = _two_state_models()
    two = ExchangeEconomy((fixed_belief(a), fixed_belief(b)), (0.5, 0.5), gamma=gamma,
                          discount=0.6)
    three = ExchangeEconomy((fixed_belief(a), fixed_belief(b), Belief((a, b), (0.3, 0.7))),
                            (0.3, 0.3, 0.4), gamma=gamma, discount=0.6,
                            endowment_intercepts=(0.0, 0.5, 0.5),
                            endowment_slopes=(1.0, -0.5, -0.5))
    return two, three


@case("blume_easley")
def negishi_direct_gamma_and_agents():
    """Event-tree Negishi weights and budgets at gamma 0.5 and 2, 2 and 3 agents, vs primitives."""
    from foresight.numerics.event_tree import budgets, negishi_weights_numeric
    from foresight.verify.competitive_tree import (
        check_budgets_direct,
        check_negishi_weights_direct,
    )

    out = []
    for gamma in (0.5, 2.0):
        for econ in _tree_economies(gamma):
            tag = f"gamma={gamma:g},n={len(econ.beliefs)}"
            compiled = negishi_weights_numeric(econ, 8)
            out.append(check_negishi_weights_direct(
                econ, 8, compiled.weights, tolerance=1e-10,
                name=f"blume_easley.negishi_weights_direct[{tag}]"))
            out.append(check_budgets_direct(econ, 8, budgets(econ, 8).values,
                                            name=f"blume_easley.budgets_direct[{tag}]"))
    return out


@case("blume_easley")
def budgets_monte_carlo():
    """Budgets balance at the Negishi weight with Beta beliefs (importance sampling)."""
    from foresight.derivations.blume_easley import (
        ExchangeEconomy,
        fixed_belief,
        negishi_weight_closed_form,
    )
    from foresight.numerics.budget import budget_residuals

    f, g, _ = _lecture_pair()
    base = ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (0.5, 0.5), discount=0.8)
    weights = negishi_weight_closed_form(base)
    econ = ExchangeEconomy((fixed_belief(f), fixed_belief(g)), weights, discount=0.8)
    res = budget_residuals(econ, n_histories=20000, horizon=60, seed=3)
    main = check_budget_monte_carlo(res.total, res.total_standard_error)
    # Independent replicates (other seeds) give the spread the stated error must match.
    reps = np.array([budget_residuals(econ, n_histories=1250, horizon=60, seed=1000 + r).total
                     for r in range(16)])
    empirical = reps.std(axis=0, ddof=1) * math.sqrt(1250 / 20000)
    se = np.asarray(res.total_standard_error, dtype=float)
    detectable = float(np.max(Z_CRITICAL * se + 2 * se))
    return [main, *power_checks(
        main.name, lambda shift: check_budget_monte_carlo(res.total + shift,
                                                          res.total_standard_error),
        detectable, se, empirical, replicates=16,
        basis_empirical="16 replicates of 1250 histories, rescaled to 20000")]


def _three_agent_economy(gamma):
    from foresight.derivations.blume_easley import ExchangeEconomy, fixed_belief
    from foresight.derivations.distributions import Beta

    beliefs = tuple(fixed_belief(m) for m in (Beta(1, 1), Beta(3, 1.2), Beta(1.5, 2.5)))
    return ExchangeEconomy(beliefs, (0.2, 0.3, 0.5), gamma=gamma, discount=0.9,
                           endowment_intercepts=(0.0, 0.5, 0.5),
                           endowment_slopes=(1.0, -0.5, -0.5))


@case("blume_easley")
def planner_numeric_gamma_and_agents():
    """Shares and prices at gamma 0.5 and 2, with 2 and 3 agents, vs the planner solved by BFGS."""
    from foresight.derivations.blume_easley import ExchangeEconomy, fixed_belief
    from foresight.numerics.blume_easley import simulate

    f, g, h = _lecture_pair()
    out = []
    for gamma in (0.5, 2.0):
        two = ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (0.4, 0.6), gamma=gamma)
        for econ in (two, _three_agent_economy(gamma)):
            n = len(econ.beliefs)
            sim = simulate(econ, h, 3, 40, seed=11, outputs=("shares", "log_prices",
                                                             "log_joint_density"))
            tag = f"gamma={gamma:g},n={n}"
            out += check_planner_numeric(econ, sim.states, sim.shares, sim.log_prices,
                                         dates=(0, 5, 12),
                                         name=f"blume_easley.planner_numeric[{tag}]")
            out.append(check_prices_vs_formula(
                sim.log_joint_density, sim.log_prices, econ.pareto_weights, gamma,
                econ.discount, econ.aggregate_endowment, sample=60,
                name=f"blume_easley.prices_vs_formula[{tag}]"))
    return out


@case("blume_easley")
def posteriors_bayes():
    """Learning agents' simulated posteriors (both kernels) vs Bayes' law at 30 digits."""
    from foresight.derivations.blume_easley import Belief, ExchangeEconomy
    from foresight.derivations.distributions import Beta
    from foresight.numerics.blume_easley import simulate

    f, g = Beta(1.5, 1), Beta(1, 1.5)
    three = Beta(2, 2)
    econ = ExchangeEconomy((Belief((f, g), (0.3, 0.7)), Belief((f, g, three), (0.2, 0.5, 0.3))),
                           (0.5, 0.5))
    out = []
    for kernel in ("auto", "general"):
        sim = simulate(econ, f, 3, 120, seed=5, outputs=("posteriors",), kernel=kernel)
        for i, belief in enumerate(econ.beliefs):
            out.append(check_posteriors_vs_bayes(
                sim.states, sim.posteriors[:, :, i, :], belief,
                name=f"blume_easley.posteriors_vs_bayes[agent {i + 1},{kernel}]"))
    return out


@case("blume_easley")
def lecture_printed_final_shares():
    """Fixed beliefs: mean final shares vs the lecture's printed ones (its own Monte Carlo)."""
    from foresight.numerics.blume_easley import lecture_economy, simulate
    from foresight.verify.lecture_printed import LECTURE_FIXED_BELIEFS_PATHS, LECTURE_PRINTED

    f, g, h = _lecture_pair()
    econ = lecture_economy(f, g, pareto_weight=0.5)
    printed = LECTURE_PRINTED["fixed_beliefs"]
    out = []
    for k, (key, nature) in enumerate((("f", f), ("g", g), ("mix", h))):
        sim = simulate(econ, nature, 2000, 100, seed=777 + k, outputs=("shares",))
        out.append(check_mean_vs_lecture_printed(
            sim.shares[:, -1, 0], printed.values()[key], LECTURE_FIXED_BELIEFS_PATHS,
            printed.decimals(key), label=key,
            name=f"blume_easley.mean_final_share_vs_lecture[{key}]"))
    return out

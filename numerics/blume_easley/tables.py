"""Model tables: every distinct belief model of an economy, in arrays for the kernels."""


import math
from dataclasses import dataclass

import numpy as np

from foresight.derivations.distributions import Beta, Mixture
from foresight.derivations.economy import (
    Belief,
    DiscreteStates,
    ExchangeEconomy,
)
from foresight.errors import (
    ParameterError,
)
from foresight.numerics.blume_easley.constants import (
    _CONTINUOUS,
    _DISCRETE,
)

# --------------------------------------------------------------------------
# Model tables: every distinct belief model, in arrays for the kernels
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tables:
    """Arrays describing the beliefs of an economy (see :func:`_tables`)."""

    kind: int
    models: tuple
    comp_start: np.ndarray  # (M + 1,) component ranges per model (continuous)
    comp_logw: np.ndarray
    comp_a: np.ndarray
    comp_b: np.ndarray
    comp_lbeta: np.ndarray  # log B(a, b) per component
    grid: np.ndarray  # (V,) state values (discrete)
    table: np.ndarray  # (M, V) log probabilities (discrete)
    agent_start: np.ndarray  # (n + 1,) ranges into agent_model / agent_logprior
    agent_model: np.ndarray
    agent_logprior: np.ndarray
    agent_prior: np.ndarray  # the same priors, not in logs (two-agent kernel)
    agent_slot: np.ndarray  # index of each entry in its belief's models (for posteriors)
    max_models: int
    single_beta: bool  # continuous, every model one Beta (the two-agent kernel applies)
    agent_prior_min: float  # smallest positive prior of any agent


def _kind(model) -> int:
    if isinstance(model, DiscreteStates):
        return _DISCRETE
    if isinstance(model, Beta | Mixture):
        return _CONTINUOUS
    raise ParameterError("belief model", model, "a Beta, a Mixture or a DiscreteStates")


#: Up to this a + b the generated ``log_beta_function`` (log-gamma sum) is used
#: for log B(a, b): its cancellation error there is at most a few 1e-15, like
#: SciPy's ``betaln``.  Above it the log-gamma terms grow (1e-12 at a = b = 1000,
#: 1e-8 at a = 1e8, b = 1) and ``betaln``'s asymptotic expansions are used:
#: SciPy is loaded only for such beliefs (its import is a third of the
#: command line's start-up).
LOG_BETA_LGAMMA_MAX = 16.0


def _log_beta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log B(a, b) per component (see :data:`LOG_BETA_LGAMMA_MAX`)."""
    if a.size and float(np.max(a + b)) > LOG_BETA_LGAMMA_MAX:
        from scipy.special import betaln

        return np.asarray(betaln(a, b), dtype=float)
    from foresight.numerics.generated.beta_kl_py import log_beta_function  # no numba

    return np.array([log_beta_function(ai, bi) for ai, bi in zip(a, b, strict=True)],
                    dtype=float)


def _tables(economy: ExchangeEconomy, extra_models=()) -> _Tables:
    if not isinstance(economy, ExchangeEconomy):
        raise ParameterError("economy", type(economy).__name__, "an ExchangeEconomy")
    models: list = []
    for belief in economy.beliefs:
        if not isinstance(belief, Belief):
            raise ParameterError("belief", belief, "a Belief (see fixed_belief)")
        # A model with prior zero keeps posterior zero: it is left out of the tables.
        for m, w in zip(belief.models, belief.prior, strict=True):
            if w > 0 and m not in models:
                models.append(m)
    for m in extra_models:
        if m not in models:
            models.append(m)
    kinds = {_kind(m) for m in models}
    if len(kinds) != 1:
        raise ParameterError(
            "beliefs", [getattr(m, "spec", lambda m=m: repr(m))() for m in models],
            "all continuous (Beta/Mixture) or all DiscreteStates",
        )
    kind = kinds.pop()
    comp_start, logw, a, b = [0], [], [], []
    grid = np.zeros(0)
    table = np.zeros((len(models), 0))
    if kind == _CONTINUOUS:
        for m in models:
            w, ma, mb = m.components_arrays()
            for wk, ak, bk in zip(w, ma, mb, strict=True):
                if wk > 0:
                    logw.append(math.log(wk))
                    a.append(ak)
                    b.append(bk)
            comp_start.append(len(a))
    else:
        grid = np.array(sorted({v for m in models for v in m.values}), dtype=float)
        table = np.full((len(models), grid.size), -np.inf)
        for k, m in enumerate(models):
            for v, p in zip(m.values, m.probs, strict=True):
                if p > 0:
                    j = int(np.searchsorted(grid, v))
                    table[k, j] = np.logaddexp(table[k, j], math.log(p))
    a_arr, b_arr = np.array(a, dtype=float), np.array(b, dtype=float)
    agent_start, agent_model, agent_prior, agent_slot = [0], [], [], []
    for belief in economy.beliefs:
        for k, (m, w) in enumerate(zip(belief.models, belief.prior, strict=True)):
            if w > 0:
                agent_model.append(models.index(m))
                agent_prior.append(float(w))
                agent_slot.append(k)
        agent_start.append(len(agent_model))
    return _Tables(
        kind=kind,
        models=tuple(models),
        comp_start=np.array(comp_start, dtype=np.int64),
        comp_logw=np.array(logw, dtype=float),
        comp_a=a_arr,
        comp_b=b_arr,
        comp_lbeta=_log_beta(a_arr, b_arr),
        grid=grid,
        table=table,
        agent_start=np.array(agent_start, dtype=np.int64),
        agent_model=np.array(agent_model, dtype=np.int64),
        agent_logprior=np.array([math.log(w) for w in agent_prior], dtype=float),
        agent_prior=np.array(agent_prior, dtype=float),
        agent_slot=np.array(agent_slot, dtype=np.int64),
        max_models=max(len(bl.models) for bl in economy.beliefs),
        single_beta=kind == _CONTINUOUS and len(a) == len(models) and not any(logw),
        agent_prior_min=min(agent_prior),
    )

"""Example economies of the Blume–Easley lecture (one constructor: :func:`lecture_economy`)."""




from foresight.derivations.distributions import as_distribution
from foresight.derivations.economy import (
    DiscreteStates,
    ExchangeEconomy,
    fixed_belief,
)
from foresight.errors import (
    ForesightError,
    ParameterError,
    require_open_interval,
)

# --------------------------------------------------------------------------
# Economies
# --------------------------------------------------------------------------


def lecture_economy(f, g, pareto_weight: float = 0.5, **kw) -> ExchangeEconomy:
    """The lecture's economy: agent 1 believes `f`, agent 2 believes `g` (fixed, iid).

    Log utility, ``y_1 = s``, ``y_2 = 1 - s`` unless `kw` says otherwise
    (any keyword of :class:`~foresight.derivations.blume_easley.ExchangeEconomy`).

    Parameters
    ----------
    f, g : Beta, Mixture, DiscreteStates or spec string
    pareto_weight : float
        lambda in (0, 1), the weight of agent 1.

    Examples
    --------
    >>> e = lecture_economy("beta(1,1)", "beta(3,1.2)", pareto_weight=0.3)
    >>> e.pareto_weights, e.gamma
    ((0.3, 0.7), 1.0)
    """
    lam = require_open_interval("pareto_weight", pareto_weight, 0.0, 1.0)
    beliefs = (fixed_belief(_as_model(f, "f")), fixed_belief(_as_model(g, "g")))
    return ExchangeEconomy(beliefs, (lam, 1.0 - lam), **kw)


def _as_model(dist, name: str):
    if isinstance(dist, DiscreteStates):
        return dist
    try:
        return as_distribution(dist)
    except ForesightError:  # a bad spec or parameter names its own cause
        raise
    except Exception:  # not a distribution at all
        raise ParameterError(
            name, dist, "a Beta, a Mixture, a DiscreteStates or a spec such as 'beta(1,1)'"
        ) from None

"""The Blume–Easley economy as data: beliefs, discrete state laws, the exchange economy.

Plain frozen dataclasses with their validation and no SymPy: the simulators
and the command line build economies without loading the symbolic layer.
:mod:`foresight.derivations.blume_easley` derives the theory from these
objects and re-exports them under their old names.

Examples
--------
>>> from foresight.derivations.distributions import Beta
>>> econ = ExchangeEconomy((fixed_belief(Beta(1, 1)), fixed_belief(Beta(3, 1.2))), (0.5, 0.5))
>>> econ.n_agents, econ.aggregate_endowment
(2, 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from foresight.errors import (
    ParameterError,
    require_open_interval,
    require_positive,
    require_probability_vector,
)

__all__ = ["Belief", "DiscreteStates", "ExchangeEconomy", "fixed_belief"]

# --------------------------------------------------------------------------
# Model statement
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscreteStates:
    """A distribution on finitely many states in [0, 1] (for event trees).

    Parameters
    ----------
    values : tuple of float
        The states, each in [0, 1].
    probs : tuple of float
        Their probabilities (non-negative, summing to one).

    Examples
    --------
    >>> DiscreteStates((0.2, 0.8), (0.5, 0.5)).mean()
    0.5
    """

    values: tuple
    probs: tuple

    def __post_init__(self):
        values = tuple(float(v) for v in self.values)
        probs = require_probability_vector("discrete.probs", self.probs)
        if len(values) != len(probs):
            raise ParameterError(
                "discrete.values", values, f"a tuple of {len(probs)} states (one per probability)"
            )
        for k, v in enumerate(values):
            if not 0.0 <= v <= 1.0:
                raise ParameterError(f"discrete.values[{k}]", v, "[0, 1]")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "probs", probs)

    def mean(self) -> float:
        return math.fsum(v * p for v, p in zip(self.values, self.probs, strict=True))

    def spec(self) -> str:
        pairs = ", ".join(f"{p:g}@{v:g}" for v, p in zip(self.values, self.probs, strict=True))
        return f"discrete({pairs})"


@dataclass(frozen=True)
class Belief:
    """An agent's model of the iid state process: a prior over candidate models.

    A fixed (dogmatic) belief is one model with prior ``(1,)``; a learning
    agent updates the prior by Bayes' law.  Models are distributions on (0, 1)
    with a ``mean()`` (``Beta``, ``Mixture`` or :class:`DiscreteStates`).

    Examples
    --------
    >>> b = Belief((DiscreteStates((0, 1), (0.5, 0.5)),), (1.0,))
    >>> b.is_learning
    False
    """

    models: tuple
    prior: tuple = (1.0,)

    def __post_init__(self):
        models = tuple(self.models)
        if not models:
            raise ParameterError("belief.models", self.models, "at least one model")
        prior = require_probability_vector("prior", self.prior)
        if len(prior) != len(models):
            raise ParameterError(
                "prior", prior, f"a vector of {len(models)} probabilities (one per model)"
            )
        object.__setattr__(self, "models", models)
        object.__setattr__(self, "prior", prior)

    @property
    def is_learning(self) -> bool:
        return sum(p > 0 for p in self.prior) > 1

    def predictive_mean(self) -> float:
        """Mean of s_t under the agent's joint density (the same for every t)."""
        return math.fsum(p * float(m.mean()) for p, m in zip(self.prior, self.models, strict=True))


def fixed_belief(model) -> Belief:
    """A dogmatic belief in one iid model."""
    return Belief((model,), (1.0,))


@dataclass(frozen=True)
class ExchangeEconomy:
    """Complete-markets exchange economy of the Blume–Easley lecture, generalised.

    Agent ``i`` receives ``y_i(s) = endowment_intercepts[i] + endowment_slopes[i] * s``;
    the slopes sum to zero so the aggregate endowment ``Y`` (the sum of the
    intercepts) is constant.  All agents share CRRA utility with relative risk
    aversion ``gamma`` (``gamma = 1`` is log) and the discount factor.

    Parameters
    ----------
    beliefs : tuple of Belief
        One per agent.
    pareto_weights : tuple of float
        Planner's weights, positive, summing to one.
    gamma : float
        Relative risk aversion, > 0.
    discount : float
        delta in (0, 1).
    endowment_intercepts, endowment_slopes : tuple of float
        Default: the lecture's ``y_1 = s``, ``y_2 = 1 - s``.

    Examples
    --------
    >>> coin = DiscreteStates((0.25, 0.75), (0.5, 0.5))
    >>> econ = ExchangeEconomy((fixed_belief(coin), fixed_belief(coin)), (0.5, 0.5))
    >>> econ.aggregate_endowment
    1.0
    """

    beliefs: tuple
    pareto_weights: tuple
    gamma: float = 1.0
    discount: float = 0.9
    endowment_intercepts: tuple = (0.0, 1.0)
    endowment_slopes: tuple = (1.0, -1.0)

    def __post_init__(self):
        n = len(self.beliefs)
        if n < 2:
            raise ParameterError("beliefs", n, "at least 2 agents")
        weights = require_probability_vector("pareto_weights", self.pareto_weights)
        if len(weights) != n:
            raise ParameterError("pareto_weights", weights, f"{n} weights (one per agent)")
        for i, w in enumerate(weights):
            if not 0.0 < w < 1.0:
                raise ParameterError(f"pareto_weights[{i}]", w, "(0, 1)")
        object.__setattr__(self, "pareto_weights", weights)
        object.__setattr__(self, "gamma", require_positive("gamma", self.gamma))
        object.__setattr__(
            self, "discount", require_open_interval("discount", self.discount, 0.0, 1.0)
        )
        a = tuple(float(v) for v in self.endowment_intercepts)
        b = tuple(float(v) for v in self.endowment_slopes)
        if len(a) != n or len(b) != n:
            raise ParameterError(
                "endowment_intercepts/slopes", (a, b), f"two tuples of {n} numbers (one per agent)"
            )
        if abs(math.fsum(b)) > 1e-12:
            raise ParameterError(
                "sum(endowment_slopes)", math.fsum(b), "0 (aggregate endowment constant)"
            )
        for i in range(n):
            if a[i] < 0 or a[i] + b[i] < 0:
                raise ParameterError(
                    f"endowment of agent {i + 1}", (a[i], b[i]), "y(s) = a + b s >= 0 on [0, 1]"
                )
        if not math.fsum(a) > 0:
            raise ParameterError("aggregate endowment", math.fsum(a), "(0, inf)")
        object.__setattr__(self, "endowment_intercepts", a)
        object.__setattr__(self, "endowment_slopes", b)

    @property
    def n_agents(self) -> int:
        return len(self.beliefs)

    @property
    def aggregate_endowment(self) -> float:
        return math.fsum(self.endowment_intercepts)

"""The N-BFE model contract: what the engine may assume of a model, checked.

A model is any object with the members of :class:`BFEModel`.  The contract
fixes two representation questions the engine must not guess:

* **The population state is a histogram.**  ``population = "histogram"``: a
  population state is an array of shape ``population_shape`` of non-negative
  masses summing to one over the model's individual grid (ladder: ``(M+1,)``
  over ``{0..M}``; Krusell-Smith: ``(2, nf)`` over employment x a fine asset
  grid).  The tree, the forward push and the statistics all act on histograms.
* **Agents belong to the model.**  A finite population is an opaque object
  of the model's choosing (ladder: an int array of states; Krusell-Smith:
  continuous assets and employment).  The *model* creates it
  (``initial_agents``), moves it (``simulate_agents``, with an explicit
  ``numpy.random.Generator``) and turns it into a histogram
  (``population_from_agents``) -- the engine only ever sees histograms.

The individual dynamics under a policy are data (``law_of_motion``: for every
flattened individual state, destination indices and probabilities; see
:mod:`foresight.numerics.bfe.law_of_motion`).  :func:`check_model` verifies a
model against the contract numerically; :func:`register_model` runs it before
a model becomes available to the engine, the experiments and the CLI.

Examples
--------
>>> from foresight.numerics.bfe.models import CapacityModel
>>> check_model(CapacityModel()) is None
True
>>> registered_models()
['capacity', 'quality-ladder', 'krusell-smith']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from foresight.errors import ForesightError, ParameterError, did_you_mean
from foresight.numerics.bfe.catalog import BUILTIN_MODELS, CONTINUATIONS

__all__ = [
    "BFEModel",
    "CONTINUATIONS",
    "ContractError",
    "RegisteredModel",
    "REGISTRY",
    "check_model",
    "make_model",
    "model_names",
    "register_model",
    "registered_models",
    "require_continuation",
]



def require_continuation(value) -> str:
    """Validate a continuation reading; returns it."""
    if value not in CONTINUATIONS:
        raise ParameterError("continuation", value, " | ".join(CONTINUATIONS),
                             did_you_mean(str(value), CONTINUATIONS))
    return value


class ContractError(ForesightError, TypeError):
    """A model does not satisfy the N-BFE model contract (names the member and why)."""


@runtime_checkable
class BFEModel(Protocol):
    """What the N-BFE engine requires of a model (all methods batch over nodes).

    Attributes
    ----------
    population : str
        ``"histogram"`` (the only representation the engine uses).
    population_shape : tuple
        Shape of one population state.
    value_shape : tuple
        Shape of one node's continuation object (values, or marginal values).
    n_aggregate : int
        ``|Z|``.
    chain : (|Z|, |Z|) array
        Transition matrix of the aggregate state.
    z_values : (|Z|,) array
        Values of the aggregate state.
    """

    population: str
    population_shape: tuple
    value_shape: tuple
    n_aggregate: int
    chain: np.ndarray
    z_values: np.ndarray

    def statistic(self, population_states: np.ndarray) -> np.ndarray:
        """``(k,) + population_shape`` -> ``(k,)`` payoff-relevant statistic."""

    def mean_state(self, population_states: np.ndarray) -> np.ndarray:
        """``(k,) + population_shape`` -> ``(k,)`` the reported mean (s-bar, K)."""

    def statistic_bounds(self) -> tuple[float, float]:
        """Range of the statistic covered by the frozen-value tables."""

    def bellman_step(self, z_index, statistics, child_values):
        """``(k,)``, ``(k,)``, ``(k, |Z|) + value_shape`` -> (values, policies)."""

    def law_of_motion(self, policy, z_now, z_next):
        """One node's dynamics: ``(destinations, probabilities)``, ``(n, d)`` each."""

    def push(self, population_states, policies, statistics, z_next, z_now=None):
        """Population states one period on (equation (1)), a batch."""

    def frozen_values(self, statistics, continuation="markov", z_leaf=None):
        """Continuation objects below leaves: ``(k, |Z|) + value_shape``."""

    def initial_agents(self, population_state, n_agents, rng):
        """A finite population drawn from / matching a histogram."""

    def simulate_agents(self, agents, policy, z_now, z_next, rng):
        """The finite population one period on."""

    def population_from_agents(self, agents) -> np.ndarray:
        """The histogram (``population_shape``) of a finite population."""

    def without_shocks(self):
        """The same economy with one aggregate state (its stationary mean)."""


_MEMBERS = ("population", "population_shape", "value_shape", "n_aggregate", "chain",
            "z_values", "statistic", "mean_state", "statistic_bounds", "bellman_step",
            "law_of_motion", "push", "frozen_values", "initial_agents", "simulate_agents",
            "population_from_agents", "without_shocks")


def _fail(model, member, why):
    raise ContractError(f"{type(model).__name__}.{member}: {why} (N-BFE model contract, "
                        "foresight.numerics.bfe.contract)")


def check_model(model, *, rng_seed: int = 0) -> None:
    """Check `model` against the contract, numerically; raise :class:`ContractError`.

    Beyond the presence of every member, on the model's own objects: the
    aggregate chain is row-stochastic and matches ``z_values``; a population
    state (uniform over the grid) has a statistic inside ``statistic_bounds``;
    one Bellman step from the markov frozen values returns ``value_shape`` and a
    policy; its law of motion has valid indices and rows summing to one, and
    ``push`` equals the law of motion applied by hand (mass preserved); agents
    drawn from the population and counted back give a histogram of the right
    shape summing to one.

    Examples
    --------
    >>> class NotAModel:
    ...     population = "histogram"
    >>> check_model(NotAModel())
    Traceback (most recent call last):
    ...
    foresight.numerics.bfe.contract.ContractError: NotAModel.population_shape: missing \
(N-BFE model contract, foresight.numerics.bfe.contract)
    """
    from foresight.numerics.bfe.law_of_motion import push

    for member in _MEMBERS:
        if not hasattr(model, member):
            _fail(model, member, "missing")
    if model.population != "histogram":
        _fail(model, "population", f"{model.population!r}; the engine's populations are "
                                   "'histogram' (agents are the model's own objects)")
    nz = int(model.n_aggregate)
    chain = np.asarray(model.chain, dtype=float)
    if chain.shape != (nz, nz) or not np.allclose(chain.sum(axis=1), 1.0, atol=1e-10) \
            or np.any(chain < 0):
        _fail(model, "chain", f"shape {chain.shape}: not a {nz}x{nz} row-stochastic matrix")
    if np.asarray(model.z_values).shape != (nz,):
        _fail(model, "z_values", f"shape {np.asarray(model.z_values).shape}, not ({nz},)")
    shape = tuple(model.population_shape)
    state = np.full(shape, 1.0 / int(np.prod(shape)))
    stat = np.asarray(model.statistic(state[None, ...]))
    lo, hi = model.statistic_bounds()
    if stat.shape != (1,) or not np.isfinite(stat[0]):
        _fail(model, "statistic", f"returned {stat!r} for one population state")
    s = float(np.clip(stat[0], lo, hi))
    frozen = np.asarray(model.frozen_values(np.array([s]), "markov"))
    if frozen.shape != (1, nz) + tuple(model.value_shape):
        _fail(model, "frozen_values", f"shape {frozen.shape}, expected "
                                      f"{(1, nz) + tuple(model.value_shape)}")
    values, policy = model.bellman_step(np.array([0]), np.array([s]), frozen)
    if np.asarray(values).shape != (1,) + tuple(model.value_shape):
        _fail(model, "bellman_step", f"values of shape {np.asarray(values).shape}")
    if not np.all(np.isfinite(policy)):
        _fail(model, "bellman_step", "non-finite policy")
    dest, prob = model.law_of_motion(policy[0], 0, nz - 1)
    n = int(np.prod(shape))
    dest, prob = np.asarray(dest), np.asarray(prob)
    if dest.shape != prob.shape or dest.shape[0] != n or dest.min() < 0 or dest.max() >= n:
        _fail(model, "law_of_motion", f"destinations {dest.shape} / probabilities "
                                      f"{prob.shape} for {n} states, or an index off the grid")
    if np.any(prob < -1e-15) or not np.allclose(prob.sum(axis=1), 1.0, atol=1e-10):
        _fail(model, "law_of_motion", "probabilities not a distribution in every row")
    pushed = np.asarray(model.push(state[None, ...], policy, np.array([s]),
                                   np.array([nz - 1]), z_now=np.array([0])))
    by_hand = push(state.reshape(1, -1), dest[None], prob[None]).reshape(pushed.shape)
    if pushed.shape != (1,) + shape or not np.allclose(pushed, by_hand, atol=1e-12):
        _fail(model, "push", "differs from the model's own law_of_motion")
    rng = np.random.default_rng(rng_seed)
    agents = model.initial_agents(state, 200, rng)
    moved = model.simulate_agents(agents, policy[0], 0, nz - 1, rng)
    hist = np.asarray(model.population_from_agents(moved))
    if hist.shape != shape or not np.isclose(hist.sum(), 1.0) or np.any(hist < 0):
        _fail(model, "population_from_agents", f"shape {hist.shape}, sum {hist.sum():.6g}")


@dataclass(frozen=True)
class RegisteredModel:
    """A registry entry: name, factory (keyword parameters), one-line description."""

    name: str
    factory: Callable[..., Any]
    description: str


REGISTRY: dict[str, RegisteredModel] = {}


def register_model(name: str, factory: Callable[..., Any], description: str) -> None:
    """Make a model available by `name` after checking its default instance.

    Raises
    ------
    ContractError
        When ``factory()`` does not satisfy the contract.
    """
    check_model(factory())
    REGISTRY[name] = RegisteredModel(name, factory, description)


def registered_models() -> list[str]:
    """Names of the registered models (the built-in ones registered on first use)."""
    _register_builtin()
    return list(REGISTRY)


def make_model(name: str, **params):
    """A registered model by name with keyword parameters.

    Examples
    --------
    >>> make_model("capacity", a_max=2.0).a_max
    2.0
    >>> make_model("capacty")
    Traceback (most recent call last):
    ...
    foresight.errors.ParameterError: model = 'capacty' is outside its valid range \
capacity | quality-ladder | krusell-smith; did you mean 'capacity'?
    """
    _register_builtin(name)
    if name not in REGISTRY:
        raise ParameterError("model", name, " | ".join(model_names()),
                             did_you_mean(str(name), model_names()))
    return REGISTRY[name].factory(**params)


def model_names() -> list[str]:
    """Names a user can ask for (built-in and registered), without importing any model."""
    return list(dict.fromkeys([*BUILTIN_MODELS, *REGISTRY]))


def _register_builtin(name: str | None = None):
    """Register built-in models (all, or `name`) on first use.

    Lazily, one model at a time: importing a model compiles its kernels and
    registering it runs :func:`check_model` on its default instance.
    """
    import importlib

    for key, (target, description) in BUILTIN_MODELS.items():
        if key in REGISTRY or (name is not None and key != name):
            continue
        module, cls = target.split(":")
        register_model(key, getattr(importlib.import_module(module), cls), description)

"""The N-BFE model contract, the laws of motion as data and the continuation readings."""

import numpy as np
import pytest

from foresight.errors import ParameterError
from foresight.numerics.bfe import law_of_motion as lom
from foresight.numerics.bfe.catalog import BUILTIN_MODELS, CONTINUATIONS
from foresight.numerics.bfe.contract import (
    BFEModel,
    ContractError,
    check_model,
    make_model,
    model_names,
    register_model,
    registered_models,
)
from foresight.numerics.bfe.engine import BFESolver, FrozenValueTable
from foresight.numerics.bfe.models import CapacityModel, QualityLadderModel
from foresight.numerics.markov import stationary_distribution


@pytest.mark.parametrize("name", list(BUILTIN_MODELS))
def test_every_registered_model_conforms(name):
    """The conformance test: one contract check over every registered model."""
    assert name in registered_models()
    model = make_model(name)
    assert isinstance(model, BFEModel)
    check_model(model)
    # The economy without shocks is a model too.
    check_model(model.without_shocks())


def test_cli_names_are_the_registry():
    assert model_names()[:3] == list(BUILTIN_MODELS)
    with pytest.raises(ParameterError, match="did you mean 'capacity'"):
        make_model("capacty")


class _LeakyLadder(CapacityModel):
    """A law of motion whose rows do not sum to one (a wrong edge rule)."""

    def law_of_motion(self, policy, z_now=None, z_next=None):
        dest, prob = super().law_of_motion(policy, z_now, z_next)
        prob = prob.copy()
        prob[-1, 2] = 0.0  # the suppressed move at the top dropped instead of merged
        return dest, prob


class _PushNotLaw(CapacityModel):
    """A push that does not follow the model's own law of motion."""

    def push(self, population_states, policies, statistics, z_next, z_now=None):
        out = super().push(population_states, policies, statistics, z_next, z_now)
        return np.roll(out, 1, axis=-1)


@pytest.mark.parametrize("broken, member", [(_LeakyLadder, "law_of_motion"),
                                            (_PushNotLaw, "push")])
def test_contract_rejects_broken_models(broken, member):
    with pytest.raises(ContractError, match=member):
        check_model(broken())
    with pytest.raises(ContractError):
        register_model("broken", broken, "must not register")
    assert "broken" not in registered_models()


def test_contract_names_a_missing_member():
    class Half:
        population = "histogram"
        population_shape = (3,)

    with pytest.raises(ContractError, match="value_shape: missing"):
        check_model(Half())


def test_law_of_motion_drives_push_matrix_draws_and_expectation():
    model = CapacityModel()
    policy = np.linspace(0.0, 1.0, model.n_states)
    dest, prob = model.law_of_motion(policy)
    assert dest.shape == prob.shape == (11, 3)
    assert np.allclose(prob.sum(axis=1), 1.0)
    s = np.random.default_rng(0).dirichlet(np.ones(11))
    pushed = model.push(s[None], policy[None], np.zeros(1), np.zeros(1, int))[0]
    T = model.transition_matrix(policy)
    assert np.allclose(pushed, s @ T, atol=1e-15)
    assert np.allclose(lom.transition_matrix(dest, prob, sparse=True).toarray(), T)
    v = np.arange(11.0) ** 2
    assert np.allclose(lom.expectation(v, dest, prob), T @ v)
    # Agents: the empirical frequencies of many draws from state 5 follow row 5.
    agents = np.full(200_000, 5)
    moved = lom.draw(agents, dest, prob, np.random.default_rng(1).random(agents.size))
    freq = np.bincount(moved, minlength=11) / agents.size
    assert np.allclose(freq, T[5], atol=4 * np.sqrt(0.25 / agents.size))


def test_one_stationary_distribution_dense_and_sparse():
    from scipy import sparse

    P = np.array([[0.5, 0.5, 0.0], [0.2, 0.5, 0.3], [0.0, 0.4, 0.6]])
    dense = stationary_distribution(P)
    assert np.allclose(dense @ P, dense)
    assert np.allclose(stationary_distribution(sparse.csr_matrix(P)), dense)
    with pytest.raises(ParameterError, match="row 1"):
        stationary_distribution(np.array([[1.0, 0.0], [0.5, 0.6]]))


def test_unknown_reading_and_mismatched_table_are_refused():
    model = CapacityModel()
    with pytest.raises(ParameterError, match="did you mean 'frozen-prices'"):
        BFESolver(model, 1, continuation="frozen-price")
    table = FrozenValueTable(model, points=51)
    with pytest.raises(ParameterError, match="table"):
        BFESolver(model, 1, continuation="mean-z", table=table)


@pytest.mark.parametrize("model", [CapacityModel(), QualityLadderModel()])
def test_ladder_readings_are_the_deterministic_problems(model):
    """frozen-prices at a leaf in z = mean-z's problem when z equals the chain's mean."""
    s = 0.5 * sum(model.statistic_bounds())
    markov = model.frozen_values([s], "markov")[0]
    mean_z = model.frozen_values([s], "mean-z")[0]
    # mean-z: the economy without shocks, frozen at s (a second route).
    assert np.allclose(mean_z[0], model.without_shocks().frozen_values([s])[0][0], rtol=1e-12)
    assert np.allclose(mean_z[0], mean_z[1])
    low, high = (model.frozen_values([s], "frozen-prices", z_leaf=[z])[0] for z in (0, 1))
    # Prices frozen at the high state are worth more than at the low state, with
    # markov (z mean-reverting) in between for each starting state.
    assert np.all(low[0] < markov[0]) and np.all(markov[1] < high[0])
    with pytest.raises(ParameterError, match="z_leaf"):
        model.frozen_values([s], "frozen-prices")


def test_capacity_numbers_unchanged_by_the_refactor():
    """A Table 3 run pinned to the numbers of the engine before the contract refactor."""
    from foresight.numerics.bfe.experiments import monte_carlo

    res = monte_carlo("capacity", horizons=(0, 1, 2), paths=8, periods=300, burn_in=50,
                      scheduler="serial", progress=False)
    before = [0.030168075230547632, 0.030098097358644327, 0.030106400805497528]
    assert res["sigma_mean"] == pytest.approx(before, rel=1e-13, abs=0)
    assert res["forecast_error_mean"][2][2] == pytest.approx(0.00971360796765206, rel=1e-12)


@pytest.mark.parametrize("reading", CONTINUATIONS)
def test_every_reading_solves_and_is_consistent(reading):
    from foresight.verify.bfe import check_bellman_residuals, check_tree_consistency

    model = CapacityModel()
    solver = BFESolver(model, 2, continuation=reading, table=FrozenValueTable(
        model, points=401, continuation=reading))
    eq = solver.solve(np.full(11, 1 / 11), 1)
    assert eq.residual < 1e-10
    assert check_bellman_residuals(model, solver, eq).passed
    assert check_tree_consistency(model, eq).passed


def test_readings_change_the_numbers():
    from foresight.numerics.bfe.experiments import monte_carlo

    sig = {r: monte_carlo("capacity", horizons=(0,), paths=2, periods=60, burn_in=10,
                          scheduler="serial", progress=False, continuation=r,
                          table_points=401)["sigma_mean"][0] for r in CONTINUATIONS}
    assert len({round(v, 12) for v in sig.values()}) == 3


def test_continuation_derivation_and_its_check(monkeypatch):
    import sympy as sp

    from foresight.derivations.continuation import (
        continuation_derivation,
        k,
        p11,
        p22,
        z1,
        z2,
        z_N,
    )
    from foresight.numerics.generated import continuation as gen
    from foresight.verify.bfe import check_continuation_algebra, check_frozen_values

    d = continuation_derivation()
    # frozen-prices is the markov expectation with lambda = 1, mean-z with lambda = 0.
    lam = d["second_eigenvalue"]
    markov = d["expected_z_k"]
    zbar = d["stationary_mean_z"]
    # The weight on today's deviation is lambda^k: 1 is frozen-prices, 0 is mean-z.
    weight = sp.Symbol("weight")
    generic = zbar + weight * (z_N - zbar)
    assert sp.simplify(markov - generic.subs(weight, lam**k)) == 0
    assert sp.simplify(generic.subs(weight, 1) - z_N) == 0
    # An i.i.d. chain (lambda = 0): from one period beyond the horizon on, zbar.
    assert sp.simplify(markov.subs(k, k + 1).subs(p22, 1 - p11) - zbar.subs(p22, 1 - p11)) == 0
    assert lam == p11 + p22 - 1 and k.is_integer and z1.is_positive and z2.is_positive
    model = CapacityModel()
    assert check_continuation_algebra(model.chain, model.z_values).passed
    monkeypatch.setattr(gen, "stationary_mean_z",
                        lambda a, b, x, y: (x * (b - 1) + y * (a - 1)) / (a + b - 2.001))
    assert not check_continuation_algebra(model.chain, model.z_values).passed
    monkeypatch.undo()
    v = model.frozen_values([2.5], "mean-z")[0][:1]
    assert check_frozen_values(model, 2.5, continuation="mean-z").passed
    assert not check_frozen_values(model, 2.5, continuation="mean-z", values=v * 1.001).passed

"""N-BFE engine: validation, tree, fixed point, modes, benchmarks of the no-shock economy."""

import numpy as np
import pytest

from foresight.errors import ConvergenceError, ParameterError
from foresight.numerics.bfe import (
    BFESolver,
    CapacityModel,
    FrozenValueTable,
    QualityLadderModel,
    simulate_aggregate_path,
    simulate_path,
    stationary_equilibrium,
)
from foresight.numerics.bfe.engine import forecast_errors
from foresight.numerics.markov import stationary_distribution as invariant_distribution


@pytest.fixture(scope="module")
def model():
    return CapacityModel()


@pytest.fixture(scope="module")
def table(model):
    return FrozenValueTable(model, points=501)


@pytest.mark.parametrize("kwargs,name", [
    ({"aggregate_chain": ((0.8, 0.1), (0.1, 0.9))}, "aggregate_chain[0]"),
    ({"aggregate_chain": ((1.2, -0.2), (0.1, 0.9))}, "aggregate_chain[0]"),
    ({"beta": 1.0}, "beta"), ({"beta": 0.0}, "beta"),
    ({"delta": 1.5}, "delta"), ({"delta": -0.1}, "delta"),
    ({"max_state": 0}, "max_state"), ({"max_state": 2.5}, "max_state"),
    ({"a_max": 0.0}, "a_max"), ({"a_max": -1.0}, "a_max"),
    ({"e": -75.0}, "e"), ({"f": -1.0}, "f"), ({"m": 0.0}, "m"), ({"cost": -4.0}, "cost"),
    ({"aggregate_values": (1.0, -2.0)}, "aggregate_values[1]"),
    ({"aggregate_values": (1.0, 2.0, 3.0)}, "aggregate_chain"),
    ({"capacity": (0.0, 1.0)}, "capacity"),
])
def test_bad_parameters_name_parameter_and_range(kwargs, name):
    with pytest.raises(ParameterError) as exc:
        CapacityModel(**kwargs)
    assert name in exc.value.name
    assert "valid" in str(exc.value) or "range" in str(exc.value) or exc.value.valid


def test_bad_quality_ladder_and_solver_arguments(model):
    with pytest.raises(ParameterError, match="theta1"):
        QualityLadderModel(theta1=1.0)
    with pytest.raises(ParameterError, match="foresight_horizon"):
        BFESolver(model, -1)
    with pytest.raises(ParameterError, match="continuation_rule"):
        BFESolver(model, 1, continuation_rule="mean")
    with pytest.raises(ParameterError, match="damping"):
        BFESolver(model, 1, damping=0.0)


def test_non_convergence_raises_with_residual_and_iterations(model, table):
    solver = BFESolver(model, 2, table=table, max_iter=1)
    with pytest.raises(ConvergenceError) as exc:
        solver.solve(np.eye(11)[10], 0)
    assert exc.value.iterations == 1 and exc.value.residual > solver.tol


def test_tree_shape_and_consistency(model, table):
    solver = BFESolver(model, 3, table=table)
    eq = solver.solve(np.full(11, 1 / 11), 1)
    assert [s.shape[0] for s in eq.population_states] == [1, 2, 4, 8]
    assert eq.z_index[2].tolist() == [0, 1, 0, 1]
    assert eq.residual <= 1e-10
    for k in range(1, 4):
        assert np.allclose(eq.population_states[k].sum(axis=1), 1.0)
        assert np.allclose(eq.information[k], eq.statistics[k], atol=1e-9)


def test_interpolated_table_matches_exact_frozen_values(model, table):
    s0 = np.linspace(1, 2, 11) / np.linspace(1, 2, 11).sum()
    a = BFESolver(model, 2, table=FrozenValueTable(model, points=2001)).solve(s0, 0)
    b = BFESolver(model, 2, exact=True).solve(s0, 0)
    assert np.max(np.abs(a.root_policy - b.root_policy)) < 1e-4
    assert abs(a.statistics[2] - b.statistics[2]).max() < 1e-5


def test_continuation_rule_is_a_parameter(model, table):
    s0 = np.eye(11)[8]
    last = BFESolver(model, 2, table=table).solve(s0, 0)
    mean = BFESolver(model, 2, table=table, continuation_rule="branch_mean").solve(s0, 0)
    assert mean.residual <= 1e-10
    assert not np.allclose(last.values[0], mean.values[0])


def test_continuum_forecast_within_horizon_is_exact(model, table):
    z = simulate_aggregate_path(model.chain, 0, 60, np.random.default_rng(2))
    s0 = np.full(11, 1 / 11)
    r2 = simulate_path(BFESolver(model, 2, table=table), z, s0)
    fe = forecast_errors(r2)
    # One period ahead the root policy moves the population exactly as forecast; two
    # ahead the policy used at t+1 comes from the re-solved (longer) window: time
    # inconsistency gives a small but non-zero error.
    assert fe[0] < 1e-12 and 0 < fe[1]
    fe0 = forecast_errors(simulate_path(BFESolver(model, 0, table=table), z, s0))
    assert fe0[0] > 1e-4 and fe[1] < fe0[0]


def test_finite_population_mode_is_reproducible_and_noisy(model, table):
    z = simulate_aggregate_path(model.chain, 0, 40, np.random.default_rng(5))
    s0 = np.full(11, 1 / 11)
    solver = BFESolver(model, 1, table=table)
    a = simulate_path(solver, z, s0, firms=1000, rng=np.random.default_rng(9))
    b = simulate_path(solver, z, s0, firms=1000, rng=np.random.default_rng(9))
    assert np.array_equal(a.mean_state, b.mean_state)
    assert forecast_errors(a)[0] > 1e-4  # sampling noise of 1000 firms
    with pytest.raises(ParameterError):
        simulate_path(solver, z, s0, firms=1000)


def test_resampled_forecasts_keep_the_path_and_add_only_sampling_noise(model, table):
    z = simulate_aggregate_path(model.chain, 0, 40, np.random.default_rng(5))
    s0 = np.full(11, 1 / 11)
    solver = BFESolver(model, 2, table=table)
    exact = simulate_path(solver, z, s0, firms=1000, rng=np.random.default_rng(9))
    kw = dict(firms=1000, rng=np.random.default_rng(9), forecast="resampled")
    a = simulate_path(solver, z, s0, forecast_rng=np.random.default_rng(3), **kw)
    kw["rng"] = np.random.default_rng(9)
    b = simulate_path(solver, z, s0, forecast_rng=np.random.default_rng(3), **kw)
    # Own stream: the realised path is the exact mode's; same seeds, same forecasts.
    assert np.array_equal(a.mean_state, exact.mean_state)
    assert np.array_equal(a.forecasts, b.forecasts, equal_nan=True)
    # Within the horizon the resampled forecast is the exact one plus the noise of a
    # 1000-firm step (sd of the mean state about sqrt(0.7 / 1000) < 0.03 per step).
    gap = np.abs(a.forecasts[:-3, :2] - exact.forecasts[:-3, :2])
    assert 1e-4 < gap.mean() < 0.05 and gap.max() < 0.3
    # Beyond the horizon the forecast is held at depth N.
    assert np.array_equal(a.forecasts[:-3, 2], a.forecasts[:-3, 1])
    with pytest.raises(ParameterError, match="forecast"):
        simulate_path(solver, z, s0, forecast="resampled")
    with pytest.raises(ParameterError, match="forecast"):
        simulate_path(solver, z, s0, forecast="sampled")
    from foresight.numerics.bfe.experiments import monte_carlo

    with pytest.raises(ParameterError, match="forecast"):
        monte_carlo("capacity", paths=1, periods=5, forecast="resampled", progress=False)


def test_mean_capacity_weights_states_by_capacity():
    cap = tuple(float(np.sqrt(x)) for x in range(11))
    m = CapacityModel(capacity=cap)
    s = np.random.default_rng(0).dirichlet(np.ones(11), size=3)
    # Table 3's "mean capacity" is int qbar ds = Q, not the mean index sum x s(x).
    assert np.allclose(m.mean_state(s), m.statistic(s))
    assert not np.allclose(m.mean_state(s), s @ np.arange(11.0))
    assert np.allclose(CapacityModel().mean_state(s), s @ np.arange(11.0))
    q = QualityLadderModel()
    assert np.allclose(q.mean_state(s), s @ np.arange(11.0))


def test_investment_response_at_n0_is_the_frozen_policy():
    from foresight.numerics.bfe.experiments import initial_state, investment_response

    m = CapacityModel(a_max=10.0)
    s = initial_state(m)
    out = investment_response(horizons=(0, 2), model_params={"a_max": 10.0},
                              table_points=501)
    # N = 0: the root problem is the frozen-population problem at Q(s), solved by
    # policy iteration (another route than the tree + table).
    frozen = m.frozen_policy(float(m.statistic(s[None, :])[0]))
    assert np.allclose(out["mean_investment"][0], frozen @ s, atol=1e-6)
    assert out["spread"][0] > 0.1 and out["at_bound"][0] == [0.0, 0.0]
    # Defaults (a_max = 1): the bound binds at every x >= 1, only x = 0 reacts.
    s1 = initial_state(CapacityModel())
    tight = investment_response(horizons=(0,), table_points=201)
    assert np.allclose(tight["at_bound"][0], 1.0 - s1[0], atol=1e-9)
    with pytest.raises(ParameterError, match="state"):
        investment_response(state=np.ones(3) / 3, table_points=101)


def test_stationary_equilibrium_is_invariant_and_an_n0_fixed_point(model):
    nos = model.without_shocks()
    st = stationary_equilibrium(nos)
    T = nos.transition_matrix(st.policy)
    assert np.allclose(st.population_state @ T, st.population_state, atol=1e-12)
    eq = BFESolver(nos, 0, exact=True).solve(st.population_state, 0)
    nxt = nos.push(st.population_state[None], eq.root_policy[None], eq.statistics[0], None)[0]
    assert np.max(np.abs(nxt - st.population_state)) < 1e-9
    with pytest.raises(ParameterError):
        stationary_equilibrium(model)


def test_invariant_distribution_of_a_known_chain():
    p = np.array([[0.9, 0.1], [0.3, 0.7]])
    assert np.allclose(invariant_distribution(p), [0.75, 0.25])


def test_quality_ladder_runs_and_statistic_is_the_index():
    m = QualityLadderModel()
    s = np.full((1, 11), 1 / 11)
    assert m.statistic(s)[0] == pytest.approx(np.mean(np.sqrt(np.arange(1, 12))))
    eq = BFESolver(m, 2, table=FrozenValueTable(m, points=201)).solve(s[0], 1)
    assert eq.residual <= 1e-10


@pytest.mark.parametrize("rule", ["last", "branch_mean"])
def test_fused_tree_equals_level_by_level_route(model, table, rule):
    s0 = np.linspace(2, 1, 11) / np.linspace(2, 1, 11).sum()
    for n in (0, 1, 3):
        a = BFESolver(model, n, table=table, continuation_rule=rule).solve(s0, 1)
        b = BFESolver(model, n, table=table, continuation_rule=rule, fused=False).solve(s0, 1)
        assert BFESolver(model, n, table=table).fused and not BFESolver(model, n, table=table,
                                                                         fused=False).fused
        for k in range(n + 1):
            assert np.allclose(a.values[k], b.values[k], rtol=1e-12, atol=1e-12)
            assert np.allclose(a.policies[k], b.policies[k], atol=1e-12)
            assert np.allclose(a.population_states[k], b.population_states[k], atol=1e-13)


def test_bad_initial_state_and_aggregate_path(model, table):
    solver = BFESolver(model, 1, table=table)
    with pytest.raises(ParameterError, match="initial_state"):
        simulate_path(solver, np.array([0, 1]), np.full(11, 0.2))
    with pytest.raises(ParameterError, match="initial_state"):
        simulate_path(solver, np.array([0, 1]), np.full(5, 0.2))
    with pytest.raises(ParameterError, match="z_path"):
        simulate_path(solver, np.array([0, 2]), np.full(11, 1 / 11))


def test_cli_resampled_forecasts(capsys):
    from foresight.reports.cli import main

    code = main(["bfe", "capacity", "--paths", "1", "--periods", "10", "--burn-in", "2",
                 "--firms", "50", "--forecast", "resampled", "--scheduler", "serial",
                 "--no-progress"])
    assert code == 0 and "resampled forecasts" in capsys.readouterr().out
    assert main(["bfe", "capacity", "--continuum", "--forecast", "resampled",
                 "--scheduler", "serial", "--no-progress", "--paths", "1"]) == 2
    assert "forecast" in capsys.readouterr().err

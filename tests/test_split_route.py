"""The split route (two fixed Beta believers): agreement with the general kernel to
rounding, and numbers that do not depend on blocks, threads or the other paths."""

import numba
import numpy as np
import pytest

from foresight.derivations.distributions import Beta, Mixture
from foresight.derivations.economy import ExchangeEconomy, fixed_belief
from foresight.errors import ParameterError
from foresight.numerics import blume_easley as nb
from foresight.numerics.blume_easley import split_route

F, G = Beta(1, 1), Beta(3, 1.2)
H = Mixture((0.5, 0.5), (F, G))
ALL = nb.OUTPUTS


def _economy(gamma=1.0, weight=0.5, f=F, g=G):
    return ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (weight, 1 - weight), gamma=gamma,
                           discount=0.95, endowment_intercepts=(0.0, 1.0),
                           endowment_slopes=(1.0, -1.0))


@pytest.mark.parametrize("gamma,weight", [(1.0, 0.5), (1.0, 0.2), (0.5, 0.7), (2.0, 0.4)])
def test_split_route_agrees_with_the_general_kernel(gamma, weight):
    econ = _economy(gamma, weight)
    states = nb.sample_states(H, 300, 80, seed=4)
    fast = nb.simulate_on_states(econ, states, outputs=ALL)
    general = nb.simulate_on_states(econ, states, outputs=ALL, kernel="general")
    # log l_t is a sum of t differences of log densities: rounding grows with t
    np.testing.assert_allclose(fast.log_likelihood_ratio, general.log_likelihood_ratio,
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast.log_joint_density, general.log_joint_density, rtol=0,
                               atol=1e-12)
    np.testing.assert_allclose(fast.shares, general.shares, rtol=0, atol=1e-14)
    np.testing.assert_allclose(fast.log_prices, general.log_prices, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(fast.posteriors, general.posteriors)
    assert not np.array_equal(fast.shares, general.shares[:, :, ::-1])  # agents not swapped


def test_split_route_is_taken_and_differs_from_libm_only_by_rounding():
    """The route must really run (not fall through to the compiled kernel)."""
    econ = _economy()
    states = nb.sample_states(H, 200, 50, seed=1)
    called = []
    original = split_route.simulate_fixed_two_beta

    def spy(*args, **kwargs):
        called.append(args[0].shape)
        return original(*args, **kwargs)

    try:
        split_route.simulate_fixed_two_beta = spy
        nb.simulate_on_states(econ, states)
    finally:
        split_route.simulate_fixed_two_beta = original
    assert called == [(200, 50)]


def test_a_path_does_not_depend_on_blocks_threads_or_other_paths(monkeypatch):
    econ = _economy(gamma=2.0, weight=0.3)
    states = nb.sample_states(H, 257, 45, seed=6)
    reference = nb.simulate_on_states(econ, states, outputs=ALL)
    runs = [nb.simulate_on_states(econ, states[100:117], outputs=ALL)]
    default = numba.get_num_threads()
    # blocks of 3 paths, of 1 path in 4 pieces of dates, of 17 paths; 1 and 2 threads
    for elements, threads in ((3 * 45, 1), (12, 2), (17 * 45 + 5, 2), (12, 1)):
        monkeypatch.setattr(split_route, "BLOCK_ELEMENTS", elements)
        monkeypatch.setattr(split_route, "NUMBA_FREE_ELEMENTS", 0)  # the compiled stages
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        try:
            runs.append(nb.simulate_on_states(econ, states, outputs=ALL))
        finally:
            numba.set_num_threads(default)
    for name in ALL:
        np.testing.assert_array_equal(getattr(runs[0], name), getattr(reference, name)[100:117])
        for run in runs[1:]:
            np.testing.assert_array_equal(getattr(run, name), getattr(reference, name))


def test_simulate_prefix_and_requested_outputs_do_not_change_numbers():
    econ = _economy(gamma=0.5, weight=0.6)
    small = nb.simulate(econ, H, 300, 30, seed=12, outputs=("shares",))
    big = nb.simulate(econ, H, 700, 30, seed=12, outputs=ALL)
    np.testing.assert_array_equal(small.shares[:256], big.shares[:256])


@pytest.mark.parametrize("bad", [0.0, 1.0, np.nextafter(1.0, 2.0)])
def test_draws_outside_the_unit_interval_raise(bad):
    states = np.full((3, 5), 0.4)
    states[1, 3] = bad
    with pytest.raises(nb.SimulationError, match="path 1"):
        nb.simulate_on_states(_economy(), states)


@pytest.mark.parametrize("bad", [0.0, -0.0, 1.0, np.nextafter(1.0, 2.0), -0.5, 7.0])
def test_compiled_route_flags_exactly_the_paths_with_draws_outside_the_unit_interval(bad):
    """The compiled stages read "s in (0, 1)" from log s; the draws nearest the ends
    of the interval are inside, and only the paths holding a bad draw are flagged."""
    states = nb.sample_states(H, 300, 200, seed=5)  # past the NumPy-only bound
    assert states.size > split_route.NUMBA_FREE_ELEMENTS
    states[7, 3] = np.nextafter(1.0, 0.0)
    states[8, 150] = 5e-324  # the smallest subnormal: log s = -744.4, finite
    states[9, 199] = 1e-300
    nb.simulate_on_states(_economy(), states)  # no error: every draw is inside
    for path, date in [(4, 0), (299, 199), (150, 77)]:
        states[path, date] = bad
    status = np.zeros(300, dtype=np.int64)
    none2, none3 = np.empty((0, 0)), np.empty((0, 0, 0))
    econ_args = (np.array([1.0, 3.0]), np.array([1.0, 1.2]), np.zeros(2), np.log([0.5, 0.5]),
                 1.0, 0.0, 1.0)
    split_route.simulate_fixed_two_beta(states, *econ_args, none3, np.empty((300, 200)), none3,
                                        none2, status)
    assert sorted(np.flatnonzero(status)) == [4, 150, 299]
    with pytest.raises(nb.SimulationError, match="path 4: .* 3 path"):
        nb.simulate_on_states(_economy(), states)


def test_extreme_log_likelihood_ratios_keep_shares_in_range():
    """Far beliefs over 3000 dates: |log l_t| in the hundreds, exp(x) underflows to 0."""
    econ = _economy(f=Beta(30, 1), g=Beta(1, 30))
    states = nb.sample_states(Beta(30, 1), 4, 3000, seed=2)
    sim = nb.simulate_on_states(econ, states, outputs=ALL)
    general = nb.simulate_on_states(econ, states, outputs=ALL, kernel="general")
    assert np.abs(sim.log_likelihood_ratio).max() > 1e3
    assert np.all(np.isfinite(sim.log_prices))
    np.testing.assert_array_equal(sim.shares[:, -1], [[1.0, 0.0]] * 4)
    np.testing.assert_allclose(sim.shares, general.shares, rtol=0, atol=1e-14)
    np.testing.assert_allclose(sim.log_likelihood_ratio, general.log_likelihood_ratio,
                               rtol=1e-13, atol=1e-9)


@pytest.mark.parametrize("gamma,weight,f,g", [
    (1.0, 0.5, F, G), (0.5, 0.7, F, G), (2.0, 0.35, Beta(1.5, 1), Beta(1, 1.5)),
    (1.7, 0.1, Beta(0.7, 2.5), Beta(4, 0.9)),
])
def test_numba_free_small_runs_equal_the_compiled_stages_bit_for_bit(monkeypatch, gamma, weight,
                                                                    f, g):
    """Runs of one block use NumPy and the generated twins; larger ones the compiled stages."""
    econ = ExchangeEconomy((fixed_belief(f), fixed_belief(g)), (weight, 1 - weight),
                           gamma=gamma, discount=0.9, endowment_intercepts=(0.5, 1.5),
                           endowment_slopes=(1.0, -1.0))
    assert econ.aggregate_endowment == 2.0  # log Y enters the prices
    states = nb.sample_states(Mixture((0.5, 0.5), (f, g)), 60, 90, seed=5)
    assert states.size <= split_route.NUMBA_FREE_ELEMENTS
    small = nb.simulate_on_states(econ, states, outputs=ALL)
    monkeypatch.setattr(split_route, "NUMBA_FREE_ELEMENTS", 0)
    monkeypatch.setattr(split_route, "BLOCK_ELEMENTS", 7 * 90)
    compiled = nb.simulate_on_states(econ, states, outputs=ALL)
    for name in ALL:
        np.testing.assert_array_equal(getattr(small, name), getattr(compiled, name))


@pytest.mark.parametrize("n_paths,n_periods", [(37, 100), (20, 1300), (3, 512), (9, 513)])
def test_stage_two_chunks_do_not_change_numbers(monkeypatch, n_paths, n_periods):
    """Stage 2 works on chunks of SEGMENT path-periods: several whole paths (37 x 100:
    chunks of 5 paths, the last of 2) or runs of one path's dates carried from chunk to
    chunk (1300 = 512 + 512 + 276; 513 = 512 + 1).  The NumPy route has no chunks; the
    numbers must be the same bit for bit."""
    from foresight.numerics.blume_easley.split_kernels import SEGMENT

    assert SEGMENT == 512  # the shapes above are chosen around it
    econ = _economy(gamma=1.7, weight=0.35, f=Beta(2.0, 1.5))  # both log densities vary
    states = nb.sample_states(H, n_paths, n_periods, seed=9)
    small = nb.simulate_on_states(econ, states, outputs=ALL)
    monkeypatch.setattr(split_route, "NUMBA_FREE_ELEMENTS", 0)
    compiled = nb.simulate_on_states(econ, states, outputs=ALL)
    for name in ALL:
        np.testing.assert_array_equal(getattr(small, name), getattr(compiled, name))


@pytest.mark.parametrize("shape,kernel", [((4, 6), "auto"), ((300, 200), "auto"),
                                          ((4, 6), "general")])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_draws_are_a_parameter_error(bad, shape, kernel):
    """The NumPy route, the compiled split route (which finds them in its own pass)
    and the general kernel (checked before it starts) give the same error."""
    states = np.full(shape, 0.3)
    states[2, 5] = bad
    with pytest.raises(ParameterError, match="states = 'non-finite values'"):
        nb.simulate_on_states(_economy(), states, kernel=kernel)


@pytest.mark.parametrize("kernel", ["auto", "general"])
def test_finite_draws_whose_sum_overflows_are_not_called_non_finite(kernel):
    """The finiteness test sums the draws; an overflowing sum must not be taken for inf."""
    states = np.full((2, 3), 0.5)
    states[0, :2] = 1e308  # finite, outside (0, 1): the simulator's own error
    with pytest.raises(nb.SimulationError, match="path 0"):
        nb.simulate_on_states(_economy(), states, kernel=kernel)


def test_a_forked_child_gets_its_own_thread_pool():
    """The route keeps a thread pool per process; a child forked after a pooled run
    (multiprocessing's default start on Linux) must not inherit a pool without threads."""
    import multiprocessing

    econ = _economy()
    states = nb.sample_states(H, 3000, 60, seed=2)  # above the numba-free size: pooled
    default = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        expected = nb.simulate_on_states(econ, states).shares
    finally:
        numba.set_num_threads(default)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child():
        queue.put(nb.simulate_on_states(econ, states).shares[::97, ::7].tolist())

    process = context.Process(target=child)
    process.start()
    process.join(timeout=120)
    alive = process.is_alive()
    if alive:
        process.kill()
    assert not alive, "the forked child hung on the parent's thread pool"
    np.testing.assert_array_equal(np.array(queue.get(timeout=10)), expected[::97, ::7])


@pytest.mark.skipif(__import__("platform").machine() not in ("x86_64", "AMD64", "aarch64"),
                    reason="vector instructions checked on x86-64 and aarch64")
def test_the_element_wise_stages_vectorise():
    """LLVM vectorises the shares loop and stage 2's loops: no division that can raise
    (the generated formulas use numba's NumPy error model), unit-stride flat indexing.
    Dropping either turns these loops scalar, a third of the route's time."""
    from foresight.numerics.blume_easley import split_kernels

    n, cols = 512, 128
    args = {
        "running_weights": (np.full(n, -0.5), np.full(n, -0.5), np.empty(0), cols,
                            np.array([1.0, 3.0]), np.array([1.0, 1.2]), np.zeros(2),
                            np.zeros(2), 1.0, np.zeros((n // cols, 2)), np.empty(n), np.empty(0)),
        "shares_from_ratios": (np.full(n, 0.5), np.zeros(n), np.empty(2 * n), False),
    }
    for name, call in args.items():
        # A fresh compilation of the same function (cached code cannot be inspected).
        fresh = numba.njit(nogil=True)(getattr(split_kernels, name).py_func)
        fresh(*call)
        ir = fresh.inspect_llvm(fresh.signatures[0])
        assert ir.count("vector.body") >= (3 if name == "running_weights" else 1), name


@pytest.mark.parametrize("in_main", [True, False])
def test_a_failing_block_stops_the_run_and_its_error_reaches_the_caller(monkeypatch, in_main):
    """Whether the calling thread or a helper fails, the error is raised to the caller,
    the other thread takes no new block, and nothing is left running."""
    import threading

    from foresight.numerics.blume_easley import split_kernels

    calls = []  # one entry per block's stage 4, and "failed" where the failure happens
    original = split_kernels.shares_from_ratios
    helper_started = threading.Event()

    def failing(*args):
        in_caller = threading.current_thread() is threading.main_thread()
        if not in_caller:
            helper_started.set()
        elif not in_main:  # let the helper reach its first block, however late it wakes
            helper_started.wait(timeout=30)
        if in_caller == in_main and "failed" not in calls:
            calls.append("failed")
            raise RuntimeError("block failed")
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(split_kernels, "shares_from_ratios", failing)
    monkeypatch.setattr(split_route, "BLOCK_ELEMENTS", 60 * 10)  # 100 blocks of 10 paths
    states = nb.sample_states(H, 1000, 60, seed=3)
    with pytest.raises(RuntimeError, match="block failed"):
        split_route.simulate_fixed_two_beta(
            states, np.array([1.0, 3.0]), np.array([1.0, 1.2]), np.zeros(2),
            np.log([0.5, 0.5]), 1.0, 0.0, 1.0, np.empty((1000, 60, 2)), np.empty((0, 0)),
            np.empty((0, 0, 0)), np.empty((0, 0)), np.zeros(1000, dtype=np.int64), threads=2)
    after = calls[calls.index("failed") + 1:]
    assert len(after) <= 1, after  # at most the other thread's block in hand, of 100
    assert not any(t.name.startswith("split-route") and _busy(t)
                   for t in threading.enumerate())


def _busy(thread) -> bool:
    """A pool thread is idle when blocked on its work queue; none is mid-block here."""
    import sys
    import traceback

    frame = sys._current_frames().get(thread.ident)
    return frame is not None and "_run_paths" in "".join(traceback.format_stack(frame))

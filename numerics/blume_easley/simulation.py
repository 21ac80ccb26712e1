"""The simulator's driver: :func:`simulate`, :func:`simulate_on_states`, results."""


import math
from dataclasses import dataclass

import numpy as np

from foresight.derivations.economy import (
    DiscreteStates,
    ExchangeEconomy,
)
from foresight.errors import (
    ParameterError,
    did_you_mean,
    require_positive_int,
)
from foresight.numerics.blume_easley.constants import (
    _CONTINUOUS,
    _DISCRETE,
    _NOT_FINITE,
    _TINY,
    CHUNK_PATH_PERIODS,
    MAX_OUTPUT_BYTES,
    OUTPUTS,
    PATHS_PER_STREAM,
    SimulationError,
)
from foresight.numerics.blume_easley.sampling import _as_nature, _draw, _fill_blocks, _n_threads
from foresight.numerics.blume_easley.tables import _kind, _Tables, _tables

# --------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What :func:`simulate` returns; arrays not requested are None.

    Attributes
    ----------
    states : ndarray (N, T)
        Nature's draws ``s_0 .. s_{T-1}``; column ``t`` is date ``t``.
    shares : ndarray (N, T, n) or None
        Consumption shares ``c^i_t(s^t) / Y``.
    log_likelihood_ratio : ndarray (N, T) or None
        ``log l_t = log pi^1_t(s^t) - log pi^2_t(s^t)`` (agent 1 vs agent 2;
        for fixed beliefs ``sum_{tau <= t} log f(s_tau) - log g(s_tau)``).
        ``+-inf`` only when one agent gives the history probability zero.
    log_joint_density : ndarray (N, T, n) or None
        ``log pi^i_t(s^t)``: for learners the sum of one-step predictive log
        densities, each using the posterior from ``s^{t-1}``.
    posteriors : ndarray (N, T, n, K) or None
        Agent ``i``'s posterior over its models *after* observing ``s_t``
        (the belief that prices ``s_{t+1}``); ``K`` is the largest number of
        models of any agent, padded with 0.
    log_prices : ndarray (N, T) or None
        ``log p_t(s^t)`` with multipliers ``mu_i = 1/lambda_i``.
    """

    economy: ExchangeEconomy
    nature: object
    seed: object
    n_paths: int
    n_periods: int
    states: np.ndarray
    shares: np.ndarray | None = None
    log_likelihood_ratio: np.ndarray | None = None
    log_joint_density: np.ndarray | None = None
    posteriors: np.ndarray | None = None
    log_prices: np.ndarray | None = None

    def __repr__(self) -> str:
        have = [k for k in OUTPUTS if getattr(self, k) is not None]
        return (f"SimulationResult({self.n_paths} paths x {self.n_periods} periods, "
                f"outputs={have})")


class _NoBar:
    """Stands in for a disabled tqdm bar."""

    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _validate_outputs(outputs) -> tuple[str, ...]:
    if isinstance(outputs, str):
        outputs = (outputs,)
    out = []
    for name in outputs:
        if name not in OUTPUTS:
            raise ParameterError("outputs", name, ", ".join(OUTPUTS),
                                 hint=did_you_mean(str(name), OUTPUTS))
        if name not in out:
            out.append(name)
    return tuple(out)


def _validate_kernel(kernel) -> bool:
    """True for ``"auto"`` (fast paths allowed), False for ``"general"``."""
    if kernel not in ("auto", "general"):
        raise ParameterError("kernel", kernel, "'auto' or 'general'")
    return kernel == "auto"


def _check_domain(nature, tables: _Tables) -> None:
    nature_kind = _kind(nature) if not isinstance(nature, DiscreteStates) else _DISCRETE
    if nature_kind != tables.kind:
        raise ParameterError(
            "nature", nature.spec(),
            "a DiscreteStates law when beliefs are DiscreteStates, a Beta or Mixture otherwise",
        )


def _state_index(states: np.ndarray, grid: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(grid, states)
    idx = np.minimum(idx, grid.size - 1)
    if not np.array_equal(grid[idx], states):
        bad = float(states[grid[idx] != states][0])
        raise ParameterError("nature", f"a draw s = {bad:g}",
                             f"states some agent's beliefs include: {list(grid)}")
    return idx.astype(np.int64)


def _allocate_outputs(outputs, n_paths, n_periods, n, k):
    shapes = {
        "shares": (n_paths, n_periods, n),
        "log_likelihood_ratio": (n_paths, n_periods),
        "log_joint_density": (n_paths, n_periods, n),
        "posteriors": (n_paths, n_periods, n, k),
        "log_prices": (n_paths, n_periods),
    }
    empty = {"shares": (0, 0, 0), "log_likelihood_ratio": (0, 0),
             "log_joint_density": (0, 0, 0), "posteriors": (0, 0, 0, 0), "log_prices": (0, 0)}
    total = 8 * n_paths * n_periods * (1 + sum(
        math.prod(shapes[o][2:]) for o in outputs))
    if total > MAX_OUTPUT_BYTES:
        raise ParameterError(
            "n_paths x n_periods", f"{n_paths} x {n_periods}",
            f"outputs of at most {MAX_OUTPUT_BYTES / 2**30:g} GiB "
            f"(these need {total / 2**30:.3g} GiB)",
            hint="request fewer outputs or simulate in several runs with different seeds",
        )
    arrays = {}
    for name in OUTPUTS:
        if name in outputs:
            arrays[name] = np.zeros(shapes[name]) if name == "posteriors" else np.empty(
                shapes[name])
        else:
            arrays[name] = np.empty(empty[name])
    return arrays


def simulate(economy: ExchangeEconomy, nature, n_paths: int, n_periods: int, *, seed,
             outputs=("shares", "log_likelihood_ratio"), progress: bool = False,
             kernel: str = "auto") -> SimulationResult:
    """Simulate `n_paths` histories of `n_periods` draws and the economy along them.

    Parameters
    ----------
    economy : ExchangeEconomy
        Agents' beliefs (fixed or learning, any number of models), Pareto
        weights, ``gamma``, discount, endowments.
    nature : Beta, Mixture, DiscreteStates or spec string
        Nature's iid law of ``s_t``.  DiscreteStates nature goes with
        DiscreteStates beliefs (probabilities), continuous with continuous.
    n_paths, n_periods : int
        ``N >= 1``, ``T >= 1``.
    seed : int or numpy.random.SeedSequence
        Root of the streams (block ``b`` of paths uses ``path_rng(seed, b)``).
    outputs : sequence of str
        Any of :data:`OUTPUTS`; the others are returned as None.
    progress : bool
        Show a tqdm bar (advances per chunk of paths; none when all paths fit one chunk).
    kernel : {"auto", "general"}
        ``"auto"`` takes the fastest kernel for the economy; ``"general"``
        forces the general kernel (learners carried by the predictive chain),
        a second route for checks.  Results agree to rounding.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ParameterError
        Invalid sizes, seed, outputs, or beliefs/nature of mixed kinds.
    SimulationError
        A draw where the model is undefined (a Beta draw rounded to 0 or 1,
        or a history all agents deem impossible).

    Examples
    --------
    >>> from foresight.derivations.blume_easley import Belief, ExchangeEconomy
    >>> from foresight.derivations.distributions import Beta
    >>> f, g = Beta(1.5, 1), Beta(1, 1.5)
    >>> e = ExchangeEconomy((Belief((f, g), (0.3, 0.7)), Belief((f, g), (0.7, 0.3))), (0.5, 0.5))
    >>> sim = simulate(e, f, 2, 5, seed=3, outputs=("shares", "posteriors"))
    >>> sim.posteriors.shape
    (2, 5, 2, 2)
    """
    if not isinstance(economy, ExchangeEconomy):
        raise ParameterError("economy", type(economy).__name__, "an ExchangeEconomy")
    nature = _as_nature(nature)
    n_paths = require_positive_int("n_paths", n_paths)
    n_periods = require_positive_int("n_periods", n_periods)
    outputs = _validate_outputs(outputs)
    fast_paths = _validate_kernel(kernel)
    from foresight.numerics.montecarlo import _Seed

    _Seed.parse(seed)  # validates the seed before any work
    tables = _tables(economy)
    _check_domain(nature, tables)
    arrays = _allocate_outputs(outputs, n_paths, n_periods, economy.n_agents, tables.max_models)
    states = np.empty((n_paths, n_periods))
    status = np.zeros(n_paths, dtype=np.int64)
    chunk_blocks = max(1, CHUNK_PATH_PERIODS // (n_periods * PATHS_PER_STREAM))
    chunk = chunk_blocks * PATHS_PER_STREAM
    from foresight.numerics.montecarlo import _progress_disable

    disable = _progress_disable(progress)
    if n_paths <= chunk:
        # One chunk: the bar could only jump from 0 to done; not worth tqdm.auto's
        # import (it loads asyncio), a tenth of a small run's start-up.
        disable = True
    if disable is True:
        bar = _NoBar()
    else:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_paths, unit="path", desc="simulate", disable=disable, leave=False)
    try:
        for lo in range(0, n_paths, chunk):
            hi = min(lo + chunk, n_paths)
            rows = states[lo:hi]
            _fill_blocks(rows, seed, lo // PATHS_PER_STREAM,
                         lambda rng, r: r.__setitem__(slice(None), _draw(nature, rng, r.shape)))
            _run_kernel(economy, tables, rows, arrays, lo, hi, status, fast_paths=fast_paths)
            bar.update(hi - lo)
    finally:
        bar.close()
    _raise_on_status(status, states, nature)
    return SimulationResult(
        economy=economy, nature=nature, seed=seed, n_paths=n_paths, n_periods=n_periods,
        states=states, **{name: (arrays[name] if name in outputs else None) for name in OUTPUTS},
    )


def _fixed_continuous(economy, tables: _Tables, fast_paths: bool) -> bool:
    """Every agent holds one fixed belief about continuous states."""
    return (fast_paths and tables.kind == _CONTINUOUS
            and tables.agent_model.shape[0] == economy.n_agents)


def _takes_split_route(economy, tables: _Tables, fast_paths: bool) -> bool:
    """Two agents with fixed single-Beta beliefs (the lecture's economy)."""
    return (_fixed_continuous(economy, tables, fast_paths) and tables.single_beta
            and economy.n_agents == 2)


def _run_kernel(economy, tables: _Tables, rows, arrays, lo, hi, status, *,
                fast_paths: bool = True) -> None:
    """Simulate paths ``lo:hi`` (their states `rows`) into the output `arrays`.

    `fast_paths` False sends every economy to the general kernel (tests
    compare the specialised kernels with it on the same draws).
    """
    index = (_state_index(rows, tables.grid) if tables.kind == _DISCRETE
             else np.zeros((0, 0), dtype=np.int64))
    log_pareto = np.log(np.asarray(economy.pareto_weights, dtype=float))
    common = (float(economy.gamma), math.log(economy.discount),
              float(economy.aggregate_endowment))
    if _takes_split_route(economy, tables, fast_paths):
        # Fixed Beta beliefs: NumPy's SIMD log/exp plus compiled running sums.
        from foresight.numerics.blume_easley.split_route import simulate_fixed_two_beta

        _fixed_posteriors(arrays, tables, economy.n_agents, lo, hi)
        c = tables.comp_start[tables.agent_model]
        simulate_fixed_two_beta(
            rows, tables.comp_a[c], tables.comp_b[c], tables.comp_lbeta[c], log_pareto, *common,
            *(_chunk(arrays[name], lo, hi) for name in OUTPUTS if name != "posteriors"),
            status[lo:hi],
        )
        return
    # numba is loaded only here: the split route above runs small cases without it
    import foresight.numerics.blume_easley.kernels as kernels
    # Two agents, single-Beta models, fixed or learning.  Priors below the
    # smallest normal float would make the scaled mixture sum lose precision.
    if (fast_paths and tables.single_beta and economy.n_agents == 2
            and tables.agent_prior_min >= _TINY):
        c = tables.comp_start[:-1]
        start, model = tables.agent_start, tables.agent_model
        pairs = model.tolist()
        rho_shared = bool(start[1] - start[0] == 2 and start[2] - start[1] == 2
                          and set(pairs[0:2]) == set(pairs[2:4]))
        block = max(1, min(16, (hi - lo) // (4 * _n_threads())))
        kernels._simulate_two_agent_beta_kernel(
            rows, tables.comp_a[c], tables.comp_b[c], tables.comp_lbeta[c], start, model,
            tables.agent_prior, tables.agent_slot, rho_shared, block, log_pareto, *common,
            *(_chunk(arrays[name], lo, hi) for name in OUTPUTS), status[lo:hi],
        )
    # Fixed beliefs on continuous states: a kernel without the learning machinery.
    elif _fixed_continuous(economy, tables, fast_paths):
        _fixed_posteriors(arrays, tables, economy.n_agents, lo, hi)
        kernels._simulate_fixed_kernel(
            rows, tables.comp_start, tables.comp_logw, tables.comp_a, tables.comp_b,
            tables.comp_lbeta, tables.agent_model, log_pareto, *common,
            *(_chunk(arrays[name], lo, hi) for name in OUTPUTS if name != "posteriors"),
            status[lo:hi],
        )
    else:
        kernels._simulate_kernel(
            rows, index, tables.kind, tables.comp_start, tables.comp_logw, tables.comp_a,
            tables.comp_b, tables.comp_lbeta, tables.table, tables.agent_start,
            tables.agent_model, tables.agent_logprior, tables.agent_slot, log_pareto, *common,
            *(_chunk(arrays[name], lo, hi) for name in OUTPUTS), status[lo:hi],
        )


def _fixed_posteriors(arrays, tables: _Tables, n_agents: int, lo: int, hi: int) -> None:
    if arrays["posteriors"].shape[0] > 0:
        for i in range(n_agents):  # one model each: posterior one on it
            arrays["posteriors"][lo:hi, :, i, tables.agent_slot[i]] = 1.0


def simulate_on_states(economy: ExchangeEconomy, states, *,
                       outputs=("shares", "log_likelihood_ratio"),
                       kernel: str = "auto") -> SimulationResult:
    """Run the simulator on given draws ``states`` (N, T) instead of sampling them.

    For comparisons on the same draws (other implementations, other
    economies) and for timing the kernels alone.  Continuous beliefs need
    states in (0, 1); DiscreteStates beliefs need states among their values.
    `outputs` and `kernel` as in :func:`simulate`.

    Examples
    --------
    >>> import numpy as np
    >>> from foresight.numerics.blume_easley import lecture_economy
    >>> e = lecture_economy("beta(1,1)", "beta(3,1.2)")
    >>> r = simulate_on_states(e, np.array([[0.5, 0.25]]))
    >>> [round(float(v), 6) for v in r.log_likelihood_ratio[0]]
    [0.084141, 1.473484]
    >>> g = simulate_on_states(e, np.array([[0.5, 0.25]]), kernel="general")
    >>> bool((g.log_likelihood_ratio == r.log_likelihood_ratio).all())
    True
    """
    if not isinstance(economy, ExchangeEconomy):
        raise ParameterError("economy", type(economy).__name__, "an ExchangeEconomy")
    states = np.ascontiguousarray(states, dtype=float)
    if states.ndim != 2 or states.shape[0] < 1 or states.shape[1] < 1:
        raise ParameterError("states", f"array of shape {states.shape}",
                             "a 2-d array (paths, periods) with both sizes >= 1")
    outputs = _validate_outputs(outputs)
    fast_paths = _validate_kernel(kernel)
    tables = _tables(economy)
    if not _takes_split_route(economy, tables, fast_paths):
        _require_finite(states)
    # else: the split route flags every draw outside (0, 1), NaN and inf included,
    # in the pass it makes anyway (a separate pass here was 5-8 % of a 10**6 run);
    # _raise_on_status then raises the same ParameterError.
    n_paths, n_periods = states.shape
    arrays = _allocate_outputs(outputs, n_paths, n_periods, economy.n_agents, tables.max_models)
    status = np.zeros(n_paths, dtype=np.int64)
    _run_kernel(economy, tables, states, arrays, 0, n_paths, status, fast_paths=fast_paths)
    _raise_on_status(status, states, None)
    return SimulationResult(
        economy=economy, nature=None, seed=None, n_paths=n_paths, n_periods=n_periods,
        states=states, **{name: (arrays[name] if name in outputs else None) for name in OUTPUTS},
    )


def _chunk(array: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return array[lo:hi] if array.shape[0] > 0 else array


def _require_finite(states: np.ndarray) -> None:
    # A finite sum has no inf or NaN term; only an overflowing sum needs the
    # element-wise test (one pass over the draws instead of two).
    with np.errstate(over="ignore"):
        total = float(states.sum())
    if not math.isfinite(total) and not np.isfinite(states).all():
        raise ParameterError("states", "non-finite values", "finite numbers")


def _raise_on_status(status: np.ndarray, states: np.ndarray, nature) -> None:
    bad = np.flatnonzero(status)
    if bad.size == 0:
        return
    _require_finite(states[bad])  # given draws that are NaN or inf: the caller's error
    p = int(bad[0])
    of = f" of {nature.spec()}" if nature is not None else ""
    if status[p] == _NOT_FINITE:
        raise SimulationError(
            f"path {p}: a log density is not finite (a draw{of} rounded to the "
            "boundary of (0, 1), or a Beta density infinite there); "
            f"{bad.size} path(s) affected — use Beta parameters that keep draws inside (0, 1)"
        )
    raise SimulationError(
        f"path {p}: every agent assigns probability zero to the drawn history, so no price "
        f"exists ({bad.size} path(s) affected); give some agent positive probability on "
        "every state nature can draw"
    )

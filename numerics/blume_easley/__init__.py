"""Simulate the Blume–Easley economy on N paths x T periods (numba, log space).

Agents hold fixed beliefs or learn by Bayes' law over a finite set of models;
nature draws ``s_t`` iid from a Beta, a Beta mixture or a
:class:`~foresight.derivations.blume_easley.DiscreteStates` law.  For every
path and date the simulator carries each agent's log joint density
``log pi^i_t(s^t)`` as the chain of one-step predictive densities (the belief
that prices ``s_t`` is the posterior from ``s^{t-1}``), and evaluates the
planner's allocation and the competitive price with the generated kernels of
:mod:`foresight.numerics.generated.blume_easley`:

* ``z_i = log_allocation_weight(log lambda_i, log pi^i_t, gamma)``;
* shares ``c_i / Y`` = ``consumption_shares_from_weight_gap`` (two agents, one
  exponential) or ``consumption_share_softmax`` (n agents) — finite for any
  ``T`` because only differences of log weights are exponentiated;
* ``log p_t = log_state_price(t, log delta, log sum_j exp z_j, gamma, Y)``.

Random numbers: paths are grouped in blocks of :data:`PATHS_PER_STREAM`; block
``b`` draws its ``(paths, T)`` states from
``foresight.numerics.montecarlo.path_rng(seed, b)`` (the ``b``-th child of
``SeedSequence(seed)``).  Blocks are sampled on a thread pool and paths are
simulated with ``numba.prange``; neither the number of sampling threads nor
the number of numba threads changes any result.

Kernels: two agents with fixed single-Beta beliefs (the lecture's economy)
take the split route of :mod:`.split_route`: NumPy's SIMD ``log``/``exp`` on
cache-sized blocks, running sums and shares in compiled, vectorised stages
calling the generated formulas, blocks shared out to the calling thread and a
pool of helpers; a small run
(<= 2**15 path-periods) does the same arithmetic with NumPy and the numba-free
generated twins, so a small ``foresight simulate`` never loads numba (same
numbers bit for bit).  Two learners whose models are single Betas (Exercises
23.2-23.4) take :func:`_simulate_two_agent_beta_kernel`: cumulative
log-likelihoods per model and Bayes' law on the whole history (``log pi = r +
log sum_k w_k exp(l_k - r)``), dates in passes so that libm calls overlap,
equal to the general kernel to rounding.  Other fixed beliefs take
:func:`_simulate_fixed_kernel`; everything else (n agents, Beta-mixture
models, DiscreteStates) the general :func:`_simulate_kernel`, which carries
each learner's posterior from date to date (the one-step predictive chain).
The compiled kernels are imported on first use.

Cost (``benchmarks/bench_fixed_fast.py``, ``benchmarks/bench_blume_easley.py``):
two agents with fixed Beta beliefs about 5.5-8 ns per path-period on this
project's 2-core CI machine at 10**4 x 100, two threads, about 8.5-11 on one
(the general kernel on the same beliefs 21-35, the lecture's own code 135-190); two learners over
the same two models about 50 ns (AMD EPYC znver2, one thread), two models
against three about 85 ns; the general kernel about 105-125 ns; sampling a
Beta draw 25-60 ns.  First calls compile the kernels (a few seconds each,
then cached on disk).

Examples
--------
>>> from foresight.derivations.distributions import Beta, Mixture
>>> econ = lecture_economy(Beta(1, 1), Beta(3, 1.2))
>>> h = Mixture((0.5, 0.5), (Beta(1, 1), Beta(3, 1.2)))
>>> sim = simulate(econ, h, n_paths=4, n_periods=3, seed=0)
>>> sim.shares.shape, sim.log_likelihood_ratio.shape, sim.log_prices is None
((4, 3, 2), (4, 3), True)
>>> bool(abs(sim.shares.sum(axis=-1) - 1).max() < 1e-15)
True
"""


from __future__ import annotations

# ruff: noqa: F401  (re-exports: private helpers used by numerics/budget.py, event_tree.py)
# One concept per module; this package re-exports the public names (and the
# private helpers other numerics modules use) so imports stay unchanged.
from foresight.numerics.blume_easley.constants import (
    _CONTINUOUS,
    _DISCRETE,
    _NOT_FINITE,
    _TINY,
    _ZERO_DENSITY,
    CHUNK_PATH_PERIODS,
    MAX_OUTPUT_BYTES,
    OUTPUTS,
    PATHS_PER_STREAM,
    PERIODS_PER_PASS,
    SimulationError,
)
from foresight.numerics.blume_easley.economies import lecture_economy
from foresight.numerics.blume_easley.limits import learning_limits_float
from foresight.numerics.blume_easley.moments import (
    ShareSummary,
    final_share_summary,
    first_passage,
    lecture_timing_shares,
    log_ratio_moments,
    mean_drift,
)
from foresight.numerics.blume_easley.sampling import (
    _beta_draws,
    _draw,
    _fill_blocks,
    _n_threads,
    sample_states,
)
from foresight.numerics.blume_easley.simulation import (
    SimulationResult,
    simulate,
    simulate_on_states,
)
from foresight.numerics.blume_easley.tables import _kind, _Tables, _tables

__all__ = [
    "OUTPUTS",
    "PATHS_PER_STREAM",
    "SimulationError",
    "SimulationResult",
    "lecture_economy",
    "learning_limits_float",
    "lecture_timing_shares",
    "log_ratio_moments",
    "ShareSummary",
    "final_share_summary",
    "first_passage",
    "mean_drift",
    "sample_states",
    "simulate",
    "simulate_on_states",
]

# The compiled kernels load numba (half a second); a small fixed-belief run
# never needs them, so they are imported on first use.
_LAZY_KERNELS = ("_simulate_fixed_kernel", "_simulate_kernel", "_simulate_two_agent_beta_kernel")


def __getattr__(name: str):
    if name in _LAZY_KERNELS or name == "kernels":
        import importlib

        # import_module, not "from . import kernels": that would ask this hook again
        kernels = importlib.import_module(f"{__name__}.kernels")
        return kernels if name == "kernels" else getattr(kernels, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

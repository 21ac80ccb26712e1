"""Sizes, status codes and the error type shared by the Blume–Easley simulator."""



import numpy as np

from foresight.errors import (
    ForesightError,
)

#: Paths that share one random stream (block ``b`` uses ``path_rng(seed, b)``).
PATHS_PER_STREAM = 256
#: Output arrays :func:`simulate` can return besides ``states``.
OUTPUTS = ("shares", "log_likelihood_ratio", "log_joint_density", "posteriors", "log_prices")
#: Largest total size of the requested arrays (bytes) before simulate refuses.
MAX_OUTPUT_BYTES = 8 * 2**30
#: Path-periods simulated per chunk (bounds the step of the progress bar).
CHUNK_PATH_PERIODS = 2**22
#: Dates per pass of the two-agent kernel (its work arrays are this wide).
PERIODS_PER_PASS = 64

# Status codes written by the kernels (0 = fine).
_ZERO_DENSITY = 1  # every agent gives the drawn history density zero: no price
_NOT_FINITE = 2  # a log density is +inf or NaN (a draw on the boundary of (0, 1))

_CONTINUOUS, _DISCRETE = 0, 1
_TINY = float(np.finfo(float).tiny)  # smallest normal float


class SimulationError(ForesightError, RuntimeError):
    """A simulated path left the domain where the model is defined."""

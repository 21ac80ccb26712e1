"""Generated numba kernels. Do not edit: run `foresight generate`."""

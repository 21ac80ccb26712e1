"""Special functions for generated kernels that numba's ``math`` does not provide.

The code printer in :mod:`foresight.derivations.codegen` maps SymPy's
``digamma`` and ``logaddexp`` here (SciPy's ``psi`` cannot be called from
``@njit`` code, and the default printers emit names numba does not know).
The implementations live in :mod:`foresight.numerics.special_py` (plain
Python, used by the numba-free twins of the generated modules); this module
compiles them.

Examples
--------
>>> round(digamma(1.0), 12)  # -Euler's gamma
-0.577215664902
>>> round(logaddexp(1000.0, 1000.0) - 1000.0, 12)
0.69314718056
"""

from __future__ import annotations

from numba import njit

from foresight.numerics import special_py

digamma = njit(cache=True)(special_py.digamma)
logaddexp = njit(cache=True)(special_py.logaddexp)

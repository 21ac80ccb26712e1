"""Numerical solvers and simulators (numba/numpy) that call generated kernels.

Nothing here types a model formula: the formulas come from
``foresight.numerics.generated``, written by ``foresight generate`` from the
SymPy derivations.  Nothing compiles at import time.
"""

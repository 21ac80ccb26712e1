"""foresight: markets without rational expectations, derived, compiled, verified, reported.

The package is four layers, each a folder at the repository root::

    foresight.derivations   SymPy: model statements -> FOCs, closed forms, limits
    foresight.numerics      numba: simulators and solvers calling generated kernels
    foresight.verify        checks: theory vs an independent numerical route
    foresight.reports       LaTeX/PDF, figures, the ``foresight`` command line

Dependencies flow downwards only.  Importing :mod:`foresight` is cheap: the
layers load on first attribute access.

Examples
--------
>>> import foresight
>>> foresight.__version__
'0.1.0'
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAYERS = ("derivations", "numerics", "verify", "reports")


def __getattr__(name: str):
    if name in _LAYERS:
        return importlib.import_module(f"foresight.{name}")
    raise AttributeError(f"module 'foresight' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAYERS])

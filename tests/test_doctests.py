"""Run every module's docstring examples, imported under its package name.

(``pytest --doctest-modules`` on the folders would import ``numerics.special``
instead of ``foresight.numerics.special``, and numba would then cache
functions under a module name that does not exist at run time.)
"""

import doctest
import importlib
import pkgutil

import pytest

import foresight

PACKAGES = ["foresight", "foresight.derivations", "foresight.numerics", "foresight.verify",
            "foresight.reports"]


def _modules():
    names = set(PACKAGES)
    for package in PACKAGES[1:]:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=package + "."):
            names.add(info.name)
    names.add("foresight.errors")
    return sorted(n for n in names if not n.endswith("__main__"))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_package_version():
    assert foresight.__version__

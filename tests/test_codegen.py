"""Code generation: printer coverage under numba, determinism, staleness."""

import importlib
import importlib.util
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.codegen.numpy_nodes import logaddexp

from foresight.derivations import codegen
from foresight.derivations.codegen import CodegenError, Kernel, KernelModule, NumbaPrinter

x, y = sp.symbols("x y", positive=True)

# Every function in the printer's table, with a point and SciPy/math reference.
SUPPORTED = [
    (sp.exp(x), lambda a, b: math.exp(a)),
    (sp.log(x), lambda a, b: math.log(a)),
    (sp.sqrt(x), lambda a, b: math.sqrt(a)),
    (1 / sp.sqrt(x), lambda a, b: 1 / math.sqrt(a)),
    (sp.Abs(x - y), lambda a, b: abs(a - b)),
    (sp.gamma(x), lambda a, b: math.gamma(a)),
    (sp.loggamma(x), lambda a, b: math.lgamma(a)),
    (sp.digamma(x), None),  # reference: scipy.special.psi below
    (sp.tanh(x), lambda a, b: math.tanh(a)),
    (sp.floor(x), lambda a, b: math.floor(a)),
    (sp.ceiling(x), lambda a, b: math.ceil(a)),
    (log1p(x), lambda a, b: math.log1p(a)),
    (expm1(x), lambda a, b: math.expm1(a)),
    (logaddexp(x, y), lambda a, b: math.log(math.exp(a) + math.exp(b))),
    (sp.Max(x, y, 1), lambda a, b: max(a, b, 1)),
    (sp.Min(x, y), lambda a, b: min(a, b)),
    (sp.Piecewise((x, x < y), (y, True)), lambda a, b: a if a < b else b),
    (sp.Rational(1, 3) * x ** sp.Rational(3, 2), lambda a, b: a**1.5 / 3),
    (sp.pi * sp.E * x, lambda a, b: math.pi * math.e * a),
]


@pytest.fixture(scope="module")
def supported_module(tmp_path_factory):
    """All supported functions written as a real generated module and imported."""
    kernels = tuple(Kernel(f"k{i}", (x, y), e, str(e)) for i, (e, _) in enumerate(SUPPORTED))
    text = codegen.render_module(KernelModule("supported", "tests", "printer coverage", kernels))
    path = tmp_path_factory.mktemp("generated") / "supported_functions.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("supported_functions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("expr,reference", SUPPORTED, ids=[str(e)[:30] for e, _ in SUPPORTED])
def test_every_supported_function_compiles_under_numba(expr, reference, supported_module):
    from scipy.special import psi

    index = [e for e, _ in SUPPORTED].index(expr)
    kernel = getattr(supported_module, f"k{index}")
    for a, b in [(0.7, 1.3), (2.5, 0.4), (11.0, 3.0)]:
        expected = psi(a) if reference is None else reference(a, b)
        assert kernel(a, b) == pytest.approx(expected, rel=1e-13, abs=1e-14)


def test_unsupported_function_is_an_error_not_a_fallback():
    with pytest.raises(CodegenError, match="erf"):
        codegen.render_kernel(Kernel("k", (x, y), sp.erf(x), "erf is not in the table"))


def test_free_symbol_not_an_argument_is_an_error():
    z = sp.Symbol("z")
    with pytest.raises(CodegenError, match="free symbols"):
        codegen.render_kernel(Kernel("k", (x,), x + z, "z missing"))


def test_error_model_is_printed_and_checked():
    """The NumPy error model (no raising branch per division) is opt-in per kernel."""
    assert codegen.render_kernel(Kernel("k", (x, y), x / y, "ratio")).startswith(
        "@njit(cache=True)\n")
    text = codegen.render_kernel(Kernel("k", (x, y), x / y, "ratio", error_model="numpy"))
    assert text.startswith('@njit(cache=True, error_model="numpy")\n')
    assert "@njit" not in codegen.render_kernel(
        Kernel("k", (x, y), x / y, "ratio", error_model="numpy"), compiled=False)
    with pytest.raises(CodegenError, match="error_model 'c'"):
        Kernel("k", (x, y), x / y, "ratio", error_model="c")


def test_digamma_kernel_accuracy_over_range():
    from scipy.special import psi

    from foresight.numerics.special import digamma

    for v in [1e-3, 0.1, 0.5, 1.0, 1.5, 3.0, 9.99, 10.0, 50.0, 1e4, -0.5, -2.5]:
        assert digamma(v) == pytest.approx(psi(v), rel=2e-14, abs=1e-14)
    assert math.isnan(digamma(0.0)) and math.isnan(digamma(-3.0))


@pytest.mark.parametrize("stem", sorted({*codegen.GENERATED_MODULES, *codegen.PYTHON_TWINS}))
def test_checked_in_generated_module_is_current(stem):
    """Fails when a derivation changed without `foresight generate` (twins included)."""
    spec = codegen.load_module_spec(stem)
    expected = codegen.render_module(spec, compiled=stem not in codegen.PYTHON_TWINS)
    actual = (codegen.generated_dir() / f"{stem}.py").read_text()
    assert actual == expected, f"numerics/generated/{stem}.py is stale: run `foresight generate`"


@pytest.mark.parametrize("stem,old,new", [("blume_easley", "return", "return  "),
                                          ("blume_easley_py", "(b - 1)", "(b - 2)")])
def test_stale_check_detects_an_edited_file(tmp_path, monkeypatch, stem, old, new):
    original = (codegen.generated_dir() / f"{stem}.py").read_text()
    (tmp_path / f"{stem}.py").write_text(original.replace(old, new, 1))
    monkeypatch.setattr(codegen, "generated_dir", lambda: tmp_path)
    assert codegen.generate([stem], check=True) == [stem]


def test_generating_an_unknown_stem_is_an_error():
    with pytest.raises(CodegenError, match="no generated module"):
        codegen.generate(["blume_easley_typo"], check=True)


def test_generation_is_deterministic_across_hash_seeds():
    code = (
        "from foresight.derivations import codegen;"
        "import hashlib;"
        "print(hashlib.sha256(codegen.render_module(codegen.load_module_spec('blume_easley'))"
        ".encode()).hexdigest())"
    )
    digests = set()
    for seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                             capture_output=True, text=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_module_header_hash_matches_body():
    import hashlib

    module = KernelModule("demo", "tests", "demo", (Kernel("f", (x,), x**2, "square"),))
    text = codegen.render_module(module)
    header, digest_line, body = text.split("\n", 2)
    assert digest_line == "# content-sha256: " + hashlib.sha256(body.encode()).hexdigest()


def test_printer_rationals_are_float_division():
    assert NumbaPrinter().doprint(sp.Rational(1, 3) * x) == "(1.0/3.0)*x"


@pytest.mark.parametrize("twin", sorted(codegen.PYTHON_TWINS))
def test_numba_free_twins_compute_what_the_compiled_kernels_compute(twin):
    """Same functions, same text: arithmetic-only kernels agree bit for bit; those calling
    lgamma/digamma to rounding (CPython's lgamma is not libm's)."""
    import inspect

    twin_module = importlib.import_module(f"foresight.numerics.generated.{twin}")
    compiled = importlib.import_module(
        f"foresight.numerics.generated.{codegen.PYTHON_TWINS[twin]}")
    rng = np.random.default_rng(3)
    names = [n for n, f in vars(twin_module).items()
             if inspect.isfunction(f) and f.__module__ == twin_module.__name__]
    assert names and not any(hasattr(getattr(twin_module, n), "py_func") for n in names)
    for name in names:
        plain, jitted = getattr(twin_module, name), getattr(compiled, name)
        source = inspect.getsource(jitted.py_func).strip()
        assert source.startswith("@njit(cache=True") and source.split("\n", 1)[0].endswith(")")
        assert inspect.getsource(plain).strip() == source.split("\n", 1)[1]
        n_args = len(inspect.signature(plain).parameters)
        for _ in range(20):
            # inside every kernel's domain: outside it numba's ** gives NaN, Python's a complex
            args = [float(v) for v in rng.uniform(0.05, 0.95, n_args)]
            want, got = jitted(*args), plain(*args)
            if "lgamma" in inspect.getsource(plain) or "digamma" in inspect.getsource(plain):
                np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
            else:
                np.testing.assert_array_equal(np.asarray(got), np.asarray(want))

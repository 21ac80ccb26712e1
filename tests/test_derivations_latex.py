"""Issue 12: every derivation's ``_repr_latex_`` compiles with pdflatex and reads as mathematics."""

import re
import shutil
import subprocess

import pytest

from foresight.derivations import blume_easley as be


def _derivations():
    from foresight.derivations.capacity import capacity_derivation
    from foresight.derivations.kl import beta_kl_derivation
    from foresight.derivations.krusell_smith import (
        employment_chain_derivation,
        firm_derivation,
        household_derivation,
        steady_state_derivation,
    )
    from foresight.derivations.quality_ladder import quality_ladder_derivation

    return {
        "planner_allocation(2, 1)": lambda: be.planner_allocation(2, 1),
        "planner_allocation(3, 2)": lambda: be.planner_allocation(3, 2),
        "planner_allocation(2, symbolic)": lambda: be.planner_allocation(2, "symbolic"),
        "two_agent_allocation(1)": lambda: be.two_agent_allocation(1),
        "two_agent_allocation(symbolic)": lambda: be.two_agent_allocation("symbolic"),
        "competitive_prices(2, 1)": lambda: be.competitive_prices(2, 1),
        "competitive_prices(2, symbolic)": lambda: be.competitive_prices(2, "symbolic"),
        "negishi_weights(2)": lambda: be.negishi_weights(2),
        "bayesian_learning(2)": lambda: be.bayesian_learning(2),
        "beta_kl_derivation": beta_kl_derivation,
        "capacity_derivation": capacity_derivation,
        "quality_ladder_derivation": quality_ladder_derivation,
        "firm_derivation": firm_derivation,
        "household_derivation": household_derivation,
        "employment_chain_derivation": employment_chain_derivation,
        "steady_state_derivation": steady_state_derivation,
    }


@pytest.fixture(scope="module")
def reprs():
    return {name: make()._repr_latex_() for name, make in _derivations().items()}


# \text{...} holding a raw _ or ^ ("Missing $ inserted"), a word glued to a
# subscript (log_{joint density}, lambda_{1,t} without the backslash), rows
# that read "True".
_TEXT_WITH_SCRIPT = re.compile(r"\\text\{[^{}]*[_^][^{}]*\}")
_LEAKED_NAME = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}_\{")


def test_no_raw_scripts_in_text_no_leaked_names_no_true_rows(reprs):
    for name, tex in reprs.items():
        assert not _TEXT_WITH_SCRIPT.search(tex), (name, _TEXT_WITH_SCRIPT.search(tex))
        assert not _LEAKED_NAME.search(tex), (name, _LEAKED_NAME.search(tex))
        assert r"\text{True}" not in tex and r"\text{False}" not in tex, name
        assert "{joint density}" not in tex and "log_{" not in tex, name


def test_proper_symbols(reprs):
    assert r"\lambda_{1,t}" in reprs["planner_allocation(2, 1)"]
    assert r"\log\pi^{i}_{t}" in reprs["planner_allocation(2, 1)"]
    assert r"\pi^{1}_{0}" in reprs["bayesian_learning(2)"]
    assert r"\text{holds (verified symbolically)}" in reprs["bayesian_learning(2)"]


def test_result_keys_are_listed_in_the_repr(reprs):
    for name, make in _derivations().items():
        d = make()
        listed = reprs[name].rsplit(r"\text{Result keys: }", 1)[1]
        for key in d.keys():
            assert key.replace("_", r"\_") in listed, (name, key)


def _compile(tex_bodies: dict, tmp_path) -> subprocess.CompletedProcess:
    doc = [r"\documentclass{article}", r"\usepackage{amsmath,amssymb}",
           r"\usepackage[margin=1cm,paperwidth=60cm,paperheight=80cm]{geometry}",
           r"\begin{document}"]
    for name, body in tex_bodies.items():
        doc += [f"% {name}", body, r"\clearpage"]
    doc.append(r"\end{document}")
    (tmp_path / "d.tex").write_text("\n".join(doc))
    return subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex not installed (CI installs TeX)")
def test_every_derivation_compiles_with_pdflatex(reprs, tmp_path):
    run = _compile(reprs, tmp_path)
    if run.returncode != 0:  # name every derivation that fails on its own
        failing = {}
        for name, body in reprs.items():
            one = tmp_path / re.sub(r"\W+", "_", name)
            one.mkdir()
            single = _compile({name: body}, one)
            if single.returncode != 0:
                failing[name] = [ln for ln in single.stdout.splitlines() if ln.startswith("!")]
        pytest.fail(f"pdflatex failed for {failing}")
    assert (tmp_path / "d.pdf").exists()


def test_derivation_functions_document_parameters_and_every_result_key():
    from foresight.derivations.kl import beta_kl_derivation
    from foresight.derivations.krusell_smith import steady_state_derivation

    with_parameters = {
        be.planner_allocation: be.planner_allocation(2, 1),
        be.two_agent_allocation: be.two_agent_allocation(1),
        be.competitive_prices: be.competitive_prices(2, 1),
        be.negishi_weights: be.negishi_weights(2),
        be.bayesian_learning: be.bayesian_learning(2),
    }
    for fn, d in with_parameters.items():
        doc = fn.__doc__
        assert "Parameters\n    ----------" in doc, fn.__name__
        assert "Returns\n    -------" in doc, fn.__name__
        assert [k for k in d.keys() if f"``{k}``" not in doc] == [], fn.__name__
    for fn in (beta_kl_derivation, steady_state_derivation):
        assert [k for k in fn().keys() if f"``{k}``" not in fn.__doc__] == [], fn.__name__

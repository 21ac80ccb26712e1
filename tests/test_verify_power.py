"""Issue 10, item 2: statistical checks state a detectable error and reject it; a band
10x too wide (a mis-scaled standard error) fails."""

from __future__ import annotations

import math

import numpy as np

from foresight.verify import blume_easley as vbe
from foresight.verify.check import compare_close, power_checks


def _walk(scale_se=1.0, n_paths=400, n_periods=50, seed=0):
    rng = np.random.default_rng(seed)
    sigma, gap = 0.7, 0.1
    steps = gap + sigma * rng.standard_normal((n_paths, n_periods))
    return steps.sum(axis=1), n_periods, gap, sigma**2 * scale_se**2


def test_drift_companions_pass_on_honest_band():
    final, t, gap, var = _walk()
    assert vbe.check_drift_vs_kl_gap(final, t, gap, var).passed
    assert all(r.passed for r in vbe.drift_power(final, t, gap, var))


def test_drift_band_ten_times_too_wide_fails():
    final, t, gap, var = _walk(scale_se=10.0)
    # The main check passes (a vacuous band passes everything) ...
    assert vbe.check_drift_vs_kl_gap(final, t, gap, var).passed
    # ... and the suite fails through the standard-error companion.
    power, scale = vbe.drift_power(final, t, gap, var)
    assert not scale.passed


def test_drift_rejects_its_detectable_error():
    final, t, gap, var = _walk()
    se = math.sqrt(var / (final.size * t))
    shifted = final + (vbe.Z_CRITICAL + 2) * se * t
    assert not vbe.check_drift_vs_kl_gap(shifted, t, gap, var).passed


def test_power_companion_fails_for_a_check_that_never_rejects():
    def vacuous(shift):
        return compare_close("demo", "x = 0", 0.0, shift, atol=math.inf, basis="none")

    power, _ = power_checks("demo", vacuous, 1.0, 1.0, 1.0, replicates=100, basis_empirical="x")
    assert not power.passed


def test_budget_standard_error_scale_detects_misscaling():
    se = np.array([0.01, 0.02])
    ok = power_checks("b", lambda s: compare_close("b", "0", 0.0, s, atol=0.05, basis="CLT"),
                      0.07, se, se * 1.2, replicates=16, basis_empirical="reps")
    assert all(r.passed for r in ok)
    bad = power_checks("b", lambda s: compare_close("b", "0", 0.0, s, atol=0.5, basis="CLT"),
                       0.7, se * 10, se, replicates=16, basis_empirical="reps")
    assert not bad[1].passed

"""Piecewise-linear policies: evaluation kernels shared by the solver and the simulators.

A consumption policy is stored as nodes ``(m_k, c_k)`` of cash on hand and
consumption, increasing in ``m``, first node ``(0, 0)`` (the borrowing limit),
linear between nodes and extrapolated linearly beyond the last one.  Under a
law of motion a household has one such curve per point of the capital grid;
in between, consumption is linear in K:
``c(m, K) = (1 - theta) c_i(m) + theta c_{i+1}(m)``.  The solver, the
histogram, the agents and the checks all evaluate policies through these
kernels, so they all use one and the same function ``c(m, K)``.
"""

from __future__ import annotations

from numba import njit

__all__ = ["interp_walk", "interp_search", "locate", "interp_sorted"]


@njit(cache=True, inline="always")
def interp_walk(xp, fp, x, start):
    """Linear interpolation of ``(xp, fp)`` at `x`, searching from index `start`.

    Returns ``(value, index)``; pass the index back for the next, larger `x`
    (a monotone sweep costs O(len(xp) + number of points)).
    """
    n = xp.size
    i = start
    while i < n - 2 and xp[i + 1] < x:
        i += 1
    while i > 0 and x < xp[i]:
        i -= 1
    t = (x - xp[i]) / (xp[i + 1] - xp[i])
    return fp[i] + t * (fp[i + 1] - fp[i]), i


@njit(cache=True, inline="always")
def interp_search(xp, fp, x):
    """Linear interpolation at one `x` by bisection (extrapolates linearly at both ends)."""
    lo, hi = 0, xp.size - 1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if xp[mid] <= x:
            lo = mid
        else:
            hi = mid
    t = (x - xp[lo]) / (xp[lo + 1] - xp[lo])
    return fp[lo] + t * (fp[lo + 1] - fp[lo])


@njit(cache=True)
def locate(grid, x):
    """``(i, theta)`` with ``x = (1 - theta) grid[i] + theta grid[i + 1]``.

    ``0 <= i <= len(grid) - 2``; `theta` leaves [0, 1] when `x` is outside the
    grid (linear extrapolation).
    """
    lo, hi = 0, grid.size - 1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if grid[mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo, (x - grid[lo]) / (grid[lo + 1] - grid[lo])


@njit(cache=True)
def interp_sorted(xp, fp, x, out):
    """``out[k] = interpolation of (xp, fp) at x[k]`` for increasing `x`."""
    s = 0
    for k in range(x.size):
        out[k], s = interp_walk(xp, fp, x[k], s)
    return out

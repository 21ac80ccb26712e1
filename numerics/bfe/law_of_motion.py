"""Laws of motion as data: for each individual state, destinations and probabilities.

A model's individual dynamics under a policy is written once, as two arrays
over the (flattened) individual states ``x``:

* ``destinations[x, d]``: the index of the ``d``-th state ``x`` can move to;
* ``probabilities[x, d]``: the probability of that move.

The same pair drives every use of the dynamics, so they cannot disagree:

* :func:`push` / :func:`push_row` -- the population one period on (equation (1)
  of Islah & Light 2025, the forward direction);
* :func:`expectation` -- ``E[v(x') | x]`` (the backward direction);
* :func:`transition_matrix` -- the chain as a (sparse) matrix, for
  :func:`foresight.numerics.markov.stationary_distribution`;
* :func:`draw` -- one step of ``n`` agents, one uniform each (inverse CDF over
  the destinations in their listed order).

A ladder state has three destinations (down, stay, up; a move off the ladder
is a stay, by clamping the index); a Krusell-Smith (employment, assets) point
has four (two asset-grid neighbours of Young's lottery times two employment
states).  This is the design of sequence-jacobian's lottery, which serves both
directions from one set of indices and weights.

Examples
--------
>>> dest = np.array([[0, 0, 1], [0, 1, 1]])
>>> prob = np.array([[0.2, 0.5, 0.3], [0.4, 0.6, 0.0]])
>>> push(np.array([[1.0, 0.0]]), dest[None], prob[None]).tolist()
[[0.7, 0.3]]
>>> expectation(np.array([10.0, 20.0]), dest, prob).tolist()
[13.0, 16.0]
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["push_row", "push", "expectation", "transition_matrix", "draw"]


@njit(cache=True)
def push_row(mass, destinations, probabilities, out):
    """Add to `out` the distribution `mass` (over flattened states) moved one period."""
    for x in range(mass.shape[0]):
        m = mass[x]
        if m == 0.0:
            continue
        for d in range(destinations.shape[1]):
            out[destinations[x, d]] += m * probabilities[x, d]


@njit(cache=True)
def push(population, destinations, probabilities):
    """A batch of distributions ``(k, n)`` one period on; dynamics ``(k, n, d)`` per node."""
    out = np.zeros(population.shape)
    for k in range(population.shape[0]):
        push_row(population[k], destinations[k], probabilities[k], out[k])
    return out


@njit(cache=True)
def expectation(values, destinations, probabilities):
    """``E[v(x') | x] = sum_d p[x, d] v(dest[x, d])`` for every state ``x``."""
    out = np.zeros(destinations.shape[0])
    for x in range(destinations.shape[0]):
        acc = 0.0
        for d in range(destinations.shape[1]):
            acc += probabilities[x, d] * values[destinations[x, d]]
        out[x] = acc
    return out


@njit(cache=True)
def _dense_matrix(destinations, probabilities, n_to):
    out = np.zeros((destinations.shape[0], n_to))
    for x in range(destinations.shape[0]):
        for d in range(destinations.shape[1]):
            out[x, destinations[x, d]] += probabilities[x, d]
    return out


def transition_matrix(destinations, probabilities, *, sparse: bool = False):
    """The law of motion as a row-stochastic matrix ``T[x, x']``.

    ``sparse=True`` returns a ``scipy.sparse.csr_matrix`` (duplicate
    destinations summed), for large state spaces.

    Examples
    --------
    >>> transition_matrix(np.array([[0, 0], [0, 1]]), np.array([[0.5, 0.5], [0.1, 0.9]]))
    array([[1. , 0. ],
           [0.1, 0.9]])
    """
    dest = np.ascontiguousarray(destinations, dtype=np.int64)
    prob = np.ascontiguousarray(probabilities, dtype=float)
    n = dest.shape[0]
    if not sparse:
        return _dense_matrix(dest, prob, n)
    from scipy import sparse as sp

    rows = np.repeat(np.arange(n), dest.shape[1])
    return sp.csr_matrix((prob.ravel(), (rows, dest.ravel())), shape=(n, n))


@njit(cache=True)
def draw(states, destinations, probabilities, uniforms):
    """Each agent at ``states[i]`` moves with its own uniform ``uniforms[i]``.

    Inverse CDF over the destinations in their listed order; a uniform beyond
    the cumulative sum (round-off) takes the last destination.
    """
    out = np.empty_like(states)
    n_d = destinations.shape[1]
    for i in range(states.shape[0]):
        x = states[i]
        u = uniforms[i]
        acc = 0.0
        out[i] = destinations[x, n_d - 1]
        for d in range(n_d - 1):
            acc += probabilities[x, d]
            if u < acc:
                out[i] = destinations[x, d]
                break
    return out

"""Stationary distributions of Markov chains: the one routine every model uses.

The ladder models' chains (a dense ``(M+1) x (M+1)`` matrix), the aggregate
chains and the Krusell-Smith histogram's chain (a sparse matrix over
``2 x 1000`` (employment, assets) points) all go through
:func:`stationary_distribution`: a direct linear solve of ``pi (P - I) = 0``
with one equation replaced by ``sum(pi) = 1``.

Examples
--------
>>> pi = stationary_distribution(np.array([[0.9, 0.1], [0.2, 0.8]]))
>>> np.round(pi, 12).tolist()
[0.666666666667, 0.333333333333]
"""

from __future__ import annotations

import numpy as np

from foresight.errors import ParameterError

__all__ = ["stationary_distribution"]


def stationary_distribution(transition) -> np.ndarray:
    """Stationary distribution of a row-stochastic matrix (dense or scipy sparse).

    Parameters
    ----------
    transition : (n, n) array or scipy.sparse matrix
        Row-stochastic: ``transition[i, j] = P(j | i)``.

    Returns
    -------
    (n,) array
        ``pi >= 0`` with ``pi P = pi`` and ``sum(pi) = 1``; entries below zero by
        round-off are set to zero.  For a chain with several recurrent classes
        the solve is singular and raises.

    Raises
    ------
    ParameterError
        When `transition` is not square or its rows do not sum to one.

    Examples
    --------
    >>> from scipy import sparse
    >>> P = sparse.csr_matrix(np.array([[0.5, 0.5], [0.25, 0.75]]))
    >>> np.round(stationary_distribution(P), 12).tolist()
    [0.333333333333, 0.666666666667]
    """
    from scipy import sparse

    is_sparse = sparse.issparse(transition)
    P = transition.tocsr() if is_sparse else np.asarray(transition, dtype=float)
    n = P.shape[0]
    if P.ndim != 2 or P.shape[1] != n:
        raise ParameterError("transition", f"shape {P.shape}", "a square matrix")
    rows = np.asarray(P.sum(axis=1)).ravel()
    if not np.allclose(rows, 1.0, atol=1e-9):
        worst = int(np.argmax(np.abs(rows - 1.0)))
        raise ParameterError(f"transition row {worst}", f"sum {rows[worst]!r}",
                             "rows summing to 1 (a row-stochastic matrix)")
    if is_sparse:
        from scipy.sparse.linalg import spsolve

        A = (P.T - sparse.identity(n, format="csr")).tolil()
        A[0, :] = np.ones(n)
        b = np.zeros(n)
        b[0] = 1.0
        pi = spsolve(A.tocsc(), b)
    else:
        A = P.T - np.eye(n)
        A[-1, :] = 1.0
        b = np.zeros(n)
        b[-1] = 1.0
        pi = np.linalg.solve(A, b)
    pi = np.where(pi < 0.0, 0.0, pi)
    return pi / pi.sum()

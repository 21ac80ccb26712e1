"""Anderson acceleration (type II) for fixed points ``q = g(q)``, shared by the solvers.

Used by the N-BFE tree consistency (:mod:`foresight.numerics.bfe.engine`) and
the Krusell–Smith law of motion (:mod:`foresight.numerics.krusell_smith.alm`).
With ``f = g(q) - q`` the next iterate is
``q + damping f - (dQ + damping dF) gamma`` where ``gamma`` solves the
least-squares problem ``min |f - dF gamma|`` over the differences of the last
`memory` iterates (regularised normal equations: a few columns, much cheaper
than ``lstsq``).  Without history (the first step) it is the damped step
``q + damping f``.

Examples
--------
>>> mixer = AndersonMixer(1, memory=2, damping=1.0)
>>> q = np.array([0.0])
>>> for _ in range(8):
...     q = mixer.step(q, np.cos(q) - q)
>>> round(float(q[0]), 6)
0.739085
"""

from __future__ import annotations

import numpy as np

__all__ = ["AndersonMixer"]


class AndersonMixer:
    """Anderson mixing with a ring buffer of the last `memory` differences.

    Parameters
    ----------
    size : int
        Number of unknowns.
    memory : int
        Differences kept.
    damping : float
        Mixing weight on the residual, in (0, 1].
    """

    def __init__(self, size: int, memory: int, damping: float):
        self.memory = int(memory)
        self.damping = float(damping)
        self.d_f = np.empty((int(size), self.memory))
        self.d_q = np.empty((int(size), self.memory))
        self.prev_q = self.prev_f = None
        self.filled = 0
        self.count = 0

    def step(self, q: np.ndarray, f: np.ndarray) -> np.ndarray:
        """Next iterate from the current iterate `q` and its residual ``f = g(q) - q``."""
        self.count += 1
        if self.prev_q is not None:
            col = (self.count - 2) % self.memory
            self.d_f[:, col] = f - self.prev_f
            self.d_q[:, col] = q - self.prev_q
            self.filled = min(self.filled + 1, self.memory)
        self.prev_q, self.prev_f = q, f
        damping = self.damping
        if self.filled == 0:
            return q + damping * f
        n = self.filled
        df, dq = self.d_f[:, :n], self.d_q[:, :n]
        gram = df.T @ df
        gram.flat[::n + 1] += 1e-13 * np.trace(gram) + 1e-300
        gamma = np.linalg.solve(gram, df.T @ f)
        return q + damping * f - (dq + damping * df) @ gamma

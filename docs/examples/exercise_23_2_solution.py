r"""A correct solution to Exercise 23.2, written the way the lecture writes code.

Plain numpy, no foresight imports: this is what a student hands in.  Check it:

    foresight check-exercise 23.2 \
        --code docs/examples/exercise_23_2_solution.py:simulate_learning_blume_easley

The one change from the lecture's published solution is the order of the two
steps inside the loop: the date-t draw ``s_t`` is priced with the beliefs the
agents held *before* seeing it (formed from ``s_1 .. s_{t-1}``), and only then
do they learn from it.  (The lecture updates first, then prices; see
``exercise_23_2_wrong_timing.py``.)
"""

import numpy as np


def bayesian_update(π_0, L_t):
    """Bayesian update of belief probability given likelihood ratio."""
    return (π_0 * L_t) / (π_0 * L_t + (1 - π_0))


def simulate_learning_blume_easley(sequences, f_belief, g_belief, π_0_1, π_0_2, λ=0.5):
    """Simulate Blume-Easley model with learning agents."""
    N, T = sequences.shape

    π_1_seq = np.full((N, T), np.nan)
    π_2_seq = np.full((N, T), np.nan)
    c1_share = np.full((N, T), np.nan)
    l_agents_seq = np.full((N, T), np.nan)

    π_1_seq[:, 0] = π_0_1
    π_2_seq[:, 0] = π_0_2

    for n in range(N):
        L_cumul = 1.0
        l_agents_cumul = 1.0
        π_1_t, π_2_t = π_0_1, π_0_2  # beliefs held before s_t arrives

        for t in range(1, T):
            s_t = sequences[n, t]

            # Each agent's density of s_t, from what it believed before s_t
            m1_t = π_1_t * f_belief(s_t) + (1 - π_1_t) * g_belief(s_t)
            m2_t = π_2_t * f_belief(s_t) + (1 - π_2_t) * g_belief(s_t)
            l_agents_cumul *= m1_t / m2_t
            l_agents_seq[n, t] = l_agents_cumul
            c1_share[n, t] = λ * l_agents_cumul / (1 - λ + λ * l_agents_cumul)

            # Then both agents learn from s_t
            L_cumul *= f_belief(s_t) / g_belief(s_t)
            π_1_t = bayesian_update(π_0_1, L_cumul)
            π_2_t = bayesian_update(π_0_2, L_cumul)
            π_1_seq[n, t] = π_1_t
            π_2_seq[n, t] = π_2_t

    return {'π_1': π_1_seq, 'π_2': π_2_seq, 'c1_share': c1_share, 'l_agents': l_agents_seq}

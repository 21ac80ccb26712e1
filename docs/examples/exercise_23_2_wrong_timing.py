r"""A wrong solution to Exercise 23.2: beliefs are updated with s_t before s_t is priced.

This is the loop of the lecture's published solution, verbatim in substance:
inside the loop it first updates the posteriors with ``s_t`` and then uses
those posteriors in the agents' densities of the same ``s_t``.  An agent's
density of ``s_t`` must come from the beliefs formed on ``s_1 .. s_{t-1}``
(the joint density of a history is the product of one-step predictive
densities), so the consumption shares drift to the wrong limit.  The checker
catches it:

    foresight check-exercise 23.2 \
        --code docs/examples/exercise_23_2_wrong_timing.py:simulate_learning_blume_easley
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

        for t in range(1, T):
            s_t = sequences[n, t]

            l_t = f_belief(s_t) / g_belief(s_t)
            L_cumul *= l_t

            # Bayesian update of beliefs (with s_t) ...
            π_1_t = bayesian_update(π_0_1, L_cumul)
            π_2_t = bayesian_update(π_0_2, L_cumul)
            π_1_seq[n, t] = π_1_t
            π_2_seq[n, t] = π_2_t

            # ... then used to price the same s_t: the timing bug
            m1_t = π_1_t * f_belief(s_t) + (1 - π_1_t) * g_belief(s_t)
            m2_t = π_2_t * f_belief(s_t) + (1 - π_2_t) * g_belief(s_t)

            l_agents_cumul *= (m1_t / m2_t)
            l_agents_seq[n, t] = l_agents_cumul
            c1_share[n, t] = λ * l_agents_cumul / (1 - λ + λ * l_agents_cumul)

    return {'π_1': π_1_seq, 'π_2': π_2_seq, 'c1_share': c1_share, 'l_agents': l_agents_seq}

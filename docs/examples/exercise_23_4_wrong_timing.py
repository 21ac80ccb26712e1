r"""A wrong solution to Exercises 23.4 and 23.5: the lecture's loop order (update, then price).

The lecture's published ``simulate_three_model_allocation`` (without its
``@jit``): it updates the posteriors with ``s_t`` and then prices ``s_t`` with
them.  The checker rejects it:

    foresight check-exercise 23.4 \
        --code docs/examples/exercise_23_4_wrong_timing.py:simulate_three_model_allocation
"""

import numpy as np


def bayesian_update_three_models(π_f_0, π_g_0, L_f, L_g, L_h):
    """Bayesian update for three models."""
    π_h_0 = 1 - π_f_0 - π_g_0
    denom = π_f_0 * L_f + π_g_0 * L_g + π_h_0 * L_h
    return π_f_0 * L_f / denom, π_g_0 * L_g / denom, π_h_0 * L_h / denom


def compute_mixture_density(π_f, π_g, π_h, f_val, g_val, h_val):
    """Compute mixture density for an agent."""
    return π_f * f_val + π_g * g_val + π_h * h_val


def simulate_three_model_allocation(sequences, f_func, g_func, h_func,
                                    π_f_0_1, π_g_0_1, π_f_0_2, π_g_0_2, λ=0.5):
    """Simulate Blume-Easley model with learning agents and three models."""
    N, T = sequences.shape
    beliefs_1 = {k: np.full((N, T), np.nan) for k in ['π_f', 'π_g', 'π_h']}
    beliefs_2 = {k: np.full((N, T), np.nan) for k in ['π_f', 'π_g', 'π_h']}
    c1_share = np.full((N, T), np.nan)

    beliefs_1['π_f'][:, 0] = π_f_0_1
    beliefs_1['π_g'][:, 0] = π_g_0_1
    beliefs_1['π_h'][:, 0] = 1 - π_f_0_1 - π_g_0_1
    beliefs_2['π_f'][:, 0] = π_f_0_2
    beliefs_2['π_g'][:, 0] = π_g_0_2
    beliefs_2['π_h'][:, 0] = 1 - π_f_0_2 - π_g_0_2

    for n in range(N):
        L_cumul = {'f': 1.0, 'g': 1.0, 'h': 1.0}
        l_agents_cumul = 1.0
        c1_share[n, 0] = λ

        for t in range(1, T):
            s_t = sequences[n, t]
            densities = {'f': f_func(s_t), 'g': g_func(s_t), 'h': h_func(s_t)}
            for model in L_cumul:
                L_cumul[model] *= densities[model]

            # Bayesian updates for both agents (with s_t) ...
            b1 = bayesian_update_three_models(
                π_f_0_1, π_g_0_1, L_cumul['f'], L_cumul['g'], L_cumul['h'])
            b2 = bayesian_update_three_models(
                π_f_0_2, π_g_0_2, L_cumul['f'], L_cumul['g'], L_cumul['h'])
            beliefs_1['π_f'][n, t], beliefs_1['π_g'][n, t], beliefs_1['π_h'][n, t] = b1
            beliefs_2['π_f'][n, t], beliefs_2['π_g'][n, t], beliefs_2['π_h'][n, t] = b2

            # ... then used to price the same s_t: the timing bug
            m1_t = compute_mixture_density(*b1, densities['f'], densities['g'], densities['h'])
            m2_t = compute_mixture_density(*b2, densities['f'], densities['g'], densities['h'])
            l_agents_cumul *= (m1_t / m2_t)
            c1_share[n, t] = λ * l_agents_cumul / (1 - λ + λ * l_agents_cumul)

    return {
        'π_f_1': beliefs_1['π_f'], 'π_g_1': beliefs_1['π_g'], 'π_h_1': beliefs_1['π_h'],
        'π_f_2': beliefs_2['π_f'], 'π_g_2': beliefs_2['π_g'], 'π_h_2': beliefs_2['π_h'],
        'c1_share': c1_share,
    }

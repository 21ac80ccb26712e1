"""Krusell–Smith (1998) economy: household (EGM), populations, stationary and KS-ALM equilibria."""

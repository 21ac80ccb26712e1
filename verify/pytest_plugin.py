"""pytest plugin of foresight (fixtures and assertions for users' solvers)."""

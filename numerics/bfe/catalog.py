"""Names of the N-BFE models and continuation readings (pure Python: the CLI reads them).

Importing this module imports nothing heavy, so ``foresight --help`` stays fast;
the models themselves are imported (and their kernels compiled) on first use
through :func:`foresight.numerics.bfe.contract.make_model`.

Examples
--------
>>> CONTINUATIONS
('markov', 'frozen-prices', 'mean-z')
>>> list(BUILTIN_MODELS)
['capacity', 'quality-ladder', 'krusell-smith']
"""

#: What agents assume beyond the foresight horizon (SPEC B; docs/bfe.md).
CONTINUATIONS = ("markov", "frozen-prices", "mean-z")

#: The built-in models: name -> ("module:Class", description).
BUILTIN_MODELS = {
    "capacity": ("foresight.numerics.bfe.models:CapacityModel",
                 "capacity competition (Section 4.2, Table 2)"),
    "quality-ladder": ("foresight.numerics.bfe.models:QualityLadderModel",
                       "quality ladder with logit-limit profit (Section 4.2)"),
    "krusell-smith": ("foresight.numerics.bfe.krusell_smith:KrusellSmithBFE",
                      "Krusell-Smith economy (Sections 2 and 4.1, Table 1)"),
}

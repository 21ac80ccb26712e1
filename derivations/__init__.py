"""Symbolic derivations (SymPy only): model statements -> FOCs, closed forms, limits.

Each derivation returns :class:`~foresight.derivations.steps.Derivation` objects:
named SymPy results plus the chain of steps that produced them, for reports.
Modules that feed the numerics also expose ``kernel_module()`` for
:mod:`foresight.derivations.codegen`.
"""

"""Reports: LaTeX/PDF, figures, tables and the ``foresight`` command line."""

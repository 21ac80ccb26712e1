"""A Dask scheduler for a report section's Monte Carlo runs.

Examples
--------
>>> with section_scheduler(quick=True) as scheduler:
...     scheduler
'serial'
"""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def section_scheduler(quick: bool, workers: int = 2):
    """Yield a local Dask cluster (start-up paid once per section), or ``"serial"``.

    ``quick`` builds, and machines where no cluster can start, run in-process.
    """
    cluster = None
    scheduler = "serial"
    if not quick:
        try:
            import logging

            from distributed import LocalCluster

            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            scheduler = cluster
        except Exception:  # no cluster possible here: run in-process
            scheduler = "serial"
    try:
        yield scheduler
    finally:
        if cluster is not None:
            cluster.close()

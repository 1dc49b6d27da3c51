"""gunicorn settings for `make prod`: with PROMETHEUS_MULTIPROC_DIR set, a worker that exits has its live gauges
dropped from /metrics (its counters and histograms stay counted)."""

import os


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

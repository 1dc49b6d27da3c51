"""A real Celery worker for the tests that need one (``celery_worker`` marker): on a queue of its own (other test runs
share the Redis broker), against the test's PostgreSQL database, stopped with its children at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"


@contextmanager
def celery_worker(log_dir: Path, *, queue_prefix: str, env: dict | None = None):
    """Yield the worker process; tasks sent meanwhile go to its queue. ``env`` adds settings for the worker."""
    queue = f"{queue_prefix}-{uuid.uuid4().hex[:8]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        **(env or {}),
    }
    log = open(log_dir / "worker.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(CELERY), "-A", "config", "worker", "-Q", queue, "--concurrency", "1", "--without-gossip",
         "--without-mingle", "-l", "INFO"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        stop_worker(process)
        log.close()
        celery_app.conf.task_default_queue = previous


def stop_worker(process: subprocess.Popen) -> None:
    """Stop a worker started in its own session and every child it forked: SIGTERM, then SIGKILL after 10 s."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)

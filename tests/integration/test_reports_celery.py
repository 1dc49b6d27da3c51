"""The portfolio report job on a real Celery worker (Redis broker, PostgreSQL): progress moves, then a PDF."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from reports import services
from reports.models import ReportJob
from tests.reports_factories import seed_scored_project

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"


@pytest.fixture
def worker(tmp_path):
    """One worker on a queue of our own (other test runs share the Redis); test settings share MEDIA_ROOT."""
    queue = f"plumbline-reports-test-{uuid.uuid4().hex[:8]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(CELERY), "-A", "config", "worker", "-Q", queue, "--concurrency", "1", "--without-gossip",
         "--without-mingle", "-l", "INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()
    celery_app.conf.task_default_queue = previous


def test_a_portfolio_job_runs_on_a_worker_and_ends_with_a_pdf(worker, project, admin_user):
    seed_scored_project(project)
    job = services.portfolio_job_create(params={"team": project.team.slug}, user=admin_user)
    seen = set()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.add(job.progress)
        if job.status in (ReportJob.Status.DONE, ReportJob.Status.FAILED):
            break
        time.sleep(0.05)
    assert job.status == ReportJob.Status.DONE, job.message
    assert job.progress == 100
    assert any(0 < p < 100 for p in seen), f"progress was only ever {sorted(seen)}"
    assert job.report.file.read().startswith(b"%PDF")
    assert job.report.params["team"] == project.team.slug

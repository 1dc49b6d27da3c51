"""The portfolio report job on a real Celery worker (Redis broker, PostgreSQL): progress moves, then a PDF."""

import time

import pytest

from reports import services
from reports.models import ReportJob
from tests.integration.celery_worker import celery_worker
from tests.reports_factories import seed_scored_project

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(tmp_path):
    """One worker on a queue of our own (other test runs share the Redis); test settings share MEDIA_ROOT."""
    with celery_worker(tmp_path, queue_prefix="plumbline-reports-test") as process:
        yield process


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

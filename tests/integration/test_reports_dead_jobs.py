"""A portfolio report job whose worker died mid-run (killed, out of memory, redeployed) does not stay "running"
forever: once its last sign of life is older than the task's hard time limit it reads failed, and the page offers
to start it again."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from reports import services, tasks
from reports.models import ReportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def killed_job(admin_user, team):
    """A job as a worker killed while drawing the charts leaves it: running at 25 %, never to be touched again."""
    job = services.portfolio_job_create(params={"team": "search", "tier": "high"}, user=admin_user)
    services.portfolio_job_progress(job_id=job.pk, percent=25, message="Drawing charts", started=True)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.RUNNING
    return job


def silence(job, seconds):
    """Move the job's last sign of life ``seconds`` into the past (as if that much time had passed since)."""
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_a_job_silent_past_the_hard_time_limit_reads_failed_with_a_retry(client, admin_user, killed_job):
    silence(killed_job, settings.PLUMBLINE_REPORT_JOB_TIME_LIMIT + 1)
    client.force_login(admin_user)

    status = client.get(f"/reports/jobs/{killed_job.pk}/?format=json").json()
    page = client.get(f"/reports/jobs/{killed_job.pk}/").content.decode()
    api = client.get(f"/api/v1/reports/portfolio-jobs/{killed_job.pk}/").json()

    assert status["status"] == api["status"] == "failed"
    assert "stopped before it finished" in status["message"]
    assert '<form id="job-retry" method="post" action="/reports/portfolio/jobs/">' in page  # shown, not hidden
    assert 'name="team" value="search"' in page and 'name="tier" value="high"' in page


def test_retrying_starts_a_new_job_with_the_same_filters(client, admin_user, killed_job):
    silence(killed_job, settings.PLUMBLINE_REPORT_JOB_TIME_LIMIT + 1)
    client.force_login(admin_user)
    client.get(f"/reports/jobs/{killed_job.pk}/")

    response = client.post("/reports/portfolio/jobs/", {"team": "search", "tier": "high", "stage": ""})

    retry = ReportJob.objects.exclude(pk=killed_job.pk).get()
    assert response["Location"] == f"/reports/jobs/{retry.pk}/"
    assert retry.params == killed_job.params


def test_a_job_still_within_its_time_limit_keeps_running(client, admin_user, killed_job):
    silence(killed_job, settings.PLUMBLINE_REPORT_JOB_TIME_LIMIT - 30)
    client.force_login(admin_user)

    status = client.get(f"/reports/jobs/{killed_job.pk}/?format=json").json()

    assert status["status"] == "running"
    page = client.get(f"/reports/jobs/{killed_job.pk}/").content.decode()
    assert '<form id="job-retry" method="post" action="/reports/portfolio/jobs/" hidden>' in page


def test_the_beat_task_fails_dead_jobs_nobody_is_watching(killed_job):
    silence(killed_job, settings.PLUMBLINE_REPORT_JOB_TIME_LIMIT + 1)

    assert tasks.fail_dead_report_jobs() == 1

    killed_job.refresh_from_db()
    assert killed_job.status == ReportJob.Status.FAILED and killed_job.finished_at is not None
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reports.tasks.fail_dead_report_jobs" in schedule


def test_the_task_is_killed_at_the_limit_the_check_assumes():
    assert tasks.generate_portfolio_report.time_limit == settings.PLUMBLINE_REPORT_JOB_TIME_LIMIT
    assert tasks.generate_portfolio_report.soft_time_limit < settings.PLUMBLINE_REPORT_JOB_TIME_LIMIT

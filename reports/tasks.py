from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    acks_late=True,
    # Killed at the hard limit, so a job silent for longer has no live worker (services.report_jobs_fail_dead).
    time_limit=settings.PLUMBLINE_REPORT_JOB_TIME_LIMIT,
    soft_time_limit=max(1, settings.PLUMBLINE_REPORT_JOB_TIME_LIMIT - 30),
)
def generate_portfolio_report(job_id):
    """Render one portfolio report job; a failure is recorded on the job (and not retried: it is deterministic)."""
    services.portfolio_job_run(job_id=job_id)


@shared_task
def fail_dead_report_jobs():
    """Every few minutes: a job whose worker died reads failed, even if nobody has its page open."""
    return services.report_jobs_fail_dead()


@shared_task
def prune_old_reports():
    """Daily: delete stored PDFs past ``PLUMBLINE_REPORT_RETENTION_DAYS`` (the newest of each subject stays)."""
    return services.reports_prune()

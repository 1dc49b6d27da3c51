from celery import shared_task

from . import services


@shared_task(acks_late=True)
def generate_portfolio_report(job_id):
    """Render one portfolio report job; a failure is recorded on the job (and not retried: it is deterministic)."""
    services.portfolio_job_run(job_id=job_id)


@shared_task
def prune_old_reports():
    """Daily: delete stored PDFs past ``PLUMBLINE_REPORT_RETENTION_DAYS`` (the newest of each subject stays)."""
    return services.reports_prune()

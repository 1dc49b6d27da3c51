"""Scheduled work of assessments (Celery beat)."""

from celery import shared_task

from . import services


@shared_task
def send_reassessment_reminders():
    """E-mail owners of projects whose approved assessment expired or expires soon (idempotent per day)."""
    return services.reassessment_reminders_send()

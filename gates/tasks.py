"""Celery tasks of the gates app: load, call one service."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def refresh_all_verdicts(cause):
    """Recompute every project's stored verdicts after the gate policy changed."""
    return services.verdicts_refresh_all(cause=cause)

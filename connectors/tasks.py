"""Celery tasks: load by id, call one service, own the retry policy.

``acks_late`` + ``reject_on_worker_lost``: a worker killed mid-check leaves the message unacknowledged, so the
broker hands it to another worker and the refresh still completes. Only transient failures are retried.
"""

from datetime import timedelta

from celery import shared_task

from registry.models import Component

from . import services
from .models import RefreshRun

MAX_RETRIES = 3
# Evidence expiring within this window is refreshed by the beat task before it reads stale.
REFRESH_AHEAD = timedelta(hours=2)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.CheckRetry,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=120,
    time_limit=150,
)
def component_check_task(self, component_id, run_id=None):
    component = Component.objects.select_related("project").filter(pk=component_id).first()
    if component is None:
        return
    run = RefreshRun.objects.filter(pk=run_id).first() if run_id else None
    # In eager mode (no broker: demo, tests) a retry would run at once, without back-off: report instead.
    final = self.request.is_eager or self.request.retries >= MAX_RETRIES
    services.component_check(component=component, run=run, final_attempt=final)


def enqueue_component_check(*, component_id, alias, run_id):
    """Send the check with the connector's own time limits instead of the task defaults."""
    limits = services.limits_for(alias)
    component_check_task.apply_async(
        kwargs={"component_id": component_id, "run_id": run_id},
        soft_time_limit=limits.task_soft_limit,
        time_limit=limits.task_hard_limit,
    )


@shared_task(acks_late=True)
def refresh_expiring_evidence():
    return services.refresh_expiring(within=REFRESH_AHEAD)

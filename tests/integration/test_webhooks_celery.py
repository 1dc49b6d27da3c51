"""A real Celery worker on Redis and PostgreSQL retries a failing webhook receiver after the logged back-off.

The in-process tests (test_webhooks.py) run retries at once; here the worker schedules each retry with its
countdown, so the receiver sees the attempts no closer together than the back-off the log shows.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from connectors import services as connector_services
from connectors.base import CheckOutcome
from tests.integration.celery_worker import celery_worker
from tests.integration.test_webhooks import Receiver
from webhooks import services
from webhooks.models import Delivery

pytest_plugins = ["tests.integration.servers"]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(tmp_path):
    """One worker on a queue of our own, with short back-offs (1 s, then 2 s) and three attempts."""
    with celery_worker(
        tmp_path,
        queue_prefix="plumbline-test",
        env={
            "PLUMBLINE_CONNECTOR_ALLOWED_HOSTS": "127.0.0.1",
            "PLUMBLINE_WEBHOOK_BACKOFF": "1",
            "PLUMBLINE_WEBHOOK_BACKOFF_MAX": "2",
            "PLUMBLINE_WEBHOOK_MAX_ATTEMPTS": "3",
        },
    ) as process:
        yield process


def test_a_failing_receiver_is_retried_by_the_worker_after_each_logged_back_off(worker, project, member, settings):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    receiver = Receiver()
    receiver.statuses = [500] * 10
    try:
        services.endpoint_create(actor=member, team=project.team, url=receiver.url, event_names=["check.failed"])
        for state in ("pass", "fail"):
            connector_services.project_result_store(
                project=project,
                outcome=CheckOutcome("ci.eval_results_recent", state, f"evaluation {state}"),
                ttl=timedelta(days=7),
                checked_at=timezone.now(),
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not Delivery.objects.filter(status="failed").exists():
            time.sleep(0.2)
        delivery = Delivery.objects.get()
        assert delivery.status == "failed"
        log = [(a.number, a.status_code, a.retry_in_seconds) for a in delivery.attempt_log.all()]
        assert log == [(1, 500, 1), (2, 500, 2), (3, 500, None)]
        arrivals = [r["at"] for r in receiver.requests]
        assert len(arrivals) == 3
        assert arrivals[1] - arrivals[0] >= 1 and arrivals[2] - arrivals[1] >= 2
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()

"""Prometheus metrics (prometheus-client): the metric families, the request-timing middleware, Celery's task
signals and the guarded ``/metrics`` view.

Under gunicorn (several worker processes) set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before the
processes start (`make prod` does): every process then writes its samples there and ``/metrics`` adds them up,
whichever worker answers the scrape. Without it the samples are the answering process's own (runserver, tests).
"""

import hmac
import ipaddress
import os
import time

from celery import signals
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from accounts.lockout import client_ip

REQUEST_SECONDS = Histogram(
    "plumbline_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL name (view), method and status code.",
    ["view", "method", "status"],
)
GATE_VERDICTS = Counter(
    "plumbline_gate_verdicts", "Stage-gate verdicts answered by the gate API, by target stage and outcome.",
    ["stage", "outcome"],
)  # fmt: skip
CHECK_RESULTS = Counter(
    "plumbline_check_results", "Evidence check results stored, by connector and state.", ["connector", "state"]
)
TASK_SECONDS = Histogram(
    "plumbline_task_duration_seconds", "Celery task run time, by task and final state.", ["task", "state"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 150),
)  # fmt: skip
TASK_FAILURES = Counter("plumbline_task_failures", "Celery tasks that raised, by task.", ["task"])
REPORT_RENDER_SECONDS = Histogram(
    "plumbline_report_render_seconds", "Time to render a report PDF, by kind.", ["kind"],
    buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 40, 80),
)  # fmt: skip

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class RequestMetricsMiddleware:
    """Times every request and labels it by URL name, never by path (paths hold slugs and ids, without end)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else "unmatched"
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(view, method, str(response.status_code)).observe(time.perf_counter() - started)
        return response


class RefreshQueueCollector:
    """Evidence refreshes waiting or running, read from the database at scrape time (right in every process).
    Left out when the database cannot answer: the other metrics matter most exactly then."""

    def collect(self):
        from connectors.models import RefreshRun

        try:
            statuses = list(
                RefreshRun.objects.filter(status__in=[RefreshRun.Status.QUEUED, RefreshRun.Status.RUNNING]).values_list(
                    "status", flat=True
                )
            )
        except DatabaseError:
            return
        family = GaugeMetricFamily(
            "plumbline_refresh_queue_length", "Evidence refresh runs queued or running, by status.", labels=["status"]
        )
        counts = dict.fromkeys((RefreshRun.Status.QUEUED, RefreshRun.Status.RUNNING), 0)
        for status in statuses:
            counts[status] += 1
        for status, count in counts.items():
            family.add_metric([status], count)
        yield family


_task_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_prerun(task_id=None, **kwargs):
    _task_started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_postrun(task_id=None, task=None, state=None, **kwargs):
    started = _task_started.pop(task_id, None)
    if started is not None and task is not None:
        TASK_SECONDS.labels(task.name, state or "unknown").observe(time.perf_counter() - started)


@signals.task_failure.connect
def _task_failure(sender=None, **kwargs):
    TASK_FAILURES.labels(getattr(sender, "name", "unknown")).inc()


def _allowed(request) -> bool:
    token = settings.PLUMBLINE_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.PLUMBLINE_METRICS_ALLOWED_IPS)


@login_not_required
@require_GET
def metrics_view(request):
    if not _allowed(request):
        return HttpResponse(
            "Metrics need Authorization: Bearer <PLUMBLINE_METRICS_TOKEN>, or a scraper address listed in "
            "PLUMBLINE_METRICS_ALLOWED_IPS.\n",
            status=403, content_type="text/plain; charset=utf-8",
        )  # fmt: skip
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    queue = CollectorRegistry()
    queue.register(RefreshQueueCollector())
    return HttpResponse(generate_latest(registry) + generate_latest(queue), content_type=CONTENT_TYPE_LATEST)

"""Request ids (X-Request-ID in and out) on every log line of a request and of the Celery tasks it starts; JSON logs."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from kombu import Connection

from config import celery_app
from config.request_log import HEADER, RequestIdFilter, RequestIdMiddleware
from connectors.tasks import component_check_task

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tagged_caplog(caplog):
    """caplog whose records pass through the request-id filter, as the console handler's do."""
    caplog.handler.addFilter(RequestIdFilter())
    return caplog


def test_a_request_id_given_by_the_caller_is_returned(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")["X-Request-ID"] == "lb-7f3a.42"


def test_a_request_without_a_sane_id_gets_a_new_one(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz", HTTP_X_REQUEST_ID="x" * 500)["X-Request-ID"]

    assert len(first) == 32 and len(second) == 32 and first != second


@pytest.mark.django_db
def test_log_lines_written_while_serving_a_request_carry_its_id(client, tagged_caplog):
    client.get("/api/v1/no-such-resource/", HTTP_X_REQUEST_ID="trace-404")

    not_found = [r for r in tagged_caplog.records if r.name == "django.request"]
    assert not_found and {r.request_id for r in not_found} == {"trace-404"}


def test_a_task_started_by_a_request_carries_its_id_in_the_message(rf):
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with Connection("memory://") as connection:

            def view(request):
                component_check_task.apply_async(kwargs={"component_id": 0}, connection=connection)
                return HttpResponse()

            RequestIdMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="trace-task"))
            message = connection.SimpleQueue("celery").get(timeout=5)
    finally:
        celery_app.conf.task_always_eager = previous

    assert message.headers[HEADER] == "trace-task"


@pytest.mark.django_db
def test_the_worker_tags_a_task_log_lines_with_the_id_from_its_message(tagged_caplog):
    component_check_task.apply(kwargs={"component_id": "not-a-number"}, headers={HEADER: "trace-task"}, throw=False)

    failure = [r for r in tagged_caplog.records if r.name.startswith("celery") and r.levelno >= logging.ERROR]
    assert failure and {r.request_id for r in failure} == {"trace-task"}


def test_log_format_json_writes_one_json_object_per_line():
    script = "import django, logging; django.setup(); logging.getLogger('plumbline.test').warning('hello %s', 'there')"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", "LOG_FORMAT": "json"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )

    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"], line["request_id"]) == (
        "WARNING",
        "plumbline.test",
        "hello there",
        "-",
    )

"""/healthz, /readyz and /metrics as a load balancer and a Prometheus scraper see them."""

from pathlib import Path

import pytest
from django.db import connections
from django.db.utils import ConnectionHandler
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import ComponentFactory
from tests.integration.servers import free_port
from tests.unit.test_connector_framework import FAKE

# Tasks run in-process even when CELERY_BROKER_URL is set (make test-integration): these test the services.
pytestmark = pytest.mark.usefixtures("eager_celery")

METRICS_TOKEN = "scrape-token-for-tests-0123456789"


def test_healthz_answers_without_login_or_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_a_probe_by_address_over_plain_http(client, settings):
    settings.ALLOWED_HOSTS = ["plumbline.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz", HTTP_HOST="10.0.0.7").status_code == 200


@pytest.mark.django_db
def test_readyz_reports_each_dependency_with_its_state_and_latency(client, settings):
    response = client.get("/readyz")

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert {name: c["state"] for name, c in checks.items()} == {
        "database": "ok",
        "broker": "not_configured" if settings.CELERY_BROKER_URL.startswith("memory://") else "ok",
        "cache": "ok",
        "media_storage": "ok",
    }
    assert all(c["latency_ms"] >= 0 for c in checks.values())


@pytest.fixture
def unreachable_postgres(django_db_blocker):
    """The default database is a PostgreSQL server on a loopback port where nothing listens (a stopped server)."""
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "plumbline", "USER": "plumbline",
                     "PASSWORD": "db-password-never-shown", "HOST": "127.0.0.1", "PORT": str(free_port())}}
    )  # fmt: skip
    original = connections["default"]
    connections["default"] = handler["default"]
    with django_db_blocker.unblock():
        yield
    connections["default"].close()
    connections["default"] = original


def test_readyz_is_503_naming_the_database_when_it_is_unreachable(client, unreachable_postgres):
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["state"] == "fail"
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert "db-password-never-shown" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_redis_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = f"redis://:broker-password-never-shown@127.0.0.1:{free_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"]["state"] == "ok"
    assert "broker-password-never-shown" not in response.content.decode()


@pytest.fixture
def metrics_token(settings):
    settings.PLUMBLINE_METRICS_TOKEN = METRICS_TOKEN
    settings.PLUMBLINE_METRICS_ALLOWED_IPS = []


def scrape(client) -> dict[str, list]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert response.status_code == 200, response.content
    return {family.name: family.samples for family in text_string_to_metric_families(response.content.decode())}


def value(families, name, sample_name=None, **labels) -> float:
    sample_name = sample_name or name
    return sum(
        s.value
        for s in families.get(name, [])
        if s.name == sample_name and all(s.labels.get(k) == v for k, v in labels.items())
    )


@pytest.mark.django_db
def test_metrics_refuse_a_scraper_without_the_token(client, metrics_token):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403


@pytest.mark.django_db
def test_metrics_refuse_everyone_when_neither_token_nor_addresses_are_set(client, settings):
    settings.PLUMBLINE_METRICS_TOKEN = ""
    settings.PLUMBLINE_METRICS_ALLOWED_IPS = []

    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


@pytest.mark.django_db
def test_metrics_serve_a_scraper_from_an_allowed_network(client, settings):
    settings.PLUMBLINE_METRICS_TOKEN = ""
    settings.PLUMBLINE_METRICS_ALLOWED_IPS = ["10.1.0.0/16"]

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 403


@pytest.fixture
def connected(project, settings):
    settings.PLUMBLINE_CONNECTORS = {**settings.PLUMBLINE_CONNECTORS, **FAKE}
    ComponentFactory(project=project, name="fake-1", connector="fake")
    return project


@pytest.mark.django_db
def test_metrics_expose_gates_checks_tasks_refresh_queue_reports_and_requests(
    client, admin_user, connected, metrics_token, django_capture_on_commit_callbacks
):
    before = scrape(client)
    client.force_login(admin_user)

    assert client.get(f"/api/v1/projects/{connected.slug}/gate/?stage=production").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/projects/{connected.slug}/evidence/refresh").status_code == 202
    assert client.get(f"/reports/projects/{connected.slug}/scorecard.pdf").status_code == 200
    after = scrape(client)

    def grew(name, sample_name=None, **labels):
        return value(after, name, sample_name, **labels) - value(before, name, sample_name, **labels)

    assert grew("plumbline_gate_verdicts", "plumbline_gate_verdicts_total", stage="production", outcome="blocked") == 1
    assert grew("plumbline_check_results", "plumbline_check_results_total", connector="fake", state="pass") >= 1
    task = "connectors.tasks.component_check_task"
    assert grew("plumbline_task_duration_seconds", "plumbline_task_duration_seconds_count", task=task) == 1
    assert grew("plumbline_report_render_seconds", "plumbline_report_render_seconds_count", kind="scorecard") == 1
    assert value(after, "plumbline_refresh_queue_length", status="queued") == 0
    assert {s.labels["status"] for s in after["plumbline_refresh_queue_length"]} == {"queued", "running"}
    gate = {"view": "api-project-gate", "method": "GET", "status": "200"}
    assert grew("plumbline_http_request_duration_seconds", "plumbline_http_request_duration_seconds_count", **gate) == 1


@pytest.mark.django_db
def test_metrics_count_a_failing_task(client, connected, metrics_token):
    from connectors.tasks import component_check_task

    before = scrape(client)
    # As a worker runs it (the suite's eager mode re-raises before Celery's failure signal otherwise).
    assert component_check_task.apply(kwargs={"component_id": "not-a-number"}, throw=False).failed()
    after = scrape(client)

    task = {"task": "connectors.tasks.component_check_task"}
    assert (
        value(after, "plumbline_task_failures", "plumbline_task_failures_total", **task)
        - value(before, "plumbline_task_failures", "plumbline_task_failures_total", **task)
        == 1
    )


MULTIPROCESS_SCRIPT = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
django.setup()
from config.metrics import GATE_VERDICTS
if sys.argv[1] == "count":
    GATE_VERDICTS.labels("production", "allowed").inc()
else:
    from django.test import Client
    from django.test.utils import override_settings
    with override_settings(PLUMBLINE_METRICS_TOKEN="t"):
        print(Client().get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode())
"""


@pytest.mark.slow
def test_metrics_add_up_every_process_sharing_the_multiprocess_folder(tmp_path):
    """Under gunicorn each worker counts apart; whichever worker answers the scrape reports the sum."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}"}
    root = Path(__file__).resolve().parents[2]
    for _ in range(2):
        subprocess.run([sys.executable, "-c", MULTIPROCESS_SCRIPT, "count"], cwd=root, env=env, check=True, timeout=120)
    scraped = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRIPT, "scrape"], cwd=root, env=env, check=True, timeout=120,
        capture_output=True, text=True,
    ).stdout  # fmt: skip

    families = {f.name: f.samples for f in text_string_to_metric_families(scraped)}
    total = "plumbline_gate_verdicts_total"
    assert value(families, "plumbline_gate_verdicts", total, stage="production", outcome="allowed") == 2

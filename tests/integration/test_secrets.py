"""A planted connector secret must never surface: not in a page, an API response, a log line or an error.

The secret is stored encrypted on one component and given through an environment variable to another; both
are checked against a server that rejects them (so the error path runs) and answers with the token echoed.
"""

import io
import logging
import threading
from datetime import timedelta
from http.server import ThreadingHTTPServer

import pytest
from django.utils import timezone

from connectors import services
from connectors.models import CheckResult, CheckResultHistory
from connectors.secrets import RedactSecretsFilter, encrypt_secrets
from tests.factories import ComponentFactory
from tests.integration.servers import QuietJsonHandler

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

STORED = "plb-planted-stored-9f3a1c"
FROM_ENV = "plb-planted-env-77b2e0"


class EchoingRejecter(QuietJsonHandler):
    """Answers 401 and, carelessly, echoes the Authorization header it got (as some proxies do)."""

    def do_GET(self):
        body = ('{"error": "bad token: ' + self.headers.get("Authorization", "") + '"}').encode()
        self.send_json(401, body)


@pytest.fixture
def rejecter():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoingRejecter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def checked_project(project, reviewer, rejecter, settings, monkeypatch):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    monkeypatch.setenv("PLUMBLINE_SECRET_TEST_MLFLOW_TOKEN", FROM_ENV)
    base = {"tracking_uri": rejecter, "experiment": "qa"}
    stored = ComponentFactory(
        project=project,
        kind="mlflow",
        name="stored",
        connector="mlflow",
        connector_settings=base,
        encrypted_secrets=encrypt_secrets({"token": STORED}),
    )
    from_env = ComponentFactory(
        project=project,
        kind="mlflow",
        name="from-env",
        connector="mlflow",
        connector_settings={**base, "token_env": "PLUMBLINE_SECRET_TEST_MLFLOW_TOKEN"},
    )
    for component in (stored, from_env):
        services.component_check(component=component)
    services.waiver_create(
        project=project,
        check_id="mlflow.traces_present",
        reason="Tracing arrives next sprint.",
        actor=reviewer,
        expires_at=timezone.now() + timedelta(days=10),
    )
    return project


def assert_clean(text):
    assert STORED not in text
    assert FROM_ENV not in text


def test_the_checks_ran_with_both_secrets(checked_project):
    reasons = set(CheckResult.objects.filter(project=checked_project).values_list("reason", flat=True))
    assert reasons and all("refused the credentials" in r for r in reasons)


def test_stored_results_and_history_hold_no_secret(checked_project):
    for model in (CheckResult, CheckResultHistory):
        for reason, facts in model.objects.filter(project=checked_project).values_list("reason", "facts"):
            assert_clean(reason + str(facts))


@pytest.mark.parametrize("path", ["/projects/{slug}/", "/checks/", "/projects/{slug}/components/{pk}/edit/"])
def test_pages_hold_no_secret(checked_project, client, admin_user, path):
    client.force_login(admin_user)
    pk = checked_project.components.get(name="stored").pk
    response = client.get(path.format(slug=checked_project.slug, pk=pk))
    assert response.status_code == 200
    assert_clean(response.content.decode())


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/projects/{slug}/checks",
        "/api/v1/projects/{slug}/waivers",
        "/api/v1/projects/{slug}/",
        "/api/v1/components/",
        "/api/v1/components/{pk}/",
    ],
)
def test_api_responses_hold_no_secret(checked_project, client, admin_user, path):
    client.force_login(admin_user)
    pk = checked_project.components.get(name="stored").pk
    response = client.get(path.format(slug=checked_project.slug, pk=pk))
    assert response.status_code == 200
    assert_clean(response.content.decode())


def test_log_lines_hold_no_secret(checked_project):
    """Whatever logs a resolved secret (here: deliberately), the configured console handler writes it redacted."""
    console = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, RedactSecretsFilter) for f in h.filters)
    )
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        services.component_check(component=checked_project.components.get(name="stored"))
        logging.getLogger("some.library").error("retrying with Authorization: Bearer %s", STORED)
        logging.getLogger("connectors").warning("env token was %s", FROM_ENV)
    finally:
        console.setStream(previous)
    written = stream.getvalue()
    assert "refused the credentials" in written
    assert "Bearer [redacted]" in written
    assert_clean(written)

"""Connector secrets named by environment variable: only admin-allowed names, never Plumbline's own settings.

A member who could name any variable in ``<secret>_env`` made a worker send SECRET_KEY, DATABASE_URL or the
e-mail password as a Bearer token to a server of their choosing. The server here records the headers it gets.
"""

import threading
from http.server import ThreadingHTTPServer

import pytest

from connectors import secrets, services
from connectors.models import CheckResult
from registry.models import Component
from tests.factories import ComponentFactory
from tests.integration.servers import QuietJsonHandler

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ALLOWED_VALUE = "plb-allowed-env-secret-5c1e"


class RecordingServer(QuietJsonHandler):
    """Answers 404 to everything and remembers every Authorization header it was sent."""

    received: list[str] = []

    def do_GET(self):
        self.received.append(self.headers.get("Authorization", ""))
        self.send_json(404, b'{"error": "no such collection"}')

    do_POST = do_GET


@pytest.fixture
def recorder(settings):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    RecordingServer.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def saved_before_the_fix(project, url, env_name):
    """A component stored without validation, as components saved before names were checked are."""
    return ComponentFactory(
        project=project,
        kind="vector_store",
        name=f"chroma-{env_name.lower()}",
        attributes={"store_kind": "chroma"},
        connector="chroma",
        connector_settings={"location": url, "collection": "docs", "token_env": env_name},
    )


@pytest.mark.parametrize("env_name", ["SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "HOME"])
def test_a_refresh_never_sends_a_variable_outside_the_allow_list(project, recorder, monkeypatch, env_name):
    monkeypatch.setenv(env_name, f"planted-value-of-{env_name.lower()}")
    component = saved_before_the_fix(project, recorder, env_name)

    services.component_check(component=component)

    assert not any("planted-value" in header for header in RecordingServer.received)
    assert RecordingServer.received == []  # nothing was sent at all
    results = CheckResult.objects.filter(component=component)
    assert results and {r.state for r in results} == {"error"}
    assert all(env_name in r.reason and "token_env" in r.reason for r in results)


def test_an_admin_cannot_allow_plumblines_own_settings_variables(project, recorder, settings, monkeypatch):
    settings.PLUMBLINE_CONNECTOR_SECRET_ENV = ["*", "SECRET_KEY"]
    component = saved_before_the_fix(project, recorder, "SECRET_KEY")

    services.component_check(component=component)

    assert RecordingServer.received == []
    assert {r.state for r in CheckResult.objects.filter(component=component)} == {"error"}


def test_an_allowed_variable_is_sent(project, recorder, monkeypatch):
    monkeypatch.setenv("PLUMBLINE_SECRET_CHROMA_TOKEN", ALLOWED_VALUE)
    component = saved_before_the_fix(project, recorder, "PLUMBLINE_SECRET_CHROMA_TOKEN")

    services.component_check(component=component)

    assert RecordingServer.received == [f"Bearer {ALLOWED_VALUE}"]


def test_an_allow_list_entry_names_one_variable_or_a_prefix(project, recorder, settings, monkeypatch):
    settings.PLUMBLINE_CONNECTOR_SECRET_ENV = ["TEAM_A_CHROMA", "VAULT_*"]
    monkeypatch.setenv("VAULT_CHROMA", "from-vault-1234")
    monkeypatch.setenv("TEAM_A_CHROMA_2", "not-listed-1234")
    listed = saved_before_the_fix(project, recorder, "VAULT_CHROMA")
    near_miss = saved_before_the_fix(project, recorder, "TEAM_A_CHROMA_2")

    services.component_check(component=listed)
    services.component_check(component=near_miss)

    assert RecordingServer.received == ["Bearer from-vault-1234"]


def test_plumblines_settings_variables_are_derived_from_the_settings_file():
    names = secrets.settings_environment_variables()

    for name in (
        "SECRET_KEY",
        "DATABASE_URL",
        "FIELD_ENCRYPTION_KEYS",
        "EMAIL_URL",
        "CELERY_BROKER_URL",
        "CACHE_URL",
        "PLUMBLINE_CONNECTOR_PROXY",
        "PLUMBLINE_CONNECTOR_SECRET_ENV",
        "DJANGO_SETTINGS_MODULE",
    ):
        assert name in names


@pytest.mark.parametrize("env_name", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "PATH"])
def test_the_api_refuses_a_forbidden_variable_at_save_naming_the_key(client, member, project, env_name):
    client.force_login(member)
    response = client.post(
        "/api/v1/components/",
        {
            "project": "docs-qa",
            "kind": "vector_store",
            "name": "Vectors",
            "connector": "chroma",
            "connector_settings": {
                "location": "https://chroma.example.com",
                "collection": "docs",
                "token_env": env_name,
            },
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert any("token_env" in m and env_name in m for m in body["errors"]["connector_settings"])
    assert not Component.objects.filter(name="Vectors").exists()


def test_the_api_accepts_an_allowed_variable(client, member, project):
    client.force_login(member)
    response = client.post(
        "/api/v1/components/",
        {
            "project": "docs-qa",
            "kind": "vector_store",
            "name": "Vectors",
            "connector": "chroma",
            "connector_settings": {
                "location": "https://chroma.example.com",
                "collection": "docs",
                "token_env": "PLUMBLINE_SECRET_CHROMA",
            },
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.content


def test_the_form_refuses_a_forbidden_variable_as_a_field_error(client, member, project):
    client.force_login(member)
    response = client.post(
        "/projects/docs-qa/components/new/",
        {
            "kind": "mlflow",
            "name": "M",
            "connector": "mlflow",
            "connector_settings": '{"tracking_uri": "https://mlflow.example.com", "experiment": "qa", '
            '"token_env": "DATABASE_URL"}',
        },
    )

    assert response.status_code == 400
    errors = response.context["form"].errors["setting_mlflow__token_env"]  # the field of that setting
    assert any("DATABASE_URL" in e and "never read" in e for e in errors)
    assert not Component.objects.filter(name="M").exists()

"""What a user sees when the target system misbehaves: unknown or error with a clear reason, never pass or fail,
and the check returns within its time limit (so no worker is held).

The misbehaving targets are real sockets: a closed port, a listener that accepts and never answers, and a
small HTTP server that answers 500, garbage or 401 the way a broken server or an auth proxy does.
"""

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer

import pytest

from connectors import services
from connectors.loading import get_connector_class
from connectors.models import CheckResult
from connectors.secrets import encrypt_secrets
from tests.factories import ComponentFactory
from tests.integration.servers import QuietJsonHandler

pytest_plugins = ["tests.integration.servers"]
pytestmark = [pytest.mark.integration, pytest.mark.django_db]

TIMEOUT = 1.0


@dataclass(frozen=True)
class Backend:
    """One HTTP back-end under test: how a component names a server and a token, and how it calls garbage."""

    alias: str
    kind: str
    system: str
    settings: Callable[[str], dict]
    secret: str
    garbage: str

    @property
    def checks(self) -> int:
        return len(get_connector_class(self.alias).checks)


BACKENDS = {
    "mlflow": Backend(
        "mlflow",
        "mlflow",
        "MLflow",
        lambda url: {"tracking_uri": url, "experiment": "qa", "registered_model": "qa-model"},
        "token",
        "not MLflow JSON",
    ),
    "phoenix": Backend(
        "phoenix",
        "monitoring_source",
        "Phoenix",
        lambda url: {"base_url": url, "project": "rag-bot"},
        "api_key",
        "not Phoenix JSON",
    ),
}


@pytest.fixture(params=list(BACKENDS))
def backend(request):
    return BACKENDS[request.param]


class Misbehaving(QuietJsonHandler):
    def do_GET(self):
        status, body = self.server.answer
        self.send_json(status, body)

    do_POST = do_GET


@pytest.fixture
def http_server():
    servers = []

    def start(status, body):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
        server.answer = (status, body)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def short_timeouts(settings):
    settings.PLUMBLINE_CONNECTORS = {
        alias: {**entry, "TIMEOUT": TIMEOUT} if alias in BACKENDS else entry
        for alias, entry in settings.PLUMBLINE_CONNECTORS.items()
    }
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def check(project, url, backend=BACKENDS["mlflow"], **component_kwargs):
    component = ComponentFactory(
        project=project,
        kind=backend.kind,
        connector=backend.alias,
        connector_settings=backend.settings(url),
        **component_kwargs,
    )
    started = time.monotonic()
    services.component_check(component=component, final_attempt=True)
    elapsed = time.monotonic() - started
    results = list(CheckResult.objects.filter(component=component))
    return results, elapsed


def assert_inconclusive(results, state, phrase, count=None):
    assert len(results) == (count or BACKENDS["mlflow"].checks)
    assert {r.state for r in results} == {state}
    assert all(phrase in r.reason for r in results), results[0].reason


def test_a_target_that_is_down_reads_unknown(project, backend):
    results, elapsed = check(project, closed_port_url(), backend)
    assert_inconclusive(results, "unknown", f"Cannot connect to {backend.system} at 127.0.0.1", backend.checks)
    assert elapsed < TIMEOUT * 3


def test_a_server_that_never_answers_reads_unknown_within_the_timeout(project, silent_listener, backend):
    results, elapsed = check(project, silent_listener, backend)
    assert_inconclusive(results, "unknown", "did not answer within 1 s", backend.checks)
    assert elapsed < TIMEOUT * 3


def test_an_http_500_reads_unknown(project, http_server, backend):
    results, _ = check(project, http_server(500, b'{"error_code": "INTERNAL_ERROR"}'), backend)
    assert_inconclusive(results, "unknown", "answered HTTP 500", backend.checks)


def test_garbage_json_reads_error(project, http_server, backend):
    results, _ = check(project, http_server(200, b"<html>not the tracking server</html>"), backend)
    assert_inconclusive(results, "error", backend.garbage, backend.checks)


def test_bad_credentials_read_error_without_echoing_the_token(project, http_server, backend):
    url = http_server(401, b'{"error_code": "UNAUTHENTICATED"}')
    secrets = encrypt_secrets({backend.secret: "tok-planted-0042"})
    results, _ = check(project, url, backend, encrypted_secrets=secrets)
    assert_inconclusive(results, "error", "refused the credentials (HTTP 401)", backend.checks)
    assert not any("tok-planted-0042" in r.reason or "tok-planted-0042" in str(r.facts) for r in results)


def test_a_transient_failure_is_retried_before_it_reads_unknown(project):
    component = ComponentFactory(
        project=project,
        kind="mlflow",
        connector="mlflow",
        connector_settings={"tracking_uri": closed_port_url(), "experiment": "qa"},
    )
    with pytest.raises(services.CheckRetry, match="Cannot connect"):
        services.component_check(component=component, final_attempt=False)
    assert not CheckResult.objects.filter(component=component).exists()


def test_a_component_without_tracking_url_reads_error_saying_what_to_set(project):
    component = ComponentFactory(project=project, kind="mlflow", connector="mlflow", connector_settings={})
    services.component_check(component=component)
    results = list(CheckResult.objects.filter(component=component))
    assert_inconclusive(results, "error", "Set the MLflow tracking server URL (tracking_uri).")

"""The administrator's egress proxy (PLUMBLINE_CONNECTOR_PROXY): connector calls and git clones go through it.

The proxy is a real forward HTTP proxy on 127.0.0.1 (absolute-URI requests, http targets only) that records every
request and forwards it to a real server on 127.0.0.1. The components name hosts that do not resolve at all
(``*.plumbline.test``), which the proxy maps to 127.0.0.1: a check can only succeed by going through it.
"""

import base64
import http.client
import json
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit
from wsgiref.simple_server import make_server

import pytest
from dulwich.repo import Repo
from dulwich.server import DictBackend
from dulwich.web import WSGIRequestHandlerLogger, WSGIServerLogger, make_wsgi_chain

from connectors import services
from connectors.backends.git import GitRepositoryConnector
from connectors.base import PASS
from connectors.models import CheckResult
from connectors.secrets import redact
from connectors.urls_policy import connector_proxy
from registry.choices import ComponentKind
from tests.factories import ComponentFactory
from tests.integration.servers import QuietJsonHandler, make_repo

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

METRICS_NAME = "metrics.plumbline.test"
GIT_NAME = "repo.plumbline.test"
PROXY_USER, PROXY_PASSWORD = "egress", "proxy-secret-5b2e"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "transfer-encoding", "te"}
RULES = {
    "status": "success",
    "data": {
        "groups": [
            {
                "name": "rag-bot",
                "rules": [
                    {"type": "alerting", "name": "HighErrorRate", "health": "ok", "labels": {"service": "rag-bot"}}
                ],
            }
        ]
    },
}


class ForwardProxy(QuietJsonHandler):
    """Forwards ``GET http://name:port/path`` to 127.0.0.1:port when ``name`` is in ``server.names``."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        target = urlsplit(self.path)
        self.server.received.append((self.command, self.path, self.headers.get("Proxy-Authorization")))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if target.scheme != "http" or target.hostname not in self.server.names:
            self.send_error(502)
            return
        upstream = http.client.HTTPConnection("127.0.0.1", target.port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body, headers=headers)
        response = upstream.getresponse()
        content = response.read()
        upstream.close()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_POST = do_GET


class PrometheusApi(QuietJsonHandler):
    """Answers the two Prometheus API calls of the connector: one healthy alert rule, no series."""

    def do_GET(self):
        self.server.received.append((self.path, self.headers.get("Host")))
        answer = RULES if self.path.startswith("/api/v1/rules") else {"status": "success", "data": []}
        body = json.dumps(answer).encode()
        self.send_json(200, body)


def serve(handler) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def proxy():
    server = serve(ForwardProxy)
    server.names = {METRICS_NAME, GIT_NAME}
    server.url = f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def metrics():
    server = serve(PrometheusApi)
    yield server
    server.shutdown()
    server.server_close()


def check_prometheus(project, url: str) -> dict:
    component = ComponentFactory(
        project=project,
        kind=ComponentKind.MONITORING_SOURCE,
        connector="prometheus",
        connector_settings={"url": url, "service": "rag-bot"},
    )
    services.component_check(component=component, final_attempt=True)
    return {r.check_id: r for r in CheckResult.objects.filter(component=component)}


def test_with_the_proxy_a_check_reaches_a_name_only_the_proxy_resolves(project, settings, proxy, metrics):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    settings.PLUMBLINE_CONNECTOR_PROXY = proxy.url
    port = metrics.server_address[1]

    results = check_prometheus(project, f"http://{METRICS_NAME}:{port}")

    assert results["prometheus.alert_rules_healthy"].state == PASS, results["prometheus.alert_rules_healthy"].reason
    credentials = "Basic " + base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
    assert ("GET", f"http://{METRICS_NAME}:{port}/api/v1/rules?type=alert", credentials) in proxy.received
    assert {host for _, host in metrics.received} == {f"{METRICS_NAME}:{port}"}


def test_without_the_proxy_the_same_check_reads_that_the_name_cannot_be_resolved(project, settings, proxy, metrics):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    settings.PLUMBLINE_CONNECTOR_PROXY = ""

    results = check_prometheus(project, f"http://{METRICS_NAME}:{metrics.server_address[1]}")

    assert {r.state for r in results.values()} == {"unknown"}
    assert all("cannot be resolved" in r.reason for r in results.values())
    assert proxy.received == []
    assert metrics.received == []


def test_an_allowed_host_bypasses_the_proxy(project, settings, proxy, metrics):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.PLUMBLINE_CONNECTOR_PROXY = proxy.url

    results = check_prometheus(project, f"http://127.0.0.1:{metrics.server_address[1]}")

    assert results["prometheus.alert_rules_healthy"].state == PASS
    assert proxy.received == []
    assert metrics.received


def test_an_internal_address_is_still_refused_behind_the_proxy(project, settings, proxy, metrics):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    settings.PLUMBLINE_CONNECTOR_PROXY = proxy.url

    results = check_prometheus(project, f"http://127.0.0.1:{metrics.server_address[1]}")

    assert {r.state for r in results.values()} == {"error"}
    assert all("internal address 127.0.0.1" in r.reason for r in results.values())
    assert proxy.received == []


def test_a_proxy_that_is_not_http_reads_a_permanent_error_without_its_credentials(project, settings, metrics):
    settings.PLUMBLINE_CONNECTOR_PROXY = f"socks5://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:1080"

    results = check_prometheus(project, f"http://{METRICS_NAME}:{metrics.server_address[1]}")

    assert {r.state for r in results.values()} == {"error"}
    assert all("PLUMBLINE_CONNECTOR_PROXY" in r.reason and PROXY_PASSWORD not in r.reason for r in results.values())
    assert metrics.received == []


def test_the_proxy_password_is_redacted_from_logs(settings, proxy):
    settings.PLUMBLINE_CONNECTOR_PROXY = proxy.url

    connector_proxy()

    assert PROXY_PASSWORD not in redact(f"connecting through {proxy.url} failed")


@pytest.fixture
def git_server(tmp_path):
    origin = make_repo(tmp_path / "origin", [{"README.md": "# Docs Q&A\n", "tests/test_app.py": "def test(): pass\n"}])
    server = make_server(
        "127.0.0.1",
        0,
        make_wsgi_chain(DictBackend({"/origin": Repo(str(origin))})),
        handler_class=WSGIRequestHandlerLogger,
        server_class=WSGIServerLogger,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_git_clones_a_name_only_the_proxy_resolves_through_it(settings, tmp_path, proxy, git_server):
    settings.VAR_DIR = tmp_path / "var"
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    settings.PLUMBLINE_CONNECTOR_PROXY = proxy.url
    location = f"http://{GIT_NAME}:{git_server.server_address[1]}/origin"
    component = ComponentFactory.build(kind=ComponentKind.CODE_REPOSITORY, attributes={"url": location})

    outcomes = GitRepositoryConnector(component=component, settings={}, secrets={}, timeout=10).run()

    assert {o.check_id: o.state for o in outcomes}["git.tests_present"] == PASS
    assert proxy.received
    assert all(path.startswith(location) for _, path, _ in proxy.received)

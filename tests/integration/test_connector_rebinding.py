"""DNS rebinding: a name that resolves to a public address when the URL is validated and to loopback when the
connector connects must not reach the loopback server.

The hostile resolver is simulated at the OS boundary (``socket.getaddrinfo``: public for the lookups Plumbline makes
while validating the URL, 127.0.0.1 for every later one); the server it points to is a real HTTP server on
127.0.0.1 that records every request it receives. The connector HTTP client is also tested on its own: it refuses
a loopback answer at connect time, and reaches an allowed address under the URL's name (Host header, TLS server
name and certificate check).

The git back-end runs the git CLI, which resolves names itself: a test cannot replace the resolver of a subprocess,
so what git's own resolver answers is handed to its libcurl as a resolve entry in the environment (``git_resolver``).
A back-end that does not pin git to the address it checked leaves that answer in force; the server is a real
smart-HTTP git server (dulwich) on 127.0.0.1 that records every request.
"""

import datetime
import socket
import ssl
import threading
from http.server import ThreadingHTTPServer
from wsgiref.simple_server import make_server

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from dulwich.repo import Repo
from dulwich.server import DictBackend
from dulwich.web import WSGIRequestHandlerLogger, WSGIServerLogger, make_wsgi_chain

from connectors import services
from connectors.backends import git as git_backend
from connectors.backends.git import GitRepositoryConnector
from connectors.base import PASS, ConnectorError
from connectors.http_client import connector_client
from connectors.models import CheckResult
from connectors.urls_policy import UrlNotAllowed
from registry.choices import ComponentKind
from tests.factories import ComponentFactory
from tests.integration.servers import QuietJsonHandler, make_repo

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

REBINDING_NAME = "rebind.plumbline.test"
PUBLIC_ADDRESS = "93.184.215.14"
# The framework validates a component's URLs, then the back-end validates the one it calls: two lookups.
VALIDATION_LOOKUPS = 2
TLS_NAME = "metrics.plumbline.test"
GIT_NAME = "repo.plumbline.test"


class Recording(QuietJsonHandler):
    def do_GET(self):
        self.server.received.append((self.command, self.path, self.headers.get("Host")))
        body = b'{"status": "success", "data": {}}'
        self.send_json(200, body)

    do_POST = do_GET


class Redirecting(Recording):
    """Answers every request with a redirect to the same path on ``server.location``."""

    def do_GET(self):
        self.server.received.append((self.command, self.path, self.headers.get("Host")))
        self.send_response(301)
        self.send_header("Location", self.server.location + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def start_server():
    """Start a real HTTP server on 127.0.0.1 (HTTPS with a TLS context); ``received`` lists every request."""
    servers = []

    def start(tls: ssl.SSLContext | None = None, handler=Recording):
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        server.received = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def loopback_server(start_server):
    return start_server()


@pytest.fixture
def resolver(monkeypatch):
    """Answers chosen addresses for chosen names, the real resolver for every other name."""
    real_getaddrinfo = socket.getaddrinfo
    answers = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            address = answers[host]()
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port or 0))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture
def rebinding_name(resolver):
    """``REBINDING_NAME`` resolves to a public address while validated, then to 127.0.0.1: a hostile DNS server
    answering with a zero TTL."""
    lookups = []

    def answer():
        lookups.append(REBINDING_NAME)
        return PUBLIC_ADDRESS if len(lookups) <= VALIDATION_LOOKUPS else "127.0.0.1"

    resolver[REBINDING_NAME] = answer
    return REBINDING_NAME


HTTP_BACKENDS = {
    "mlflow": ("mlflow", {"tracking_uri": "{url}", "experiment": "qa", "registered_model": "qa-model"}),
    "prometheus": ("monitoring_source", {"url": "{url}", "service": "rag-bot"}),
    "chroma": ("vector_store", {"location": "{url}", "collection": "docs"}),
    "qdrant": ("vector_store", {"location": "{url}", "collection": "docs"}),
}


@pytest.mark.parametrize("connector", sorted(HTTP_BACKENDS))
def test_a_name_rebound_to_loopback_after_validation_reads_error_and_reaches_nothing(
    project, settings, loopback_server, rebinding_name, connector
):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    kind, connector_settings = HTTP_BACKENDS[connector]
    url = f"http://{rebinding_name}:{loopback_server.server_address[1]}"
    component = ComponentFactory(
        project=project,
        kind=kind,
        connector=connector,
        connector_settings={key: value.format(url=url) for key, value in connector_settings.items()},
    )

    services.component_check(component=component, final_attempt=True)

    assert loopback_server.received == []
    results = list(CheckResult.objects.filter(component=component))
    assert results
    assert {r.state for r in results} == {"error"}
    assert all("internal address 127.0.0.1" in r.reason for r in results), results[0].reason


def test_the_client_refuses_a_name_that_resolves_to_loopback_when_it_connects(settings, loopback_server, resolver):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    resolver[REBINDING_NAME] = lambda: "127.0.0.1"

    with connector_client(timeout=5) as client, pytest.raises(UrlNotAllowed, match=r"internal address 127\.0\.0\.1"):
        client.get(f"http://{REBINDING_NAME}:{loopback_server.server_address[1]}/")

    assert loopback_server.received == []


def test_an_allowed_address_is_reached_under_its_name_with_the_certificate_verified(
    settings, monkeypatch, start_server, resolver, tmp_path
):
    """The checked address is connected to, but the Host header, SNI and certificate check keep the name."""
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    resolver[TLS_NAME] = lambda: "127.0.0.1"
    certificate, key = self_signed(TLS_NAME, tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", certificate)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certificate, key)
    server = start_server(tls)
    port = server.server_address[1]

    with connector_client(timeout=5) as client:
        response = client.get(f"https://{TLS_NAME}:{port}/api/v1/rules")

    assert response.status_code == 200
    assert server.received == [("GET", "/api/v1/rules", f"{TLS_NAME}:{port}")]


def self_signed(name: str, directory) -> tuple[str, str]:
    """A certificate for ``name`` signed by its own key: (certificate path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / "cert.pem", directory / "key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(certificate_path), str(key_path)


@pytest.fixture
def git_server(tmp_path):
    """A real smart-HTTP git server on 127.0.0.1 serving /origin (README and a test); ``received`` lists every
    request as (method, path, Host header)."""
    origin = make_repo(tmp_path / "origin", [{"README.md": "# Docs Q&A\n", "tests/test_app.py": "def test(): pass\n"}])
    app = make_wsgi_chain(DictBackend({"/origin": Repo(str(origin))}))
    received = []

    def recording(environ, start_response):
        received.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("HTTP_HOST")))
        return app(environ, start_response)

    server = make_server(
        "127.0.0.1", 0, recording, handler_class=WSGIRequestHandlerLogger, server_class=WSGIServerLogger
    )
    server.received = received
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def git_resolver(monkeypatch):
    """Set what the git CLI's own resolver answers for a name and port (see the module docstring)."""

    def answer(name: str, port: int, address: str):
        monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
        monkeypatch.setenv("GIT_CONFIG_KEY_0", "http.curloptResolve")
        monkeypatch.setenv("GIT_CONFIG_VALUE_0", f"{name}:{port}:{address}")

    return answer


@pytest.fixture
def git_cache(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def run_git(location: str) -> dict:
    component = ComponentFactory.build(kind=ComponentKind.CODE_REPOSITORY, attributes={"url": location})
    outcomes = GitRepositoryConnector(component=component, settings={}, secrets={}, timeout=10).run()
    return {o.check_id: o for o in outcomes}


@pytest.mark.usefixtures("git_cache")
def test_a_git_remote_rebound_to_loopback_after_validation_reads_error_and_reaches_nothing(
    project, settings, git_server, rebinding_name, git_resolver
):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    port = git_server.server_address[1]
    git_resolver(rebinding_name, port, "127.0.0.1")
    component = ComponentFactory(
        project=project,
        kind=ComponentKind.CODE_REPOSITORY,
        connector="git",
        connector_settings={"location": f"http://{rebinding_name}:{port}/origin"},
    )

    services.component_check(component=component, final_attempt=True)

    assert git_server.received == []
    results = list(CheckResult.objects.filter(component=component))
    assert results
    assert {r.state for r in results} == {"error"}
    assert all("internal address 127.0.0.1" in r.reason for r in results), results[0].reason


@pytest.mark.usefixtures("git_cache")
def test_git_clones_from_the_checked_address_under_the_name_whatever_its_own_resolver_answers(
    settings, git_server, resolver, git_resolver
):
    """The address 127.0.0.1 is allowed but the name is not, so the name is checked and git pinned to its address;
    git's own resolver points elsewhere (nothing listens on 127.0.0.2)."""
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    port = git_server.server_address[1]
    resolver[GIT_NAME] = lambda: "127.0.0.1"
    git_resolver(GIT_NAME, port, "127.0.0.2")

    results = run_git(f"http://{GIT_NAME}:{port}/origin")

    assert results["git.tests_present"].state == PASS
    assert git_server.received
    assert {host for _, _, host in git_server.received} == {f"{GIT_NAME}:{port}"}


@pytest.mark.usefixtures("git_cache")
def test_a_fetch_into_an_existing_mirror_is_checked_again(settings, git_server, resolver, git_resolver):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    port = git_server.server_address[1]
    url = f"http://{GIT_NAME}:{port}/origin"
    git_resolver(GIT_NAME, port, "127.0.0.1")
    resolver[GIT_NAME] = lambda: "127.0.0.1"
    run_git(url)
    git_server.received.clear()
    lookups = []

    def rebinding():
        """The location is validated with one lookup, then the name is rebound to the metadata address."""
        lookups.append(GIT_NAME)
        return "127.0.0.1" if len(lookups) == 1 else "169.254.169.254"

    resolver[GIT_NAME] = rebinding

    with pytest.raises(UrlNotAllowed, match=r"internal address 169\.254\.169\.254"):
        run_git(url)

    assert git_server.received == []


@pytest.mark.usefixtures("git_cache")
def test_git_does_not_follow_a_redirect_to_an_unchecked_host(
    settings, git_server, start_server, resolver, git_resolver
):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    redirector = start_server(handler=Redirecting)
    redirector.location = f"http://127.0.0.1:{git_server.server_address[1]}"
    port = redirector.server_address[1]
    resolver[GIT_NAME] = lambda: "127.0.0.1"
    git_resolver(GIT_NAME, port, "127.0.0.1")

    with pytest.raises(ConnectorError, match="final clone URL") as caught:
        run_git(f"http://{GIT_NAME}:{port}/origin")

    assert not caught.value.transient
    assert redirector.received
    assert git_server.received == []


@pytest.mark.usefixtures("git_cache")
def test_git_ignores_a_proxy_from_the_environment(settings, monkeypatch, git_server, start_server, resolver):
    """A proxy would resolve the name itself, past the check."""
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    proxy = start_server()
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.server_address[1]}")
    resolver[GIT_NAME] = lambda: "127.0.0.1"

    results = run_git(f"http://{GIT_NAME}:{git_server.server_address[1]}/origin")

    assert results["git.tests_present"].state == PASS
    assert proxy.received == []


@pytest.mark.usefixtures("git_cache")
def test_a_git_host_written_in_unicode_is_refused_with_its_ascii_form_to_use(
    settings, git_server, resolver, git_resolver
):
    """libcurl looks up the xn-- form of such a name, which a pin written with the Unicode name would not cover."""
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    port = git_server.server_address[1]
    name = "dépôt.plumbline.test"
    resolver[name] = lambda: "127.0.0.1"
    git_resolver(name.encode("idna").decode(), port, "127.0.0.1")

    with pytest.raises(UrlNotAllowed, match="ASCII form"):
        run_git(f"http://{name}:{port}/origin")

    assert git_server.received == []


@pytest.mark.usefixtures("git_cache")
def test_a_git_too_old_to_pin_reads_a_permanent_error_saying_what_to_do(settings, monkeypatch, git_server, resolver):
    """git before 2.37 ignores http.curloptResolve without a word, so the clone would go wherever its own resolver
    points. The worker's real git is newer; only its ``git --version`` answer is replaced."""
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    monkeypatch.setattr(git_backend, "git_version", lambda: "git version 2.36.1")
    resolver[GIT_NAME] = lambda: "127.0.0.1"

    with pytest.raises(ConnectorError) as caught:
        run_git(f"http://{GIT_NAME}:{git_server.server_address[1]}/origin")

    assert not caught.value.transient
    assert "git version 2.36.1" in str(caught.value)
    assert "Upgrade git on the Plumbline workers" in str(caught.value)
    assert "PLUMBLINE_CONNECTOR_ALLOWED_HOSTS" in str(caught.value)
    assert git_server.received == []

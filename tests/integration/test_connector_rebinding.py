"""DNS rebinding: a name that resolves to a public address when the URL is validated and to loopback when the
connector connects must not reach the loopback server.

The hostile resolver is simulated at the OS boundary (``socket.getaddrinfo``: public for the lookups Plumbline makes
while validating the URL, 127.0.0.1 for every later one); the server it points to is a real HTTP server on
127.0.0.1 that records every request it receives. The connector HTTP client is also tested on its own: it refuses
a loopback answer at connect time, and reaches an allowed address under the URL's name (Host header, TLS server
name and certificate check).
"""

import datetime
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from connectors import services
from connectors.http_client import connector_client
from connectors.models import CheckResult
from connectors.urls_policy import UrlNotAllowed
from tests.factories import ComponentFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

REBINDING_NAME = "rebind.plumbline.test"
PUBLIC_ADDRESS = "93.184.215.14"
# The framework validates a component's URLs, then the back-end validates the one it calls: two lookups.
VALIDATION_LOOKUPS = 2
TLS_NAME = "metrics.plumbline.test"


class Recording(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.received.append((self.command, self.path, self.headers.get("Host")))
        body = b'{"status": "success", "data": {}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def start_server():
    """Start a real HTTP server on 127.0.0.1 (HTTPS with a TLS context); ``received`` lists every request."""
    servers = []

    def start(tls: ssl.SSLContext | None = None):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Recording)
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

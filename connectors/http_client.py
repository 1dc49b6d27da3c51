"""The HTTP client of every connector call: it applies the URL policy to the address it actually connects to.

``urls_policy.validate_url`` resolves a host when the URL is checked, but an HTTP client resolves it again when
it connects, and a hostile DNS server can answer a public address the first time and 169.254.169.254 or
127.0.0.1 the next (DNS rebinding). So the network back-end here resolves the host once per connection, refuses
it if any address is internal and not allowed (``UrlNotAllowed``: the check reads ``error`` with the address in
the reason) and connects to a checked address. Only the TCP connection uses the address: the Host header, the
TLS server name and the certificate check still use the name in the URL.

The client ignores proxy and netrc settings from the environment: a proxy would resolve the name itself, beyond
this check, and netrc would hand the worker's credentials to whatever host a component names. Certificate
settings from the environment (SSL_CERT_FILE, SSL_CERT_DIR) still apply.

Where workers reach the outside only through an egress proxy, an administrator names it in
``PLUMBLINE_CONNECTOR_PROXY``: every call then goes through it (``ProxyTransport``) and the proxy, which resolves
the name and connects, is what enforces the egress policy. Hosts in ``PLUMBLINE_CONNECTOR_ALLOWED_HOSTS`` are
internal systems and are still reached directly, under the policy above, like NO_PROXY.
"""

from __future__ import annotations

from typing import Any

import httpcore
import httpx

from .urls_policy import checked_addresses, connector_proxy, is_allowed_host


class PolicyNetworkBackend(httpcore.SyncBackend):
    """Opens TCP connections only to addresses that pass the URL policy, trying them in the resolver's order."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if is_allowed_host(host):
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        failure = None
        for address in checked_addresses(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure


class PolicyTransport(httpx.HTTPTransport):
    """httpx's own transport, with the policy network back-end in its connection pool.

    httpx does not accept a network back-end, so it is set on the pool httpx builds (httpx and httpcore are pinned;
    tests/integration/test_connector_rebinding.py fails if the attribute ever stops taking effect).
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._pool._network_backend = PolicyNetworkBackend()


class ProxyTransport(httpx.BaseTransport):
    """Sends each call through the administrator's egress proxy, except calls to allowed hosts, which connect
    directly through a ``PolicyTransport``. One transport rather than httpx's ``proxy``/``mounts`` arguments, so
    client libraries that pass only a transport through (qdrant-client) get the same routing."""

    def __init__(self, proxy: str):
        self._proxied = httpx.HTTPTransport(proxy=proxy)
        self._direct = PolicyTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._direct if is_allowed_host(request.url.host) else self._proxied
        return transport.handle_request(request)

    def close(self) -> None:
        self._proxied.close()
        self._direct.close()


def client_options() -> dict[str, Any]:
    """Keyword arguments for an ``httpx.Client`` built by a client library (qdrant-client passes them through)."""
    proxy = connector_proxy()
    return {"transport": ProxyTransport(proxy) if proxy else PolicyTransport(), "trust_env": False}


def connector_client(**kwargs: Any) -> httpx.Client:
    """An ``httpx.Client`` (same arguments) whose connections obey the URL policy."""
    return httpx.Client(**client_options(), **kwargs)

"""Where a connector may be pointed: http/https only, and never at private or metadata addresses unless allowed.

A component's URL is typed by a project team, so without this check a connector could be aimed at the cloud
metadata service (169.254.169.254) or an internal admin port and echo what it finds into check facts. The
host is resolved and every address it resolves to must be public, unless the host (or the literal address)
is listed in ``settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS`` (tests and the demo list 127.0.0.1/localhost).
The same rule is applied again when a connector connects (``connectors.http_client``): a URL checked here may
resolve to another address by then. Behind an egress proxy (``settings.PLUMBLINE_CONNECTOR_PROXY``) the proxy
resolves the name and connects, so it must enforce the egress policy; a name the worker can resolve is still
refused here if it points at an internal address, and one it cannot resolve is left to the proxy.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import unquote, urlsplit

from django.conf import settings

from .base import ConnectorError
from .secrets import remember_secrets

URL_SETTING_SUFFIXES = ("url", "uri")


class UrlNotAllowed(ConnectorError):
    """A permanent error: the URL itself is not acceptable, a person must change it."""

    def __init__(self, message: str):
        super().__init__(message, transient=False)


def _allowed_hosts() -> set[str]:
    return {h.strip().lower() for h in settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS if h.strip()}


NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, where a translator or tunnel may route it there: IPv4-mapped
    (``::ffff:a.b.c.d``), NAT64 (``64:ff9b::a.b.c.d``), 6to4 (``2002:AABB:CCDD::``) and the deprecated
    IPv4-compatible form (``::a.b.c.d``, not ``::`` or ``::1``)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in NAT64_PREFIX or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_internal(address: str) -> bool:
    """Not a public unicast address; an IPv6 address that wraps an IPv4 one is judged by the IPv4 address too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    candidates = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and (inner := embedded_ipv4(ip)) is not None:
        candidates.append(inner)
    return any(not c.is_global or c.is_multicast for c in candidates)


def validate_url(url: str, *, resolve: bool = True) -> str:
    """Return the URL when a connector may call it; raise UrlNotAllowed saying why and how to fix it."""
    parts = urlsplit(str(url).strip())
    if parts.scheme == "file":
        raise UrlNotAllowed(
            "Only http:// and https:// URLs can be used, not file://; for a local repository or store give its "
            "absolute path (without file://) under the local source roots (PLUMBLINE_LOCAL_SOURCE_ROOTS)."
        )
    if parts.scheme not in ("http", "https"):
        raise UrlNotAllowed(f"Only http:// and https:// URLs can be used, not {parts.scheme or 'no scheme'!r}.")
    host = (parts.hostname or "").lower()
    if not host:
        raise UrlNotAllowed("The URL has no host name.")
    if parts.username or parts.password:
        raise UrlNotAllowed("Do not put credentials in the URL; store them in the connector's secret settings.")
    if resolve and not is_allowed_host(host):
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if connector_proxy():
            refuse_internal(host, port)
        else:
            checked_addresses(host, port)
    return url


def connector_proxy() -> str | None:
    """The egress proxy an administrator set for connectors (``PLUMBLINE_CONNECTOR_PROXY``), or None.

    Its credentials, if any, are remembered as secrets so that no log line or check reason shows them.
    """
    proxy = (settings.PLUMBLINE_CONNECTOR_PROXY or "").strip()
    if not proxy:
        return None
    parts = urlsplit(proxy)
    remember_secrets([proxy, parts.password or "", unquote(parts.password or "")])
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectorError(
            "PLUMBLINE_CONNECTOR_PROXY is not an http:// or https:// proxy URL; ask an administrator to correct it.",
            transient=False,
        )
    return proxy


def refuse_internal(host: str, port: int) -> None:
    """Behind the proxy: refuse a name the worker resolves to an internal address; one it cannot resolve passes,
    since the proxy resolves names itself."""
    try:
        checked_addresses(host, port)
    except UrlNotAllowed:
        raise
    except ConnectorError:
        pass


def is_allowed_host(host: str) -> bool:
    """An administrator listed this host name (or literal address): connectors may call it wherever it points."""
    return host.lower() in _allowed_hosts()


def checked_addresses(host: str, port: int) -> list[str]:
    """Resolve ``host`` once and return its addresses, refusing the host if any of them is internal and not listed.

    Every address must pass, not just the first, because the client may fall back to any of them. The HTTP
    client of the connectors (``connectors.http_client``) calls this again at connect time and connects only to
    the addresses returned, so a name that resolves differently later (DNS rebinding) cannot slip past.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConnectorError(f"The host {host} cannot be resolved; check the URL.", transient=True) from exc
    allowed = _allowed_hosts()
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        if _is_internal(address) and address.lower() not in allowed:
            raise UrlNotAllowed(
                f"The host {host} resolves to the internal address {address}, which connectors may not call. "
                "Ask an administrator to add the host to PLUMBLINE_CONNECTOR_ALLOWED_HOSTS if it is intended."
            )
    return addresses


def url_settings(values: dict) -> dict[str, str]:
    """The URL-valued entries: keys ending in url/uri, or values with a scheme."""
    found = {}
    for key, value in (values or {}).items():
        if not isinstance(value, str) or not value:
            continue
        if key.lower().endswith(URL_SETTING_SUFFIXES) or "://" in value:
            found[key] = value
    return found


def validate_component_urls(connector) -> None:
    """Validate every URL the connector may call: its settings, and the component attributes it falls back on.

    Only attributes named like one of the connector's parameters and not overridden by a setting are checked, so
    an unrelated URL in the inventory (a model endpoint) never breaks a check. Plain paths are not URLs.
    """
    readable = {p.name for p in connector.parameters} - set(connector.settings or {})
    attributes = {k: v for k, v in (connector.component.attributes or {}).items() if k in readable}
    candidates = {**url_settings(attributes), **url_settings(connector.settings)}
    for value in candidates.values():
        validate_url(value)

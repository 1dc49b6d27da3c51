"""Evidence back-ends, one module per kind of system, plus the small helpers they share.

The helpers turn what can go wrong when talking to a system into the two kinds of ``ConnectorError`` the
framework understands: transient (unreachable, timed out, 5xx, 429: worth a retry) and permanent (bad
credentials, wrong URL or name, an answer that is not what the API promises: a person must fix something).
Messages name the host only, never a full URL, so credentials embedded in a URL cannot leak.
"""

from __future__ import annotations

import importlib
from typing import Any
from urllib.parse import urlsplit

import httpx
import re2
from django.conf import settings as django_settings

from connectors.base import ConnectorError
from connectors.http_client import connector_client
from connectors.local_sources import checked_local_path
from connectors.urls_policy import validate_url


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def host_of(url: str) -> str:
    """``host[:port]`` of a URL, without user info, path or query: safe to show and to log."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{host}:{parts.port}" if parts.port else host


def safe_location(location: str) -> str:
    """A location fit for messages: the host of a URL, or the path of an embedded store as given."""
    return host_of(location) if "://" in location else location


FILE_URL_REFUSED = (
    "file:// URLs are not read; give the absolute local path instead (without file://), under the local source "
    "roots the administrator allowed (PLUMBLINE_LOCAL_SOURCE_ROOTS)."
)


def checked_location(value, *, missing: str) -> str:
    """The configured URL or path of a system, also when it came from the component's attributes rather than its
    settings: a URL must pass the connector URL policy (http/https, no internal hosts unless allowed), a path the
    local source policy (under PLUMBLINE_LOCAL_SOURCE_ROOTS, outside Plumbline's own folders; returned resolved)."""
    location = str(value or "").strip()
    if not location:
        raise ConnectorError(missing, transient=False)
    if location.lower().startswith("file://"):
        raise ConnectorError(FILE_URL_REFUSED, transient=False)
    return validate_url(location.rstrip("/")) if "://" in location else checked_local_path(location)


def require(module: str, package: str):
    """Import an optional client library, or say which package the worker needs (a permanent error)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConnectorError(
            f"The {package} package is missing on the worker; install requirements.txt there.",
            transient=False,
        ) from None


def as_list(value: Any, default: list[str]) -> list[str]:
    """A list setting given as a list or as a comma/newline separated string (forms store the latter)."""
    if value in (None, "", []):
        return list(default)
    if isinstance(value, str):
        return [item.strip() for item in value.replace("\n", ",").split(",") if item.strip()]
    return [str(item) for item in value]


def setting_number(settings: dict, name: str, default: float, *, minimum: float = 0) -> float:
    """A numeric setting, with a permanent error naming it when it is not a number."""
    value = settings.get(name, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConnectorError(f"Setting {name!r} must be a number, got {value!r}.", transient=False) from None
    if number < minimum:
        raise ConnectorError(f"Setting {name!r} must be at least {minimum:g}, got {number:g}.", transient=False)
    return number


def number_errors(settings: dict, bounds: dict[str, tuple[float, float | None]]) -> dict[str, list[str]]:
    """Form errors for numeric settings that are set but not numbers within ``bounds`` (name -> (min, max))."""
    errors = {}
    for name, (low, high) in bounds.items():
        value = settings.get(name)
        if value in (None, ""):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[name] = ["Enter a number."]
            continue
        if number < low or (high is not None and number > high):
            errors[name] = [
                f"Enter a number from {low:g} to {high:g}." if high is not None else f"Enter at least {low:g}."
            ]
    return errors


def location_errors(settings: dict, name: str, *, paths: bool) -> dict[str, list[str]]:
    """A form error when a location setting is a URL of a scheme connectors do not call."""
    location = str(settings.get(name) or "").strip()
    if not location or is_url(location) or ("://" not in location and paths):
        return {}
    what = "an http:// or https:// URL" + (" or a local path" if paths else "")
    return {name: [f"Use {what}."]}


def check_pattern_length(pattern: str, *, name: str) -> None:
    """A permanent error naming the setting when a pattern is longer than ``PLUMBLINE_REGEX_MAX_LENGTH``."""
    limit = django_settings.PLUMBLINE_REGEX_MAX_LENGTH
    if len(pattern) > limit:
        raise ConnectorError(
            f"Setting {name} is {len(pattern)} characters long; a pattern may have at most {limit}.", transient=False
        )


def safe_regex(pattern: str, *, name: str, ignore_case: bool = False):
    """``pattern`` compiled with RE2 (``google-re2``), which matches in time linear in the text, so no pattern can
    freeze a worker (Python's ``re`` backtracks: ``^(a+)+$`` took 68 s on a 30-character name). What RE2 does not
    support (backreferences, lookaround) is a permanent error naming the setting ``name``."""
    options = re2.Options()
    options.log_errors = False  # the error is raised to the caller; RE2 would also print it to stderr
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ConnectorError(
            f"Setting {name} is not a regular expression Plumbline can run ({detail}); backreferences and "
            "lookaround are not supported.",
            transient=False,
        ) from None


def user_regex(pattern: str, *, name: str, ignore_case: bool = False):
    """A regular expression a user or a monitored system wrote: length-checked, then compiled with ``safe_regex``."""
    check_pattern_length(pattern, name=name)
    return safe_regex(pattern, name=name, ignore_case=ignore_case)


def raise_for_transport(exc: Exception, *, system: str, url: str, timeout: float) -> None:
    """Raise the ConnectorError for an httpx transport failure (always transient: the network may come back)."""
    where = host_of(url)
    if isinstance(exc, httpx.TimeoutException):
        message = f"{system} at {where} did not answer within {timeout:g} s; check that it is up and reachable."
    elif isinstance(exc, httpx.ConnectError):
        message = f"Cannot connect to {system} at {where} (connection refused or host unreachable); check the URL."
    else:
        message = f"The connection to {system} at {where} failed ({type(exc).__name__}); it will be retried."
    raise ConnectorError(message, transient=True) from exc


def raise_for_status(status: int, *, system: str, url: str, what: str) -> None:
    """Raise the ConnectorError an HTTP error status means; return quietly for 2xx."""
    if 200 <= status < 300:
        return
    where = host_of(url)
    if status in (401, 403):
        raise ConnectorError(
            f"{system} at {where} refused the credentials (HTTP {status}); check the token or password.",
            transient=False,
        )
    if status == 404:
        raise ConnectorError(f"{system} at {where} has no {what} (HTTP 404); check the URL and name.", transient=False)
    if status == 429 or status >= 500:
        raise ConnectorError(f"{system} at {where} answered HTTP {status}; it will be retried.", transient=True)
    raise ConnectorError(f"{system} at {where} rejected the request for {what} (HTTP {status}).", transient=False)


def request_json(
    method: str,
    url: str,
    *,
    system: str,
    what: str,
    timeout: float,
    headers: dict | None = None,
    params: Any = None,
    json: Any = None,
    auth: tuple[str, str] | None = None,
) -> Any:
    """One HTTP call that must answer JSON, with every failure mapped to a ConnectorError."""
    if not is_url(url):
        raise ConnectorError(f"The {system} URL must start with http:// or https://.", transient=False)
    try:
        with connector_client(timeout=timeout, follow_redirects=False) as client:
            response = client.request(method, url, headers=headers, params=params, json=json, auth=auth)
    except httpx.HTTPError as exc:
        raise_for_transport(exc, system=system, url=url, timeout=timeout)
    raise_for_status(response.status_code, system=system, url=url, what=what)
    try:
        return response.json()
    except ValueError:
        raise ConnectorError(
            f"{system} at {host_of(url)} answered {what} with something that is not JSON; is the URL right?",
            transient=False,
        ) from None

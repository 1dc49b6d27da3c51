"""Phoenix's REST API (``/v1``), read with bounds: every call has the connector timeout, every response is read up
to ``PLUMBLINE_CONNECTOR_MAX_RESPONSE_BYTES`` and parsed with the depth and number limits of ``config.limits``, every
listing stops after ``MAX_PAGES`` pages. Errors map to ``ConnectorError`` through the shared helpers of
``connectors.backends`` (one status-to-error mapping for every connector): refused or slow -> transient (unknown),
401/403 -> "refused the credentials", 5xx/429 -> transient, anything that is not Phoenix's JSON -> permanent (error).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings

from config.limits import InputLimitError, json_loads
from connectors.backends import host_of, raise_for_status, raise_for_transport
from connectors.base import ConnectorError
from connectors.http_client import connector_client

SYSTEM = "Phoenix"
PAGE_SIZE = 100
MAX_PAGES = 5


def segment(value: str) -> str:
    """A project, prompt or dataset name or id as one path segment (names may hold spaces; never a slash)."""
    return quote(str(value), safe="")


class PhoenixClient:
    def __init__(self, base_url: str, *, timeout: float, api_key: str = ""):
        self.base_url = base_url
        self.timeout = timeout
        headers = {"Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.http = connector_client(base_url=base_url, headers=headers, timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, *, what: str, missing_ok: bool = False, params: Any = None, rows: bool = False) -> Any:
        """One GET that must answer Phoenix's JSON object with ``data`` (or, with ``rows``, a JSON list: the
        experiment export); None for a 404 when ``missing_ok``."""
        limit = settings.PLUMBLINE_CONNECTOR_MAX_RESPONSE_BYTES
        try:
            with self.http.stream("GET", path, params=params) as response:
                if response.status_code == 404 and missing_ok:
                    return None
                raise_for_status(response.status_code, system=SYSTEM, url=self.base_url, what=what)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise ConnectorError(
                            f"{SYSTEM} at {host_of(self.base_url)} answered {what} with more than {limit:,} bytes "
                            "(PLUMBLINE_CONNECTOR_MAX_RESPONSE_BYTES); narrow the project or raise the limit.",
                            transient=False,
                        )
        except httpx.HTTPError as exc:
            raise_for_transport(exc, system=SYSTEM, url=self.base_url, timeout=self.timeout)
        try:
            data = json_loads(bytes(body))
        except InputLimitError:
            data = None
        expected = isinstance(data, list) if rows else isinstance(data, dict) and "data" in data
        if not expected:
            raise ConnectorError(
                f"{SYSTEM} at {host_of(self.base_url)} answered {what} with something that is not the Phoenix API; "
                "is the URL right?",
                transient=False,
            )
        return data

    def listing(self, path: str, *, what: str, limit: int = PAGE_SIZE * MAX_PAGES, missing_ok=False, **params):
        """The items of a paged listing (``{"data": [...], "next_cursor": ...}``), at most ``limit`` and
        ``MAX_PAGES`` pages; None for a 404 when ``missing_ok``."""
        items: list[dict] = []
        cursor = None
        for _ in range(MAX_PAGES):
            page = {**params, "limit": min(PAGE_SIZE, limit - len(items))}
            if cursor:
                page["cursor"] = cursor
            body = self.get(path, what=what, missing_ok=missing_ok, params=page)
            if body is None:
                return None
            data = body["data"]
            if not isinstance(data, list):
                raise ConnectorError(
                    f"{SYSTEM} at {host_of(self.base_url)} answered {what} with something that is not a list.",
                    transient=False,
                )
            items.extend(item for item in data if isinstance(item, dict))
            cursor = body.get("next_cursor")
            if not cursor or len(items) >= limit:
                break
        return items[:limit]

"""Phoenix's REST API (``/v1``) on the shared HTTP base (``connectors.backends._http.HttpSource``: the connector
timeout, the response size cap, bounded JSON parsing and the one status-to-error mapping of every connector), plus
Phoenix's paging: every listing stops after ``MAX_PAGES`` pages of ``PAGE_SIZE``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from connectors.backends import host_of
from connectors.backends._http import HttpSource
from connectors.base import ConnectorError

SYSTEM = "Phoenix"
PAGE_SIZE = 100
MAX_PAGES = 5


def segment(value: str) -> str:
    """A project, prompt or dataset name or id as one path segment (names may hold spaces; never a slash)."""
    return quote(str(value), safe="")


class PhoenixClient(HttpSource):
    def __init__(self, base_url: str, *, timeout: float, api_key: str = ""):
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        super().__init__(system=SYSTEM, base_url=base_url, timeout=timeout, headers=headers)

    def get(self, path: str, *, what: str, missing_ok: bool = False, params: Any = None, rows: bool = False) -> Any:
        """One GET that must answer Phoenix's ``{"data": ...}`` object (or, with ``rows``, a JSON list: the experiment
        export); None for a 404 when ``missing_ok``."""
        body = self.call("GET", path, what=what, missing_ok=missing_ok, params=params, expect=list if rows else dict)
        if body is not None and not rows and "data" not in body:
            raise ConnectorError(
                f"{SYSTEM} at {self.where} answered {what} with something that is not {SYSTEM} JSON; is the URL right?",
                transient=False,
            )
        return body

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

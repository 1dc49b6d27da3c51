"""The shared base of back-ends that speak a JSON REST API (MLflow, Phoenix, ...): one client, one mapping of
HTTP statuses and transport failures to ``ConnectorError``s, the same as ``raise_for_status`` gives Qdrant, Chroma
and Prometheus.

- transport failures (refused, timed out, reset): transient, via ``raise_for_transport``;
- 401/403: permanent, "refused the credentials"; 404: ``None`` when the caller said it may be missing, else
  permanent; 429 and 5xx: transient; other 4xx: permanent;
- an answer that is not JSON of the expected shape: permanent, "not <system> JSON; is the URL right?";
- an answer larger than ``PLUMBLINE_CONNECTOR_MAX_RESPONSE_BYTES``: permanent, naming the limit. Answers are read
  as a stream and stop there, and parsed with the depth and number limits of ``config.limits`` (a hostile server
  cannot fill a worker's memory or stack).
Messages name the host only. The client obeys the connector URL policy (``connectors.http_client``).
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings

from config.limits import InputLimitError, json_loads
from connectors.backends import host_of, raise_for_status, raise_for_transport
from connectors.base import ConnectorError
from connectors.http_client import connector_client


class HttpSource:
    """A JSON REST API at ``base_url``. ``call`` returns the decoded body (a dict, or a list when ``expect=list``)."""

    def __init__(self, *, system: str, base_url: str, timeout: float, headers: dict | None = None, hint: str = ""):
        self.system = system
        self.base_url = base_url
        self.timeout = timeout
        self.hint = hint  # appended to the message of a permanent 4xx, e.g. "check that the server runs MLflow 3"
        self._client = connector_client(
            base_url=base_url,
            headers={"Accept": "application/json", **(headers or {})},
            timeout=timeout,
            follow_redirects=False,
        )

    @property
    def where(self) -> str:
        return host_of(self.base_url)

    def call(
        self, method: str, path: str, *, what: str, missing_ok: bool = False, expect: type = dict, **kwargs
    ) -> Any:
        limit = settings.PLUMBLINE_CONNECTOR_MAX_RESPONSE_BYTES
        try:
            with self._client.stream(method, path, **kwargs) as response:
                if response.status_code == 404 and missing_ok:
                    return None
                try:
                    raise_for_status(response.status_code, system=self.system, url=self.base_url, what=what)
                except ConnectorError as exc:
                    if exc.transient or not self.hint or response.status_code in (401, 403):
                        raise
                    raise ConnectorError(f"{exc} {self.hint}", transient=False) from None
                content = bytearray()
                for chunk in response.iter_bytes():
                    content += chunk
                    if len(content) > limit:
                        raise ConnectorError(
                            f"{self.system} at {self.where} answered {what} with more than {limit:,} bytes "
                            "(PLUMBLINE_CONNECTOR_MAX_RESPONSE_BYTES); narrow what is read or raise the limit.",
                            transient=False,
                        )
        except httpx.HTTPError as exc:
            raise_for_transport(exc, system=self.system, url=self.base_url, timeout=self.timeout)
        try:
            body = json_loads(bytes(content))
        except InputLimitError:
            body = None
        if not isinstance(body, expect):
            raise ConnectorError(
                f"{self.system} at {self.where} answered {what} with something that is not {self.system} JSON; "
                "is the URL right?",
                transient=False,
            )
        return body

    def close(self) -> None:
        self._client.close()

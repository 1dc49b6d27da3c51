"""A tiny HTTP client over urllib (standard library only, so any CI image with Python 3.9+ can run it)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request

from . import __version__


class Undecided(Exception):
    """Plumbline could not give an answer now (unreachable, timed out, rate-limited, server error): exit code 2."""


class Unusable(Exception):
    """The command cannot work as given (no URL or token, bad token, no access, no such project): exit code 3.

    Kept apart from :class:`Undecided` so a pipeline can tell a misconfigured job from a flaky server.
    """


class Rejected(Exception):
    """Plumbline understood the request and refused it (e.g. an invalid evidence payload): exit code 1."""

    def __init__(self, message: str, errors: dict):
        super().__init__(message)
        self.errors = errors


class Client:
    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0):
        if not base_url:
            raise Unusable("Set PLUMBLINE_URL (or --url) to your Plumbline server, e.g. https://plumbline.example.com.")
        if not token:
            raise Unusable("Set PLUMBLINE_TOKEN to a Plumbline API token (a CI token of the project).")
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise Unusable(f"PLUMBLINE_URL {base_url!r} is not an http(s) URL.")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, *, query: dict | None = None, body=None) -> dict:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Accept", "application/json")
        req.add_header("User-Agent", f"plumbline-cli/{__version__}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                return json.loads(response.read().decode() or "{}")
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc) from None
        except (socket.timeout, TimeoutError):  # noqa: UP041 (distinct classes on Python 3.9)
            raise Undecided(f"Plumbline at {self.base_url} did not answer within {self.timeout:g} s.") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise Undecided(f"Plumbline at {self.base_url} did not answer within {self.timeout:g} s.") from None
            raise Undecided(
                f"Could not reach Plumbline at {self.base_url}: {reason}. Check PLUMBLINE_URL and the network."
            ) from None
        except (ValueError, OSError) as exc:
            raise Undecided(f"Unexpected answer from Plumbline at {self.base_url}: {exc}") from None

    def _http_error(self, exc: urllib.error.HTTPError) -> Exception:
        try:
            payload = json.loads(exc.read().decode() or "{}")
        except ValueError:
            payload = {}
        detail = payload.get("detail") if isinstance(payload, dict) else None
        detail = detail or exc.reason
        if exc.code == 401:
            return Unusable(
                f"Authentication failed (401): {detail} Check PLUMBLINE_TOKEN: it may be mistyped, expired or revoked."
            )
        if exc.code == 403:
            return Unusable(f"Not allowed (403): {detail} A CI token reaches only its own project.")
        if exc.code == 404:
            return Unusable(f"Not found (404): {detail} Check the project slug and PLUMBLINE_URL.")
        if exc.code == 429:
            retry = exc.headers.get("Retry-After", "?")
            return Undecided(f"Rate limited (429): try again in {retry} s.")
        if exc.code == 400:
            return Rejected(str(detail), payload.get("errors") or {} if isinstance(payload, dict) else {})
        return Undecided(f"Plumbline answered HTTP {exc.code}: {detail}")

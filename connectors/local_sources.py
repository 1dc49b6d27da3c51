"""Where a connector may read a local path: only under the roots an administrator set, never in Plumbline's own data.

A git repository or an embedded vector store can be given as a path on the worker. Project members type that
path, so without a rule a member could read anything the worker can: another team's token-cloned repository in
the connector cache, the server's own checkout (with its ``.env``), its database, ``/etc``. A path is therefore
accepted only when, resolved (symlinks and ``..`` followed), it lies under one of
``settings.PLUMBLINE_LOCAL_SOURCE_ROOTS`` (none by default: local paths are off) and neither lies in nor contains
one of Plumbline's own folders (the checkout, VAR_DIR, MEDIA_ROOT, STATIC_ROOT, the connector clone cache).
A path outside the roots, a forbidden one and a missing one get the same message, so the answer never tells
whether something exists outside the roots. The rule is applied when settings are saved and when a connector runs.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from .base import ConnectorError

ROOTS_SETTING = "PLUMBLINE_LOCAL_SOURCE_ROOTS"


class LocalPathNotAllowed(ConnectorError):
    """A permanent error: this path cannot be read by connectors on this server."""

    def __init__(self, message: str):
        super().__init__(message, transient=False)


def connector_cache_dir() -> Path:
    """Where the git connector keeps its mirrors of remote repositories (cloned with teams' tokens)."""
    return Path(settings.VAR_DIR) / "connector-cache"


def allowed_roots() -> list[str]:
    value = getattr(settings, ROOTS_SETTING, [])
    entries = value.split(",") if isinstance(value, str) else value
    return [os.path.realpath(str(entry).strip()) for entry in entries if str(entry).strip()]


def protected_dirs() -> list[str]:
    """Plumbline's own folders: no local source may lie in one or contain one."""
    folders = [settings.BASE_DIR, settings.VAR_DIR, settings.MEDIA_ROOT, connector_cache_dir()]
    static_root = getattr(settings, "STATIC_ROOT", None)
    if static_root:
        folders.append(static_root)
    return list(dict.fromkeys(os.path.realpath(str(folder)) for folder in folders))


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def local_path_refusal(path: str) -> str | None:
    """Why connectors may not read ``path`` (None when they may). Checks the path only, not what it holds."""
    text = str(path or "").strip()
    if not text:
        return "Give the absolute path of the local source."
    if not os.path.isabs(text):
        return f"{text} is a relative path; give the absolute path (it must lie under {_roots_in_words()})."
    roots = allowed_roots()
    if not roots:
        return (
            "Local paths are turned off on this server (no PLUMBLINE_LOCAL_SOURCE_ROOTS); use the source's "
            "http(s) URL, or ask an administrator to allow a folder of local sources."
        )
    resolved = os.path.realpath(text)
    inside_a_root = any(_within(resolved, root) for root in roots)
    protected = any(_within(resolved, d) or _within(d, resolved) for d in protected_dirs())
    if not inside_a_root or protected or not os.path.isdir(resolved):
        return not_found_message(text)
    return None


def not_found_message(path: str) -> str:
    """The one message for a path that is missing, outside the roots or forbidden, so none can be told apart."""
    return f"No readable directory at {path} under {_roots_in_words()}; check the path."


def _roots_in_words() -> str:
    roots = allowed_roots()
    return "the allowed local source roots (" + ", ".join(roots) + ")" if roots else "an allowed local source root"


def checked_local_path(path: str) -> str:
    """The resolved path when connectors may read it; LocalPathNotAllowed otherwise."""
    refusal = local_path_refusal(path)
    if refusal:
        raise LocalPathNotAllowed(refusal)
    return os.path.realpath(str(path).strip())


def is_allowed_local_path(path: str) -> bool:
    """For paths found while reading (a repository's git directory): under a root and not protected."""
    return local_path_refusal(path) is None

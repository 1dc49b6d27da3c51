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
import shutil
import tempfile
from contextlib import contextmanager
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


# --- Embedded stores: recognised by their files, read from a copy -------------------------------------------

STORE_MARKERS = {"chroma": "chroma.sqlite3", "qdrant": "meta.json"}
STORE_NAMES = {"chroma": "Chroma", "qdrant": "Qdrant", "git": "git"}


def store_type(path: str) -> str | None:
    """What an allowed local folder holds: "chroma", "qdrant", "git" or None (none of those)."""
    for kind, marker in STORE_MARKERS.items():
        if os.path.isfile(os.path.join(path, marker)):
            return kind
    if os.path.exists(os.path.join(path, ".git")) or (
        os.path.isfile(os.path.join(path, "HEAD")) and os.path.isdir(os.path.join(path, "objects"))
    ):
        return "git"
    return None


def store_type_errors(path: str, expected: str) -> list[str]:
    """Errors when the folder at ``path`` is not a store of the ``expected`` type (empty when it is)."""
    found = store_type(path)
    if found == expected:
        return []
    want = STORE_NAMES[expected]
    if found is not None:
        what = "git repository" if found == "git" else f"{STORE_NAMES[found]} store"
        return [f"This is a {what}, not {want}: use the {found} connector for {path}."]
    if expected == "git":
        return [f"{path} is not a git repository (no .git folder, not a bare repository); check the path."]
    marker = STORE_MARKERS.get(expected)
    holds = f" (no {marker})" if marker else ""
    return [f"No {want} store at {path}{holds}; check the path."]


def checked_store(path: str, expected: str) -> None:
    errors = store_type_errors(path, expected)
    if errors:
        raise ConnectorError(errors[0], transient=False)


@contextmanager
def read_only_copy(path: str):
    """A private copy of the embedded store at ``path``, deleted afterwards: client libraries open stores for
    writing (Qdrant's lock and meta files, Chroma's SQLite database and migrations), so opening the copy is the
    only way to be sure not one file of the store is created or changed, modification times included. Symbolic
    links are left out (they could lead outside the allowed roots); stores above the size limit are refused."""
    limit = settings.PLUMBLINE_LOCAL_STORE_MAX_BYTES
    size = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            file_path = os.path.join(folder, name)
            if not os.path.islink(file_path):
                size += os.path.getsize(file_path)
        if size > limit:
            raise ConnectorError(
                f"The embedded store at {path} is over {limit:,} bytes (PLUMBLINE_LOCAL_STORE_MAX_BYTES), the most "
                "a check copies; serve it from a server and give its URL, or ask an administrator.",
                transient=False,
            )

    def skipped(folder, names):
        return [n for n in names if n == ".lock" or os.path.islink(os.path.join(folder, n))]

    with tempfile.TemporaryDirectory(prefix="plumbline-store-") as scratch:
        copy = os.path.join(scratch, "store")
        shutil.copytree(path, copy, symlinks=True, ignore=skipped)
        yield copy

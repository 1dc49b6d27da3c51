"""What a folder holds, to prove that reading evidence changed nothing in a source (PYTEST_DONT_REWRITE)."""

from __future__ import annotations

import hashlib
import os


def fingerprint(folder) -> dict[str, tuple[str, int, int]]:
    """Every file and folder below ``folder``: content hash ("dir" for folders), modification time (ns), size."""
    found = {}
    for current, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(current, name)
            stat = os.lstat(path)
            if name in files and not os.path.islink(path):
                with open(path, "rb") as handle:
                    digest = hashlib.file_digest(handle, "sha256").hexdigest()
            else:
                digest = "dir" if name in dirs else "link"
            found[os.path.relpath(path, folder)] = (digest, stat.st_mtime_ns, stat.st_size)
    return found

"""A limit on concurrent connector calls per target system, shared by every worker through the cache.

Each target (host or store path) has ``limit`` numbered slots; taking one is an atomic ``cache.add`` with a
lease, so a worker killed while holding a slot frees it when the lease runs out. With the Redis cache this
holds across workers and machines; with the local-memory cache (eager mode, tests) within one process.
"""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager

from django.core.cache import cache

from .base import ConnectorError

POLL_SECONDS = 0.05


def _key(target: str, slot: int) -> str:
    return f"plumbline:connector-slot:{target}:{slot}"


def try_acquire(target: str, limit: int, *, lease: float) -> str | None:
    """The key of a free slot now held by the caller, or None when all ``limit`` slots are taken."""
    token = uuid.uuid4().hex
    for slot in range(max(1, limit)):
        key = _key(target, slot)
        if cache.add(key, token, timeout=max(1, int(lease))):
            return key
    return None


def busy_slots(target: str, limit: int) -> int:
    return sum(1 for slot in range(max(1, limit)) if cache.get(_key(target, slot)) is not None)


@contextmanager
def target_slot(target: str, limit: int, *, lease: float, wait: float):
    """Hold one of ``limit`` slots for ``target``; a transient ConnectorError if none frees up within ``wait``."""
    deadline = time.monotonic() + wait
    key = try_acquire(target, limit, lease=lease)
    while key is None:
        if time.monotonic() >= deadline:
            raise ConnectorError(
                f"{limit} checks are already talking to {target}; this one will be retried shortly.", transient=True
            )
        time.sleep(POLL_SECONDS)
        key = try_acquire(target, limit, lease=lease)
    try:
        yield
    finally:
        cache.delete(key)

"""``/healthz`` (the process answers) and ``/readyz`` (what it depends on answers) for load balancers and
orchestrators.

Answered by the first middleware, before host validation, the HTTPS redirect, sessions and the login wall: a
load balancer probes by address over plain HTTP and has no session. Nothing secret is shown: each dependency
reports only its state, its latency and, when it fails, the kind of error (never a message, which could hold a
URL with a password).
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.http import JsonResponse

PROBE_TIMEOUT = 3  # seconds a dependency may take to answer a probe


def _database():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker():
    if settings.CELERY_BROKER_URL.startswith("memory://"):
        return "not_configured"  # tasks run in-process: nothing to reach
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=PROBE_TIMEOUT) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=PROBE_TIMEOUT)
    return "ok"


def _cache():
    key, value = f"readyz-{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    ok = cache.get(key) == value
    cache.delete(key)
    if not ok:
        raise RuntimeError("the value written was not read back")


def _media_storage():
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)


CHECKS = {"database": _database, "broker": _broker, "cache": _cache, "media_storage": _media_storage}


def readiness() -> tuple[bool, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            state, error = check() or "ok", None
        except Exception as exc:  # any failure of a dependency is "not ready", whatever its type
            state, error = "fail", type(exc).__name__
        results[name] = {"state": state, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
        if error:
            results[name]["error"] = error
    return all(r["state"] != "fail" for r in results.values()), results


def healthz():
    return JsonResponse({"status": "ok"})


def readyz():
    ready, checks = readiness()
    failing = [name for name, result in checks.items() if result["state"] == "fail"]
    body = {"status": "ok" if ready else "fail", "failing": failing, "checks": checks}
    return JsonResponse(body, status=200 if ready else 503)


PROBES = {"/healthz": healthz, "/readyz": readyz}


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe and request.method in ("GET", "HEAD"):
            response = probe()
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)

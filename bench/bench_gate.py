"""Gate API under load: 50 concurrent clients, 10,000 projects in PostgreSQL, gunicorn with 4 workers.

Throughput and p50/p99 latency of ``GET /api/v1/projects/<slug>/gate?stage=production`` (token auth, rate limit,
the stored verdict) are reported as ratios to a bare DRF endpoint that authenticates the same token and reads one
project row, served by the same gunicorn in the same run (``bench/gate_urls.py``, bench-only); the earlier baseline,
a bare endpoint returning a constant, is kept for reference. Stored verdicts are filled before the load
(``manage.py refresh_gate_verdicts``). SQL queries per gate call are counted at 100 and at 10,000 projects. Uses a
fresh database (``BENCH_DB_NAME``, default ``plumbline_bench``) on 127.0.0.1:5432, dropped and re-created each run.
"""

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

from bench.table import Row

NAME = "gate"
ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DB_NAME", "plumbline_bench")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
PROJECTS = 10_000
SMALL = 100
CLIENTS = 50
REQUESTS_PER_CLIENT = 40
WORKERS = 4
SETTINGS = "bench.gate_settings"
TOKEN = "plb_bench-gate-token-not-a-secret"


def _env():
    env = dict(os.environ, DATABASE_URL=DATABASE_URL, DJANGO_SETTINGS_MODULE=SETTINGS, PYTHONPATH=str(ROOT))
    env.pop("CELERY_BROKER_URL", None)
    return env


def _recreate_database():
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _manage(*args, code=None):
    cmd = [sys.executable, str(ROOT / "manage.py"), *args]
    if code is not None:
        cmd += ["-c", code]
    done = subprocess.run(cmd, env=_env(), cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


def seed(start, stop):
    """Projects ``start``..``stop`` with approved assessments, two checks and a pushed evaluation each, in bulk.

    Runs inside ``manage.py shell`` on the bench database (the bench process itself never configures Django).
    """
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from accounts.models import ApiToken, User, hash_token
    from assessments.models import Assessment
    from connectors.models import CheckResult, PushedEvaluation
    from questionnaires.models import QuestionnaireVersion
    from registry.models import Component, Project, Team

    now = timezone.now()
    team, _ = Team.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    user, _ = User.objects.get_or_create(username="bench", defaults={"role": User.Role.ADMIN})
    versions = {
        kind: QuestionnaireVersion.objects.get_or_create(
            slug=f"bench-{kind}",
            version="1.0.0",
            defaults={"kind": kind, "title": kind, "definition": {}, "content_hash": "0" * 64},
        )[0]
        for kind in ("impact", "risk", "maturity")
    }
    projects = Project.objects.bulk_create(
        Project(name=f"Bench {i:05d}", slug=f"bench-{i:05d}", team=team, stage="pilot", uses_rag=i % 3 == 0)
        for i in range(start, stop)
    )
    results = {
        "impact": {"recommendation": "proceed"},
        "risk": {"tier": "medium"},
        "maturity": {"verified_level": 2, "claimed_level": 2, "level_name": "Reproducible", "blocking": []},
    }
    Assessment.objects.bulk_create(
        Assessment(
            project=p,
            questionnaire=versions[kind],
            kind=kind,
            state="approved",
            decided_at=now - timedelta(days=3),
            expires_at=now + timedelta(days=80),
            result=results[kind],
        )
        for p in projects
        for kind in results
    )
    components = Component.objects.bulk_create(
        Component(project=p, kind="code_repository", name="repo", connector="git") for p in projects
    )
    CheckResult.objects.bulk_create(
        CheckResult(
            component=c,
            project_id=c.project_id,
            check_id=check_id,
            state="pass",
            reason="ok",
            checked_at=now - timedelta(hours=2),
            expires_at=now + timedelta(hours=22),
        )
        for c in components
        for check_id in ("git.tests_present", "git.ci_runs_tests", "vectorstore.index_fresh")
    )
    PushedEvaluation.objects.bulk_create(
        PushedEvaluation(
            project=p,
            format="plumbline",
            metrics=[{"name": "faithfulness", "value": 0.9, "threshold": 0.85, "passed": True}],
            dataset_name="golden",
            evaluated_at=now - timedelta(hours=3),
            payload={},
        )
        for p in projects
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics after a bulk load, as autovacuum would give a live database
    if start == 0:
        ApiToken.objects.get_or_create(
            key_hash=hash_token(TOKEN),
            defaults={"user": user, "name": "bench", "scope": "read", "prefix": TOKEN[:12]},
        )


def count_queries(slug):
    """SQL queries for one authenticated gate request through the full Django stack."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    url = f"/api/v1/projects/{slug}/gate?stage=production"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    client.get(url, **headers)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    print(json.dumps({"queries": len(ctx.captured_queries), "allowed": response.json()["allowed"]}))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_gunicorn(port):
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        env=_env(),
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/constant", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not start within 60 s")


def _load(port, paths, headers):
    """``CLIENTS`` threads, each sending ``REQUESTS_PER_CLIENT`` requests; returns (requests/s, latencies in s)."""
    latencies, errors = [], []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS + 1)

    def client(seed):
        rng = random.Random(seed)
        conn = HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        start.wait()
        for _ in range(REQUESTS_PER_CLIENT):
            t0 = time.perf_counter()
            conn.request("GET", rng.choice(paths), headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != 200:
                errors.append(response.status)
            if response.will_close:
                conn.close()
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. HTTP {errors[0]}")
    return len(latencies) / elapsed, sorted(latencies)


def _last_json_line(text):
    return json.loads(text.strip().splitlines()[-1])


def _pct(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def _say(message):
    print(f"  gate: {message}", file=sys.stderr, flush=True)


def run():
    _say(f"creating the {DB_NAME} database")
    _recreate_database()
    _manage("migrate", "--noinput", "-v0")
    _manage("shell", code=f"from bench.bench_gate import seed; seed(0, {SMALL})")
    small = _last_json_line(
        _manage("shell", code="from bench.bench_gate import count_queries; count_queries('bench-00007')")
    )
    _say(f"seeding {PROJECTS:,} projects")
    _manage("shell", code=f"from bench.bench_gate import seed; seed({SMALL}, {PROJECTS})")
    large = _last_json_line(
        _manage("shell", code="from bench.bench_gate import count_queries; count_queries('bench-09007')")
    )
    _say("storing the verdicts of every project")
    _manage("refresh_gate_verdicts")

    _say(f"load: {CLIENTS} clients x {REQUESTS_PER_CLIENT} requests, gunicorn with {WORKERS} workers")
    port = _free_port()
    server = _start_gunicorn(port)
    try:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        gate_paths = [f"/api/v1/projects/bench-{i:05d}/gate?stage=production" for i in range(0, PROJECTS, 7)]
        _load(port, ["/bench/constant"], {})  # warm-up: workers import, connect, fill caches
        _load(port, gate_paths[:50], auth)
        row_paths = [f"/bench/projects/bench-{i:05d}" for i in range(0, PROJECTS, 7)]
        const_rps, const_lat = _load(port, ["/bench/constant"], {})
        base_rps, base_lat = _load(port, row_paths, auth)
        gate_rps, gate_lat = _load(port, gate_paths, auth)
    finally:
        server.terminate()
        server.wait(timeout=30)

    baseline = f"bare DRF endpoint: same token auth, one project row; gunicorn ({WORKERS} workers), {CLIENTS} clients"
    rows = [
        Row(NAME, f"gate throughput, {PROJECTS:,} projects", gate_rps, "req/s", gate_rps / base_rps, baseline),
        Row(
            NAME, "gate latency p50", _pct(gate_lat, 50) * 1000, "ms", _pct(gate_lat, 50) / _pct(base_lat, 50), baseline
        ),
        Row(
            NAME, "gate latency p99", _pct(gate_lat, 99) * 1000, "ms", _pct(gate_lat, 99) / _pct(base_lat, 99), baseline
        ),
        Row(
            NAME,
            f"SQL queries per gate call, {PROJECTS:,} projects",
            large["queries"],
            "queries",
            large["queries"] / small["queries"],
            f"same call with {SMALL} projects: {small['queries']} queries",
        ),
        Row(
            NAME,
            "bare token + project row endpoint throughput (baseline)",
            base_rps,
            "req/s",
            None,
            f"median latency {statistics.median(base_lat) * 1000:.1f} ms",
        ),
        Row(
            NAME,
            "gate throughput vs bare constant endpoint (reference)",
            gate_rps,
            "req/s",
            gate_rps / const_rps,
            f"constant endpoint {const_rps:.0f} req/s, median {statistics.median(const_lat) * 1000:.1f} ms",
        ),
    ]
    return rows

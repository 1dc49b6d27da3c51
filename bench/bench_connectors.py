"""Evidence refresh at scale: 1,000 projects × every trace and evaluation check, 4 Celery workers on Redis, against
a real MLflow server and a real Arize Phoenix server in turn.

The figure is the wall time of the whole refresh as a ratio to the ideal measured in the same run: the sum of the
raw REST round trips those checks make (the very requests one check run makes, recorded, then replayed
sequentially with plain httpx: no Django, no Celery) for every project, divided by the 4 workers. The ratio is what
the framework costs (Celery, PostgreSQL writes, the per-target slot in the Redis cache, the wall-clock thread) plus
contention on the source server, so each server runs with as many workers as Celery has where it can: MLflow with
``--workers 4``; Phoenix serves one uvicorn process (``phoenix serve`` has no workers option), so four concurrent
refreshes queue on it and its ratio says so.

Runs each back-end in a child process with its own throw-away PostgreSQL database and Redis queue, so Django
settings of other benchmarks in the same ``python -m bench`` process do not matter and the demo data is never touched.
``BENCH_CONNECTOR_PROJECTS`` lowers the project count for a quick try.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

from bench.table import Row

NAME = "connectors"
PROJECTS = int(os.environ.get("BENCH_CONNECTOR_PROJECTS", "1000"))
WORKERS = 4
# Every trace and evaluation check (datasets.named is judged from the same evaluations read).
CHECKS = (
    "traces.present",
    "traces.have_usage",
    "evaluations.recent",
    "evaluations.required_metrics",
    "evaluations.tiers",
    "evaluations.heuristic",
    "evaluations.llm_judge",
    "evaluations.grounding",
    "evaluations.human_review",
    "datasets.named",
)
BACKENDS = ("mlflow", "phoenix")
SERVER_WORKERS = {"mlflow": f"MLflow --workers {WORKERS}", "phoenix": "Phoenix: one process (no workers option)"}
# Four MLflow workers took 115 s to answer /health on this 2-core machine at a load average of 10-12.
START_TIMEOUT = 900
ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")


def run():
    rows = []
    for backend in BACKENDS:
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_connectors", backend],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"bench_connectors {backend} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        rows += _rows(backend, json.loads(done.stdout.strip().splitlines()[-1]))
    return rows


def _rows(backend, result):
    checks = PROJECTS * len(CHECKS)
    ideal = result["raw_round_trips_s"] / WORKERS
    per_check = result["wall_s"] / checks
    return [
        Row(
            NAME,
            f"{backend}: refresh {PROJECTS:,} projects × {len(CHECKS)} trace/evaluation checks, {WORKERS} workers",
            result["wall_s"],
            "s",
            result["wall_s"] / ideal,
            f"ideal {ideal:.1f} s = Σ raw REST round trips {result['raw_round_trips_s']:.1f} s "
            f"({result['requests']} per project) ÷ {WORKERS}; {SERVER_WORKERS[backend]}",
        ),
        Row(
            NAME,
            f"{backend}: same refresh vs the raw calls made one after another",
            result["wall_s"],
            "s",
            result["wall_s"] / result["raw_round_trips_s"],
            f"Σ raw REST round trips {result['raw_round_trips_s']:.1f} s",
        ),
        Row(
            NAME,
            f"{backend}: the raw calls alone from {WORKERS} client processes at once (no Plumbline)",
            result["raw_concurrent_s"],
            "s",
            result["raw_concurrent_s"] / ideal,
            f"ideal Σ raw ÷ {WORKERS} = {ideal:.1f} s; {result['cores']} cores on this machine",
        ),
        Row(
            NAME,
            f"{backend}: same refresh vs the raw calls from {WORKERS} client processes at once",
            result["wall_s"],
            "s",
            result["wall_s"] / result["raw_concurrent_s"],
            f"the same requests, {WORKERS} processes, no Plumbline: {result['raw_concurrent_s']:.1f} s",
        ),
        Row(NAME, f"{backend}: wall time per check", per_check * 1000, "ms", per_check / (ideal / checks), "ideal"),
        Row(
            NAME,
            f"{backend}: checks reading the seeded verdict after the refresh",
            result["as_seeded"],
            "checks",
            result["as_seeded"] / checks,
            f"{checks:,} checks run",
        ),
    ]


# --- the child process --------------------------------------------------------------------------------------

# Both servers hold the evidence of the parity test's "complete" scenario (tests/integration/test_capability_parity.py):
# traces with model and token usage, an evaluation on the managed dataset qa-golden by a code scorer, an LLM judge's
# correctness and groundedness and one person's review on a production trace.
# What every project's component reads and what the seeded evidence makes each check read (the unassessed
# projects are judged as high risk: every tier is there, but one reviewed item is fewer than it asks).
SHARED_SETTINGS = {"required_metrics": "exact_match", "eval_dataset": "qa-golden", "checks": ",".join(CHECKS)}
AS_SEEDED = dict.fromkeys(CHECKS, "pass") | {"evaluations.tiers": "warn", "evaluations.human_review": "warn"}


def _create_database():
    import psycopg

    name = f"plumbline_bench_connectors_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_database(name):
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _start_server(backend, workdir):
    if backend == "mlflow":
        from tests.integration.mlflow_server import MLflowServer
        from tests.integration.test_capability_parity import SEED

        server = MLflowServer(workdir / "mlflow", workers=WORKERS).start(timeout=START_TIMEOUT)
        server.seed(SEED, timeout=900)
        settings = {"tracking_uri": server.url, "experiment": "parity-complete"}
        return server, {"kind": "mlflow", "connector_settings": settings}
    from tests.integration.phoenix_server import PhoenixServer

    server = PhoenixServer(workdir / "phoenix").start(timeout=START_TIMEOUT)
    server.seed("usage", "experiment")
    return server, {"kind": "monitoring_source", "connector_settings": {"base_url": server.url, "project": "rag-bot"}}


def _recorded_requests(component):
    """The requests one run of the checks makes (method, URL, headers that shape the body, body), recorded by
    wrapping the connectors' HTTP client, once the run reads the seeded verdicts (servers ingest spans
    asynchronously, so a read right after seeding may miss one)."""
    from connectors import http_client
    from connectors.loading import connector_for_component

    original = http_client.connector_client
    modules = [m for m in list(sys.modules.values()) if getattr(m, "connector_client", None) is original]
    for attempt in range(3):
        recorded = []

        def recording_client(recorded=recorded, **kwargs):
            hooks = kwargs.pop("event_hooks", {}) or {}
            hooks = {**hooks, "request": [*hooks.get("request", []), recorded.append]}
            return original(event_hooks=hooks, **kwargs)

        for module in modules:
            module.connector_client = recording_client
        try:
            outcomes = connector_for_component(component, timeout=30).run()
        finally:
            for module in modules:
                module.connector_client = original
        differ = {
            o.check_id: (o.state, o.reason, o.facts) for o in outcomes if AS_SEEDED.get(o.check_id, o.state) != o.state
        }
        if not differ:
            break
        if attempt == 2:  # measured all the same: the "as seeded" row counts what differs
            print(f"{component.connector}: the seeded server does not read as seeded: {differ}", file=sys.stderr)
            break
        time.sleep(5)
    return [
        (r.method, str(r.url), {k: v for k, v in r.headers.items() if k.lower() == "content-type"}, r.content)
        for r in recorded
    ]


def _raw_round_trips(requests, n):
    """Seconds for ``requests`` made ``n`` times sequentially with plain httpx (a fresh client per project, as
    each check run opens its own)."""
    import httpx

    started = time.perf_counter()
    for _ in range(n):
        with httpx.Client(timeout=30) as http:
            for method, url, headers, content in requests:
                http.request(method, url, headers=headers, content=content).raise_for_status()
    return time.perf_counter() - started


def _replay_share(requests, n):
    """One client process's share of the concurrent replay (module level, so a process pool can call it)."""
    _raw_round_trips(requests, n)
    return os.getpid()


def _raw_round_trips_concurrent(requests, n, clients=WORKERS):
    """Seconds for the same ``n`` replays spread over ``clients`` processes running at once (as Celery's prefork
    pool runs its workers): what this machine can do with that many requests in flight and no Plumbline at all.
    On a machine with fewer cores than ``clients`` the source server and the clients share the cores, and this,
    not Σ raw ÷ ``clients``, is the floor any refresh could reach."""
    from concurrent.futures import ProcessPoolExecutor

    shares = [n // clients + (1 if i < n % clients else 0) for i in range(clients)]
    with ProcessPoolExecutor(max_workers=clients) as pool:
        list(pool.map(_replay_share, [requests] * clients, [1] * clients))  # processes started and warm
        started = time.perf_counter()
        list(pool.map(_replay_share, [requests] * clients, shares))
        return time.perf_counter() - started


def _start_worker(env, queue, log_path):
    log = open(log_path, "wb")  # noqa: SIM115 - lives as long as the worker
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "-Q", queue, "-n", f"{queue}@%h",
         "--concurrency", str(WORKERS), "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return process, log


def _child(backend):
    import tempfile

    sys.path.insert(0, str(ROOT))
    database = _create_database()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
        "CELERY_BROKER_URL": f"{REDIS}/0",
        "CACHE_URL": f"redis://{REDIS.split('://', 1)[1]}/1",
        "PLUMBLINE_CONNECTOR_ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    workdir = Path(tempfile.mkdtemp(prefix="bench-connectors-"))
    server = worker = log = None
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from config.celery import app
        from connectors import services
        from connectors.models import CheckResult, RefreshRun
        from registry.models import Component, Project, Team

        app.conf.task_default_queue = queue
        server, component = _start_server(backend, workdir)
        settings = {**component["connector_settings"], **SHARED_SETTINGS}
        requests = _recorded_requests(Component(kind=component["kind"], connector=backend, connector_settings=settings))
        team = Team.objects.create(name="Bench", slug="bench")
        projects = Project.objects.bulk_create(
            Project(name=f"Bench {i:04d}", slug=f"bench-{i:04d}", team=team) for i in range(PROJECTS)
        )
        Component.objects.bulk_create(
            Component(project=p, kind=component["kind"], name="tracing", connector=backend, connector_settings=settings)
            for p in projects
        )
        raw = _raw_round_trips(requests, PROJECTS)
        raw_concurrent = _raw_round_trips_concurrent(requests, PROJECTS)

        worker, log = _start_worker(env, queue, workdir / "worker.log")
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError((workdir / "worker.log").read_text()[-3000:])

        started = time.perf_counter()
        for project in Project.objects.all():
            services.evidence_refresh(project=project, actor=None)
        while RefreshRun.objects.filter(status="done").count() < PROJECTS:
            if time.perf_counter() - started > 2400 or worker.poll() is not None:
                raise RuntimeError("refresh did not finish:\n" + (workdir / "worker.log").read_text()[-3000:])
            time.sleep(0.1)
        wall = time.perf_counter() - started
        as_seeded = sum(
            CheckResult.objects.filter(check_id=check, state=state).count() for check, state in AS_SEEDED.items()
        )
        print(json.dumps({"wall_s": wall, "raw_round_trips_s": raw, "raw_concurrent_s": raw_concurrent,
                          "requests": len(requests), "as_seeded": as_seeded, "cores": os.cpu_count()}))
    finally:
        if worker is not None:
            os.killpg(worker.pid, 15)
            worker.wait(30)
            log.close()
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        from django.db import connections

        connections.close_all()
        _drop_database(database)


if __name__ == "__main__":
    _child(sys.argv[1] if len(sys.argv) > 1 else "mlflow")

"""Evidence refresh at scale: 1,000 projects × every trace and evaluation check, 4 Celery workers on Redis, against
a real MLflow server and a real Arize Phoenix server in turn.

The figure is the wall time of the whole refresh as a ratio to the ideal measured in the same run: the sum of the
raw REST round trips those checks make (the very requests one check run makes, recorded, then replayed
sequentially with plain httpx: no Django, no Celery) for every project, divided by the 4 workers. The ratio is what
the framework costs (Celery, PostgreSQL writes, the per-target slot in the Redis cache, the wall-clock thread) plus
contention on the source server, so each server runs with as many workers as Celery has: MLflow with
``--workers 4``; ``phoenix serve`` has no workers option (one uvicorn process), so Phoenix runs as 4 replica
processes, as a deployment with 4 replicas behind a balancer would: one server is seeded and stopped, its SQLite
database (WAL included) is copied to 4 working directories and a server is started on each. Project i's component
points at replica i % 4, and the raw baselines replay project i's recorded requests against that same replica. The
replicas are copies, not a shared store: that holds only because the benchmark only reads (every check reads the
seeded state, which each replica is verified to serve before the measurement).

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
SERVER_WORKERS = {
    "mlflow": f"MLflow --workers {WORKERS}",
    "phoenix": f"Phoenix: {WORKERS} replica processes of one seeded SQLite state, projects spread over them",
}
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


def _start_servers(backend, workdir, servers):
    """Start the source server(s), appending each to ``servers`` as soon as it runs (the caller stops them);
    return the component kind and the connector settings for each server, project i using entry i % len."""
    if backend == "mlflow":
        from tests.integration.mlflow_server import MLflowServer
        from tests.integration.test_capability_parity import SEED

        server = MLflowServer(workdir / "mlflow", workers=WORKERS)
        servers.append(server)
        server.start(timeout=START_TIMEOUT)
        server.seed(SEED, timeout=900)
        return "mlflow", [{"tracking_uri": server.url, "experiment": "parity-complete", **SHARED_SETTINGS}]
    from registry.models import Component
    from tests.integration.phoenix_server import PhoenixServer

    def settings(server):
        return {"base_url": server.url, "project": "rag-bot", **SHARED_SETTINGS}

    seeded = PhoenixServer(workdir / "phoenix-seeded")
    servers.append(seeded)
    seeded.start(timeout=START_TIMEOUT)
    seeded.seed("usage", "experiment")
    # Spans are ingested asynchronously: stop only once the checks read the seeded verdicts, so the copy has them.
    _recorded_requests(Component(kind="monitoring_source", connector=backend, connector_settings=settings(seeded)))
    seeded.stop()
    servers.remove(seeded)
    replicas = [seeded.replica(workdir / f"phoenix-{i}") for i in range(WORKERS)]
    for replica in replicas:
        servers.append(replica.launch())
    for replica in replicas:
        replica.wait_started(timeout=START_TIMEOUT)
    return "monitoring_source", [settings(replica) for replica in replicas]


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
            # A module first imported during the run (connectors.backends._http) took the recording client: restore
            # it too, or every later recording would go to this run's list.
            for module in [*modules, *list(sys.modules.values())]:
                if getattr(module, "connector_client", None) is recording_client:
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


def _retarget(requests, old_url, new_url):
    """The same requests (method, path, query, body) sent to the server at ``new_url`` instead of ``old_url``."""
    return [(method, new_url + url.removeprefix(old_url), *rest) for method, url, *rest in requests]


def _raw_round_trips(plan):
    """Seconds for every project's requests (``plan``: one list per project) made sequentially with plain httpx (a
    fresh client per project, as each check run opens its own)."""
    import httpx

    started = time.perf_counter()
    for requests in plan:
        with httpx.Client(timeout=30) as http:
            for method, url, headers, content in requests:
                http.request(method, url, headers=headers, content=content).raise_for_status()
    return time.perf_counter() - started


def _replay_share(plan):
    """One client process's share of the concurrent replay (module level, so a process pool can call it)."""
    _raw_round_trips(plan)
    return os.getpid()


def _raw_round_trips_concurrent(plan, clients=WORKERS):
    """Seconds for the same replays spread over ``clients`` processes running at once (as Celery's prefork pool
    runs its workers): what this machine can do with that many requests in flight and no Plumbline at all. Client
    j replays projects j, j + clients, ..., so the projects in flight at once are neighbours, as in the refresh
    (with Phoenix's replicas: each on another replica). On a machine with fewer cores than ``clients`` the source
    server(s) and the clients share the cores, and this, not Σ raw ÷ ``clients``, is the floor any refresh could
    reach."""
    from concurrent.futures import ProcessPoolExecutor

    shares = [plan[j::clients] for j in range(clients)]
    with ProcessPoolExecutor(max_workers=clients) as pool:
        list(pool.map(_replay_share, [share[:1] for share in shares]))  # processes started and warm
        started = time.perf_counter()
        list(pool.map(_replay_share, shares))
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
    servers = []
    worker = log = None
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
        kind, targets = _start_servers(backend, workdir, servers)
        # The requests one run makes against each server (or replica): each recording also checks that the server
        # reads as seeded. The baselines replay the first recording retargeted, so every project makes the same calls.
        recordings = [
            _recorded_requests(Component(kind=kind, connector=backend, connector_settings=settings))
            for settings in targets
        ]
        if not all(recordings):
            raise RuntimeError(f"{backend}: a check run made no recorded request; the baselines would replay nothing")
        by_target = [_retarget(recordings[0], servers[0].url, server.url) for server in servers]
        if by_target != recordings:
            print(f"{backend}: the servers were asked different requests; replaying each one's own", file=sys.stderr)
            by_target = recordings
        team = Team.objects.create(name="Bench", slug="bench")
        projects = Project.objects.bulk_create(
            Project(name=f"Bench {i:04d}", slug=f"bench-{i:04d}", team=team) for i in range(PROJECTS)
        )
        Component.objects.bulk_create(
            Component(
                project=p,
                kind=kind,
                name="tracing",
                connector=backend,
                connector_settings=targets[i % len(targets)],
            )
            for i, p in enumerate(projects)
        )
        plan = [by_target[i % len(by_target)] for i in range(PROJECTS)]
        raw = _raw_round_trips(plan)
        raw_concurrent = _raw_round_trips_concurrent(plan)

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
        result = {"wall_s": wall, "raw_round_trips_s": raw, "raw_concurrent_s": raw_concurrent}
        print(json.dumps(result | {"requests": len(recordings[0]), "as_seeded": as_seeded, "cores": os.cpu_count()}))
    finally:
        if worker is not None:
            os.killpg(worker.pid, 15)
            worker.wait(30)
            log.close()
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        from django.db import connections

        connections.close_all()
        _drop_database(database)


if __name__ == "__main__":
    _child(sys.argv[1] if len(sys.argv) > 1 else "mlflow")

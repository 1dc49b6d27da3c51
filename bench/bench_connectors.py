"""Evidence refresh at scale: 1,000 projects × 3 MLflow checks, 4 Celery workers on Redis, one real MLflow server.

The figure is the wall time of the whole refresh as a ratio to the ideal measured in the same run: the sum of
the raw REST round trips those checks need (made sequentially with plain httpx, no Django, no Celery) divided
by the 4 workers. The ratio is what the framework (Celery, PostgreSQL writes, the per-target slot in the Redis
cache, the wall-clock thread) and contention on the one-worker MLflow server cost.

Runs in a child process with its own throw-away PostgreSQL database and Redis queue, so Django settings of other
benchmarks in the same ``python -m bench`` process do not matter and the demo data is never touched.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from bench.table import Row

NAME = "connectors"
PROJECTS = 1000
WORKERS = 4
CHECKS = "mlflow.model_version_has_run,mlflow.run_has_git_commit,mlflow.run_has_source"
ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")


def run():
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_connectors"], cwd=ROOT, capture_output=True, text=True, timeout=1800
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench_connectors child failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    ideal = result["raw_round_trips_s"] / WORKERS
    per_check = result["wall_s"] / (PROJECTS * 3)
    return [
        Row(
            NAME,
            f"refresh {PROJECTS:,} projects × 3 MLflow checks, {WORKERS} workers",
            result["wall_s"],
            "s",
            result["wall_s"] / ideal,
            f"ideal {ideal:.1f} s = Σ raw REST round trips {result['raw_round_trips_s']:.1f} s ÷ {WORKERS}",
        ),
        Row(
            NAME,
            "same refresh vs the raw calls made one after another",
            result["wall_s"],
            "s",
            result["wall_s"] / result["raw_round_trips_s"],
            f"Σ raw REST round trips {result['raw_round_trips_s']:.1f} s (the MLflow server runs one worker)",
        ),
        Row(
            NAME,
            "wall time per check",
            per_check * 1000,
            "ms",
            per_check / (ideal / (PROJECTS * 3)),
            "ideal per check",
        ),
        Row(
            NAME,
            "checks conclusive (pass) after the refresh",
            result["passed"],
            "checks",
            result["passed"] / (PROJECTS * 3),
            f"{PROJECTS * 3:,} checks run",
        ),
    ]


# --- the child process --------------------------------------------------------------------------------------


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


def _seed_mlflow(server):
    """One experiment with a registered model whose version links to a run that records commit and source."""
    experiment_id = server.api("POST", "2.0/mlflow/experiments/create", json={"name": "bench"})["experiment_id"]
    tags = [
        {"key": "mlflow.source.name", "value": "train.py"},
        {"key": "mlflow.source.git.commit", "value": "0123456789abcdef0123456789abcdef01234567"},
    ]
    run = server.api(
        "POST", "2.0/mlflow/runs/create", json={"experiment_id": experiment_id, "run_name": "train", "tags": tags}
    )["run"]["info"]
    server.api("POST", "2.0/mlflow/registered-models/create", json={"name": "bench-model"})
    server.api(
        "POST",
        "2.0/mlflow/model-versions/create",
        json={"name": "bench-model", "source": f"runs:/{run['run_id']}/model", "run_id": run["run_id"]},
    )


def _raw_round_trips(url, n):
    """Seconds for the REST calls the three checks make, made ``n`` times sequentially with plain httpx."""
    import httpx

    started = time.perf_counter()
    for _ in range(n):
        with httpx.Client(base_url=url, timeout=10) as http:
            http.get("/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": "bench"}).raise_for_status()
            http.get("/api/2.0/mlflow/registered-models/get", params={"name": "bench-model"}).raise_for_status()
            versions = http.get(
                "/api/2.0/mlflow/model-versions/search", params={"filter": "name='bench-model'", "max_results": 200}
            ).json()["model_versions"]
            http.get("/api/2.0/mlflow/runs/get", params={"run_id": versions[0]["run_id"]}).raise_for_status()
    return time.perf_counter() - started


def _start_worker(env, queue, log_path):
    log = open(log_path, "wb")  # noqa: SIM115 - lives as long as the worker
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "-Q", queue, "-n", f"{queue}@%h",
         "--concurrency", str(WORKERS), "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return process, log


def _child():
    import tempfile

    sys.path.insert(0, str(ROOT))
    from tests.integration.mlflow_server import MLflowServer

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
        server = MLflowServer(workdir).start()
        _seed_mlflow(server)
        team = Team.objects.create(name="Bench", slug="bench")
        projects = Project.objects.bulk_create(
            Project(name=f"Bench {i:04d}", slug=f"bench-{i:04d}", team=team) for i in range(PROJECTS)
        )
        settings = {"tracking_uri": server.url, "experiment": "bench", "registered_model": "bench-model"}
        Component.objects.bulk_create(
            Component(project=p, kind="mlflow", name="tracking", connector="mlflow",
                      connector_settings={**settings, "checks": CHECKS})
            for p in projects
        )  # fmt: skip
        raw = _raw_round_trips(server.url, PROJECTS)

        worker, log = _start_worker(env, queue, workdir / "worker.log")
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError((workdir / "worker.log").read_text()[-3000:])

        started = time.perf_counter()
        for project in Project.objects.all():
            services.evidence_refresh(project=project, actor=None)
        while RefreshRun.objects.filter(status="done").count() < PROJECTS:
            if time.perf_counter() - started > 1200 or worker.poll() is not None:
                raise RuntimeError("refresh did not finish:\n" + (workdir / "worker.log").read_text()[-3000:])
            time.sleep(0.1)
        wall = time.perf_counter() - started
        passed = CheckResult.objects.filter(state="pass", check_id__in=CHECKS.split(",")).count()
        print(json.dumps({"wall_s": wall, "raw_round_trips_s": raw, "passed": passed}))
    finally:
        if worker is not None:
            os.killpg(worker.pid, 15)
            worker.wait(30)
            log.close()
        if server is not None:
            server.stop()
        from django.db import connections

        connections.close_all()
        _drop_database(database)


if __name__ == "__main__":
    _child()

"""A real Celery worker on Redis and PostgreSQL loses the process running a check to SIGKILL; the refresh completes.

The check task is ``acks_late`` with ``reject_on_worker_lost``: the message of the killed process is never
acknowledged but rejected back to the queue, and the worker's replacement pool process runs it again.
Killing the whole worker leaves the message unacknowledged until Redis's visibility timeout passes (3 s in
these workers); then the next worker gets it.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from connectors import services
from connectors.models import CheckResult, RefreshRun
from tests.factories import ComponentFactory
from tests.integration.celery_worker import stop_worker

pytest_plugins = ["tests.integration.mlflow_server", "tests.integration.servers"]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.slow,
    pytest.mark.xdist_group("mlflow"),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"
VISIBILITY_TIMEOUT = 3


@pytest.fixture
def queue():
    """A queue of our own, so workers of other test runs on the same Redis never take our tasks."""
    name = f"plumbline-test-{uuid.uuid4().hex[:8]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    yield name
    celery_app.conf.task_default_queue = previous


@pytest.fixture
def start_worker(queue, tmp_path):
    workers = []
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "PLUMBLINE_CONNECTOR_ALLOWED_HOSTS": "127.0.0.1",
        "PLUMBLINE_CONNECTOR_TIMEOUT": "30",
    }

    def start(name):
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "config",
                "worker",
                "-Q",
                queue,
                "-n",
                f"{name}@%h",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        workers.append((process, log))
        return process

    yield start
    for process, log in workers:
        if process.poll() is None:
            stop_worker(process)
        log.close()


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def pool_children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_a_refresh_survives_a_worker_killed_mid_check(project, member, mlflow_server, silent_listener, start_worker):
    """SIGKILL the pool process running the check: reject_on_worker_lost requeues it and a new process finishes it."""
    component = ComponentFactory(
        project=project, kind="mlflow", name="tracking", connector="mlflow",
        connector_settings={"tracking_uri": silent_listener, "experiment": "Default"},
    )  # fmt: skip
    worker = start_worker("first")
    run = services.evidence_refresh(project=project, actor=member)
    wait_for(lambda: RefreshRun.objects.get(pk=run.pk).status == "running", 60, "the worker to start the check")
    busy = pool_children(worker.pid)
    assert len(busy) == 1

    # The system comes back (the component now points at a healthy server), then the busy process dies.
    type(component).objects.filter(pk=component.pk).update(
        connector_settings={"tracking_uri": mlflow_server.url, "experiment": "Default"}
    )
    os.kill(busy[0], signal.SIGKILL)

    wait_for(lambda: RefreshRun.objects.get(pk=run.pk).status == "done", 90, "the refresh to complete")
    assert worker.poll() is None
    assert pool_children(worker.pid) != busy
    run.refresh_from_db()
    assert (run.components_done, run.components_total) == (1, 1)
    results = {r.check_id: r for r in CheckResult.objects.filter(component=component)}
    assert results["traces.present"].state == "fail"
    assert results["traces.present"].reason.startswith("No production traces")


def test_a_refresh_survives_the_whole_worker_killed_mid_check(
    project, member, mlflow_server, silent_listener, start_worker
):
    """SIGKILL the whole worker (main process and pool): the unacknowledged task returns to Redis after its
    visibility timeout (3 s here) and a freshly started worker completes the refresh."""
    component = ComponentFactory(
        project=project, kind="mlflow", name="tracking", connector="mlflow",
        connector_settings={"tracking_uri": silent_listener, "experiment": "Default"},
    )  # fmt: skip
    first = start_worker("first")
    run = services.evidence_refresh(project=project, actor=member)
    wait_for(lambda: RefreshRun.objects.get(pk=run.pk).status == "running", 60, "the worker to start the check")
    type(component).objects.filter(pk=component.pk).update(
        connector_settings={"tracking_uri": mlflow_server.url, "experiment": "Default"}
    )

    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    # A worker hands back unacknowledged messages older than the visibility timeout when it starts, then scans
    # again only every ~100 s (kombu's restore interval x throttle). Start the replacement once the timeout has
    # passed, as a real replacement would be (production's timeout is minutes), so the test does not hinge on
    # how fast the new worker boots.
    time.sleep(VISIBILITY_TIMEOUT + 1)
    start_worker("second")

    wait_for(lambda: RefreshRun.objects.get(pk=run.pk).status == "done", 120, "the refresh to complete")
    run.refresh_from_db()
    assert (run.components_done, run.components_total) == (1, 1)
    assert CheckResult.objects.filter(component=component, check_id="traces.present").exists()

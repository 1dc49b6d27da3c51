"""`make demo` as a new user meets it: its MLflow server stops with it (or on the next start), its URLs follow
PORT, and an in-process task warns about no broker."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from connectors import demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sources(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "_sources", lambda: tmp_path)
    (tmp_path / "mlflow").mkdir()
    return tmp_path


def start(command_name: str) -> subprocess.Popen:
    """A long-running process whose command line reads ``command_name`` (in its own session, as the demo's is)."""
    process = subprocess.Popen([command_name, "120"], executable="/bin/sleep", start_new_session=True)
    cmdline = Path(f"/proc/{process.pid}/cmdline")
    deadline = time.monotonic() + 10
    while not cmdline.read_bytes() and time.monotonic() < deadline:  # empty for a moment after Popen returns
        time.sleep(0.01)
    return process


def record(sources, process):
    (sources / "mlflow" / "server.json").write_text(json.dumps({"url": "http://127.0.0.1:1", "pid": process.pid}))


def ended(process, timeout=10) -> bool:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


@pytest.fixture
def processes():
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_stopping_the_demo_stops_its_mlflow_server(sources, processes, capsys):
    server = start(f"mlflow server --backend-store-uri sqlite:///{sources / 'mlflow' / 'mlflow.db'}")
    processes.append(server)
    record(sources, server)

    call_command("demo_stop")

    assert ended(server)
    assert f"pid {server.pid}" in capsys.readouterr().out
    assert not (sources / "mlflow" / "server.json").exists()


def test_a_left_over_mlflow_server_is_stopped_when_the_next_demo_starts(sources, processes, monkeypatch):
    leftover = start(f"mlflow server --backend-store-uri sqlite:///{sources / 'mlflow' / 'mlflow.db'}")
    processes.append(leftover)
    record(sources, leftover)
    monkeypatch.setattr(demo, "MLFLOW_BIN", sources / "no-mlflow-installed")

    demo.start_mlflow_server()

    assert ended(leftover)


def test_a_process_that_reused_the_recorded_pid_is_left_alone(sources, processes):
    stranger = start("someone-elses-server")
    processes.append(stranger)
    record(sources, stranger)

    assert demo.stop_mlflow_server() is None
    time.sleep(0.3)
    assert stranger.poll() is None


def test_the_printed_demo_urls_follow_the_port(settings, db, capsys):
    settings.SITE_URL = "http://127.0.0.1:8200"

    call_command("demo_logins")

    out = capsys.readouterr().out
    assert "http://127.0.0.1:8200/" in out and "PLUMBLINE_URL=http://127.0.0.1:8200 " in out
    assert ":8000" not in out


def test_an_in_process_task_gives_no_broker_warning(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from config import celery_app\n"
        "@celery_app.task(name='plumbline.test.noop')\n"
        "def noop():\n    return 1\n"
        "assert noop.apply_async().get() == 1\n"
    )
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PLUMBLINE_ENV": "development",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert "No hostname was supplied" not in result.stderr
    assert "WARNING" not in result.stderr

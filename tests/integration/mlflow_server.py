"""A real ``mlflow server`` on a free loopback port, for connector tests and the demo/benchmark.

Started from ``.venv-mlflow`` (the app itself never imports mlflow) with one worker and no job runner, so it
uses ~575 MB and is ready in about 5 s. ``MLflowServer.seed(script)`` runs a fluent-client script with the
MLflow venv's Python inside a throw-away git repository, so ``mlflow.source.git.commit`` is a real commit.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
MLFLOW_VENV = ROOT / ".venv-mlflow"
MLFLOW_BIN = MLFLOW_VENV / "bin" / "mlflow"
MLFLOW_PYTHON = MLFLOW_VENV / "bin" / "python"
START_TIMEOUT = float(os.environ.get("PLUMBLINE_TEST_MLFLOW_START_TIMEOUT", "180"))  # a loaded CI machine took 60+ s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mlflow_available() -> bool:
    return MLFLOW_BIN.exists() and MLFLOW_PYTHON.exists()


class LocalServer:
    """A server the tests start themselves (in its own session, logging to ``workdir/server.log``): wait until it
    answers healthy, stop it with its children. Subclasses set ``name``, ``stop_grace``, ``workdir`` and ``process``."""

    name = "server"
    stop_grace = 10.0

    def wait_healthy(self, is_healthy, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{(self.workdir / 'server.log').read_text()[-3000:]}")
            try:
                if is_healthy():
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not become healthy within {timeout:g} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(self.stop_grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(5)
        if getattr(self, "log", None):
            self.log.close()


class MLflowServer(LocalServer):
    name = "mlflow server"

    def __init__(self, workdir: Path, *, workers: int = 1):
        self.workdir = Path(workdir)
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = START_TIMEOUT) -> MLflowServer:
        (self.workdir / "artifacts").mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        self.log = open(self.workdir / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(MLFLOW_BIN),
                "server",
                "--backend-store-uri",
                f"sqlite:///{self.workdir / 'mlflow.db'}",
                "--artifacts-destination",
                str(self.workdir / "artifacts"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            cwd=self.workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self.wait_healthy(lambda: httpx.get(f"{self.url}/health", timeout=1).text.strip() == "OK", timeout)

    def seed(self, script: str, *, timeout: float = 180) -> str:
        """Run ``script`` with the MLflow venv's Python from a fresh git repository; return its stdout."""
        repo = Path(tempfile.mkdtemp(prefix="plumbline-mlflow-seed-", dir=self.workdir))
        (repo / "train.py").write_text(textwrap.dedent(script))
        git = ["git", "-c", "user.name=Seeder", "-c", "user.email=seeder@example.com"]
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        subprocess.run([*git, "-C", str(repo), "add", "train.py"], check=True)
        subprocess.run([*git, "-C", str(repo), "commit", "-q", "-m", "Training script"], check=True)
        env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": self.url,
            "MLFLOW_ENABLE_ASYNC_TRACE_LOGGING": "false",
            "GIT_PYTHON_REFRESH": "quiet",
        }
        done = subprocess.run(
            [str(MLFLOW_PYTHON), "train.py"], cwd=repo, env=env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"seeding script failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return done.stdout

    def api(self, method: str, path: str, **kwargs):
        response = httpx.request(method, f"{self.url}/api/{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    """One real MLflow server for the whole session (per xdist worker: group its tests with xdist_group)."""
    if not mlflow_available():
        pytest.skip("needs .venv-mlflow with mlflow installed (make mlflow-venv)")
    server = MLflowServer(tmp_path_factory.mktemp("mlflow")).start()
    yield server
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)

"""A real Arize Phoenix server (``phoenix serve``) on a free loopback port, for connector tests and the benchmark.

Started from ``.venv-phoenix`` (``make phoenix-venv``; the app itself never imports phoenix) with its own temporary
working directory, so its SQLite database is fresh: ready in ~10 s (it migrates at start), ~450 MB. Telemetry,
external fonts and the agent assistant are off, so nothing is fetched from outside. Phoenix serves one uvicorn
process (``phoenix serve`` has no workers option: it hands uvicorn an app object, not an import string).
``PhoenixServer.seed(*what)`` runs tests/integration/phoenix_seed.py with the Phoenix venv's Python, which sends
OTLP spans and uses Phoenix's own client; see that file for what each seed makes.

Phoenix keeps everything in ``PHOENIX_WORKING_DIR/phoenix.db`` (SQLite in WAL mode; a stopped server leaves its
``-wal`` file behind, uncheckpointed), so ``replica(workdir)`` of a stopped server copies the database with its WAL
into a new working directory: a server started there (no re-seeding) serves the same seeded state, with the same ids.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.integration.mlflow_server import LocalServer, free_port

ROOT = Path(__file__).resolve().parents[2]
PHOENIX_VENV = ROOT / ".venv-phoenix"
PHOENIX_BIN = PHOENIX_VENV / "bin" / "phoenix"
PHOENIX_PYTHON = PHOENIX_VENV / "bin" / "python"
SEED_SCRIPT = Path(__file__).with_name("phoenix_seed.py")
START_TIMEOUT = 240  # ~10 s on an idle machine; over 90 s at a load average of 12-19 (8 engineers on 2 cores)


def phoenix_available() -> bool:
    return PHOENIX_BIN.exists() and PHOENIX_PYTHON.exists()


class PhoenixServer(LocalServer):
    name = "phoenix serve"
    stop_grace = 15.0

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.seeded: dict = {}

    def start(self, *, timeout: float = START_TIMEOUT) -> PhoenixServer:
        return self.launch().wait_started(timeout=timeout)

    def launch(self) -> PhoenixServer:
        """Start the process without waiting for it (several servers can then start at once); see wait_started."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PHOENIX_", "OTEL_"))},
            "PHOENIX_WORKING_DIR": str(self.workdir),
            "PHOENIX_HOST": "127.0.0.1",
            "PHOENIX_PORT": str(self.port),
            "PHOENIX_GRPC_PORT": str(free_port()),
            "PHOENIX_TELEMETRY_ENABLED": "false",
            "PHOENIX_ALLOW_EXTERNAL_RESOURCES": "false",
            "PHOENIX_DISABLE_AGENT_ASSISTANT": "true",
            "PHOENIX_AGENTS_DISABLE_BASH": "true",
        }
        self.log = open(self.workdir / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(PHOENIX_BIN), "serve"],
            cwd=self.workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def wait_started(self, *, timeout: float = START_TIMEOUT) -> PhoenixServer:
        return self.wait_healthy(lambda: httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200, timeout)

    def replica(self, workdir: Path) -> PhoenixServer:
        """A server (not started) on a copy of this stopped server's database, WAL included, in ``workdir``: the
        same seeded state and ``seeded`` ids. Writes to one replica are not seen by the others."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("stop the Phoenix server before copying its database")
        workdir = Path(workdir)
        workdir.mkdir(parents=True)
        # The -shm file is only the WAL's index, rebuilt by the first connection; server.log is this server's own.
        for name in ("phoenix.db", "phoenix.db-wal"):
            if (self.workdir / name).exists():
                shutil.copy2(self.workdir / name, workdir / name)
        server = PhoenixServer(workdir)
        server.seeded = copy.deepcopy(self.seeded)
        return server

    def seed(self, *what: str, timeout: float = 300) -> dict:
        """Seed what is not seeded yet (see phoenix_seed.py); return the ids made, for everything seeded so far."""
        missing = [item for item in what if item not in self.seeded]
        if missing:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("PHOENIX_", "OTEL_"))}
            done = subprocess.run(
                [str(PHOENIX_PYTHON), str(SEED_SCRIPT), self.url, *missing],
                cwd=self.workdir,
                env={**env, "PHOENIX_COLLECTOR_ENDPOINT": self.url},
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            if done.returncode != 0:
                raise RuntimeError(f"seeding Phoenix failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
            made = json.loads(done.stdout.strip().splitlines()[-1])
            for item in missing:
                self.seeded[item] = made
        return {key: value for item in what for key, value in self.seeded[item].items()}

    def api(self, method: str, path: str, **kwargs):
        response = httpx.request(method, f"{self.url}/v1/{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def phoenix_server(tmp_path_factory):
    """One real Phoenix server for the whole session (per xdist worker: group its tests with xdist_group)."""
    if not phoenix_available():
        pytest.skip("needs .venv-phoenix with arize-phoenix installed (make phoenix-venv)")
    server = PhoenixServer(tmp_path_factory.mktemp("phoenix")).start()
    yield server
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)

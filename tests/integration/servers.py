"""Real systems for the connector tests: Prometheus, a prometheus_client exporter, a Chroma server, git repos.

Test modules load this with ``pytest_plugins = ["tests.integration.servers"]``. Servers bind 127.0.0.1 on a
free port, start once per session and are stopped at the end; test modules using one share an xdist group.
This module holds no assertions, hence PYTEST_DONT_REWRITE (it is imported before pytest registers it).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import bcrypt
import httpx
import pytest
import yaml
from django.test import override_settings
from dulwich.repo import Repo
from dulwich.server import DictBackend
from dulwich.web import WSGIRequestHandlerLogger, WSGIServerLogger, make_server, make_wsgi_chain
from prometheus_client import CollectorRegistry, Counter, Histogram, Summary, start_http_server

PROMETHEUS_BIN = "/usr/bin/prometheus"
CHROMA_BIN = Path(sys.executable).parent / "chroma"
PROMETHEUS_USER = "plumbline"
PROMETHEUS_PASSWORD = "prom-secret-7d1f"  # planted: must never appear in a connector message


class QuietJsonHandler(BaseHTTPRequestHandler):
    """Base of the small hand-rolled test servers: no access log on stderr, and one way to answer with JSON."""

    def send_json(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def loopback_allowed():
    """Let connectors call the servers these tests start on 127.0.0.1 (the URL policy refuses loopback)."""
    with override_settings(PLUMBLINE_CONNECTOR_ALLOWED_HOSTS=["127.0.0.1"]):
        yield


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} was not ready within {timeout} s")


def stop(process: subprocess.Popen):
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# Exporters and Prometheus


def start_exporter(registry: CollectorRegistry) -> tuple[str, object]:
    port = free_port()
    server, _thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    return f"127.0.0.1:{port}", server


def llm_registry() -> CollectorRegistry:
    """What an instrumented LLM service exports: OTel GenAI token usage and duration, and an error counter."""
    registry = CollectorRegistry()
    tokens = Histogram(
        "gen_ai_client_token_usage",
        "Tokens used per call",
        ["gen_ai_token_type"],
        buckets=(64, 256, 1024, 4096),
        registry=registry,
    )
    duration = Histogram("gen_ai_client_operation_duration_seconds", "Call duration", registry=registry)
    errors = Counter("llm_errors", "Failed LLM calls", registry=registry)
    tokens.labels("input").observe(800)
    tokens.labels("output").observe(150)
    duration.observe(1.2)
    errors.inc(0)
    return registry


def tokens_only_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    Counter("llm_tokens", "Tokens used", registry=registry).inc(42)
    return registry


def chat_api_registry() -> CollectorRegistry:
    """Another naming scheme: latency as a ``_latency_seconds`` histogram, errors as a status label on the request
    counter, tokens and cost as plain counters; none of these names is in the connector's default lists."""
    registry = CollectorRegistry()
    Histogram("chat_completion_latency_seconds", "Completion latency", registry=registry).observe(0.8)
    requests = Counter("chat_requests", "Chat requests", ["status"], registry=registry)
    requests.labels("200").inc(9)
    requests.labels("500").inc(1)
    Counter("chat_tokens_used", "Tokens used", ["kind"], registry=registry).labels("prompt").inc(700)
    Counter("chat_cost_usd", "Spend in US dollars", registry=registry).inc(0.12)
    return registry


def answer_svc_registry() -> CollectorRegistry:
    """Latency as a summary whose request count carries an outcome label, plus look-alikes that are neither a
    latency (a CPU-seconds counter) nor an error signal (a request counter without a status label); no tokens."""
    registry = CollectorRegistry()
    answers = Summary("answer_duration_seconds", "Time to answer", ["outcome"], registry=registry)
    answers.labels("ok").observe(1.5)
    answers.labels("error").observe(0.2)
    Counter("worker_cpu_seconds", "CPU time", registry=registry).inc(3)
    Counter("http_requests", "HTTP requests", registry=registry).inc(5)
    return registry


ALERT_RULES = {
    "groups": [
        {
            "name": "rag-bot",
            "rules": [
                {
                    "alert": "RagBotHighLatency",
                    "expr": "histogram_quantile(0.95, sum by (le) "
                    '(rate(gen_ai_client_operation_duration_seconds_bucket{job="rag-bot"}[5m]))) > 5',
                },
                {"alert": "RagBotErrors", "expr": 'rate(llm_errors_total{job="rag-bot"}[5m]) > 0.1'},
                {
                    "alert": "RagBotSpend",
                    "expr": 'sum(rate(gen_ai_client_token_usage_sum{job="rag-bot"}[1h])) > 100000',
                    "annotations": {"summary": "Token spend above budget"},
                },
            ],
        },
        {
            "name": "summariser",
            "rules": [
                {
                    "alert": "SummariserSlow",
                    "expr": "histogram_quantile(0.95, rate(llm_request_duration_seconds_bucket[5m])) > 10",
                    "labels": {"service": "summariser"},
                }
            ],
        },
        {
            "name": "redos",
            "rules": [
                # Text and a matcher that make a backtracking regex engine take exponential time (issue 10).
                {"alert": "a" * 30, "expr": "vector(1) > 2", "labels": {"service": "redos-bot"}},
                {"alert": "GreedyMatcher", "expr": 'up{service=~"(a+)+b"} > 5'},
            ],
        },
        {
            "name": "broken-bot",
            "rules": [
                # Two `up` series with the same signature on both sides: fails at evaluation time (many-to-many).
                {
                    "alert": "BrokenBotErrors",
                    "expr": "up + ignoring(job, instance) up > 0",
                    "labels": {"service": "broken-bot"},
                }
            ],
        },
    ]
}


@dataclass
class Prometheus:
    url: str
    exporter: str  # host:port of the LLM exporter, which answers any path with metrics text (not JSON)


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory):
    """A real Prometheus behind basic auth, with alert rules for three services, scraping two real exporters."""
    if not Path(PROMETHEUS_BIN).exists():
        pytest.skip("needs Debian prometheus (make test installs it)")
    work = tmp_path_factory.mktemp("prometheus")
    llm, llm_server = start_exporter(llm_registry())
    summariser, summariser_server = start_exporter(tokens_only_registry())
    chat_api, chat_api_server = start_exporter(chat_api_registry())
    answer_svc, answer_svc_server = start_exporter(answer_svc_registry())
    (work / "rules.yml").write_text(yaml.safe_dump(ALERT_RULES))
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(work / "rules.yml")],
        "scrape_configs": [
            {"job_name": "rag-bot", "static_configs": [{"targets": [llm]}]},
            {"job_name": "summariser", "static_configs": [{"targets": [summariser]}]},
            {"job_name": "chat-api", "static_configs": [{"targets": [chat_api]}]},
            {"job_name": "answer-svc", "static_configs": [{"targets": [answer_svc]}]},
        ],
    }
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    hashed = bcrypt.hashpw(PROMETHEUS_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    (work / "web.yml").write_text(yaml.safe_dump({"basic_auth_users": {PROMETHEUS_USER: hashed}}))
    port = free_port()
    process = subprocess.Popen(
        [
            PROMETHEUS_BIN,
            f"--config.file={work / 'prometheus.yml'}",
            f"--web.config.file={work / 'web.yml'}",
            f"--storage.tsdb.path={work / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    auth = (PROMETHEUS_USER, PROMETHEUS_PASSWORD)

    def scraped_and_evaluated():
        """Every exporter scraped and every rule evaluated since (the broken rule errs only once two are up)."""
        response = httpx.get(f"{url}/api/v1/rules", auth=auth)
        if response.status_code != 200:
            return False  # 503 "Service Unavailable" until Prometheus has loaded its storage
        groups = response.json()["data"]["groups"]
        health = {r["name"]: r["health"] for g in groups for r in g["rules"]}
        targets = httpx.get(f"{url}/api/v1/targets", auth=auth).json()["data"]["activeTargets"]
        scraped = len(targets) == len(config["scrape_configs"]) and all(t["health"] == "up" for t in targets)
        return scraped and health.get("BrokenBotErrors") == "err" and "unknown" not in health.values()

    try:
        wait_until(scraped_and_evaluated, timeout=90, what="Prometheus")
        yield Prometheus(url=url, exporter=llm)
    finally:
        stop(process)
        for server in (llm_server, summariser_server, chat_api_server, answer_svc_server):
            server.shutdown()
            server.server_close()


# Chroma server


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real ``chroma run`` server on loopback; returns its base URL."""
    work = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    process = subprocess.Popen(
        [str(CHROMA_BIN), "run", "--path", str(work), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/api/v2/heartbeat").status_code == 200, timeout=60, what="chroma run")
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def silent_server():
    """A socket that accepts connections and never answers: calls to it must time out, not hang."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def silent_listener():
    """Accepts every connection (none waits in the kernel's backlog) and never sends a byte: a hung server."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held = []
    stop_accepting = threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stop_accepting.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop_accepting.set()
    for conn in held:
        conn.close()
    sock.close()


@pytest.fixture(scope="session")
def text_server():
    """A real HTTP server (a metrics exporter) that answers every path with plain text: not the API asked for."""
    address, server = start_exporter(tokens_only_registry())
    yield f"http://{address}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def nothing_listening():
    return f"http://127.0.0.1:{free_port()}"


# Chunks for the vector store tests


def chunks(count: int, *, missing: dict[str, int] | None = None, ingested_days_ago: float = 1, prefix: str = "c"):
    """(id, metadata) of ``count`` chunks; ``missing`` drops a key (source/position/ingested) from the first n."""
    missing = missing or {}
    ingested = (datetime.now(UTC) - timedelta(days=ingested_days_ago)).isoformat()
    result = []
    for i in range(count):
        metadata = {"source_doc_id": f"doc-{i // 4}", "chunk_index": i % 4, "ingested_at": ingested, "text": f"t{i}"}
        for key, name in (("source", "source_doc_id"), ("position", "chunk_index"), ("ingested", "ingested_at")):
            if i < missing.get(key, 0):
                del metadata[name]
        result.append((f"{prefix}{i}", metadata))
    return result


def vector(i: int, size: int = 3) -> list[float]:
    return [float((i + k) % 5) + 0.5 for k in range(size)]


COMPLETE_DECLARATIONS = {
    "embedding_model": "text-embedding-3-small",
    "embedding_dimension": 3,
    "chunking_strategy": "recursive",
    "chunk_size": 512,
    "chunk_overlap": 64,
}


# Git repositories


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin",
    }
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return subprocess.run(["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True).stdout


def make_repo(path: Path, commits: list[dict[str, str | None]]) -> Path:
    """A git repository at ``path`` with one commit per dict of {file: content} (None deletes, "->new" renames)."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for n, files in enumerate(commits):
        for name, content in files.items():
            target = path / name
            if content is None:
                git(path, "rm", "-q", name)
            elif content.startswith("->"):
                (path / content[2:]).parent.mkdir(parents=True, exist_ok=True)
                git(path, "mv", name, content[2:])
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content)
                git(path, "add", name)
        git(path, "commit", "-q", "-m", f"change {n}", date=f"2026-01-{n + 1:02d}T10:00:00+00:00")
    return path


class GitHttp:
    """A real smart-HTTP git server (dulwich) serving repositories registered with ``serve``."""

    def __init__(self, base: str, repos: dict):
        self.base, self.repos = base, repos

    def serve(self, name: str, path: Path) -> str:
        self.repos[f"/{name}"] = Repo(str(path))
        return f"{self.base}/{name}"


@pytest.fixture(scope="module")
def git_http():
    repos: dict = {}
    server = make_server(
        "127.0.0.1",
        0,
        make_wsgi_chain(DictBackend(repos)),
        handler_class=WSGIRequestHandlerLogger,
        server_class=WSGIServerLogger,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield GitHttp(f"http://127.0.0.1:{server.server_port}", repos)
    server.shutdown()
    server.server_close()

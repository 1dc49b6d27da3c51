"""Real evidence for ``make demo``, without network: local sources for the demo projects, then a refresh.

Some projects get complete sources and some realistic gaps, so claimed vs verified maturity differs at once:
git repositories, embedded Qdrant and Chroma collections (under the first of ``PLUMBLINE_LOCAL_SOURCE_ROOTS``,
which ``make demo`` sets to a folder outside the checkout: connectors never read Plumbline's own folders), and, when
``.venv-mlflow`` exists, a real MLflow server on loopback seeded over its REST API (left running for "refresh
now" until `make demo` stops, which calls ``stop_mlflow_server``; a left-over one is stopped on the next start).
Prometheus sources stay pointed at their (unreachable) inventory URL and read ``unknown``, as an unreachable
system does; the demo says so once instead of warning per component. Idempotent: existing sources are reused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings

from registry import services as registry_services
from registry.choices import ComponentKind
from registry.models import Component, Project

from . import services

logger = logging.getLogger(__name__)


def _sources() -> Path:
    """Where the demo's local sources live: the first allowed local source root (``make demo`` sets one outside
    the checkout, since connectors never read Plumbline's own folders)."""
    roots = settings.PLUMBLINE_LOCAL_SOURCE_ROOTS
    return Path(roots[0]) if roots else Path(settings.VAR_DIR) / "demo-sources"


MLFLOW_BIN = Path(settings.BASE_DIR) / ".venv-mlflow" / "bin" / "mlflow"
MLFLOW_BOOT_SECONDS = 120  # a fresh database on a busy 2-core machine takes over a minute
COMPLETE = {"listing-assistant", "docs-qa-bot", "support-ticket-summariser"}
DIMENSION = 8


def _say(message):
    print(f"  evidence: {message}", flush=True)


# --- git ------------------------------------------------------------------------------------------------

COMPLETE_FILES = {
    "README.md": "# {name}\n\nWhat it does: answers employees' questions from the documentation, citing sources.\n\n"
    "How to run it: `make run`; tests with `make test`; evaluation with `make eval`.\n\n"
    "Who owns it: the platform team (#llm-platform); on call: see CODEOWNERS.\n",
    "docs/architecture.md": "# Architecture\n\nRetrieval, prompt assembly, model call, guardrails.\n",
    "docs/model-choice.md": "# Model choice\n\ngpt-4o-mini: cost and latency fit; evaluated against gpt-4o.\n",
    ".github/workflows/ci.yml": "on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - uses: actions/checkout@v4\n      - run: pip install -r requirements.txt\n      - run: pytest\n",
    "CODEOWNERS": "* @llm-team\n",
    "tests/test_answers.py": "def test_answer_cites_a_source():\n    assert True\n",
    "prompts/answer.txt": "Answer using only the context below. Cite the source.\n",
}
GAP_FILES = {
    "README.md": "# {name}\n\nTODO\n",
    "app.py": "PROMPT = 'You are a helpful assistant.'\n",
}


def _git(repo, *args):
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Demo",
        "GIT_AUTHOR_EMAIL": "demo@example.com",
        "GIT_COMMITTER_NAME": "Demo",
        "GIT_COMMITTER_EMAIL": "demo@example.com",
    }
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def git_repository(slug: str, name: str, complete: bool) -> Path:
    repo = _sources() / "git" / slug
    if (repo / ".git").exists():
        return repo
    repo.mkdir(parents=True, exist_ok=True)
    _git(repo, "init", "-q", "-b", "main")
    for path, text in (COMPLETE_FILES if complete else GAP_FILES).items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text.format(name=name))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Initial version")
    if complete:
        (repo / "prompts/answer.txt").write_text("Answer using only the context below. Cite every source.\n")
        _git(repo, "commit", "-q", "-am", "Prompt: cite every source")
    return repo


def demo_head_commit(slug: str) -> str | None:
    """The head commit of a demo project's repository, once ``seed_evidence`` made it (the commit a demo CI push
    names, so that it corroborates)."""
    repo = _sources() / "git" / slug
    return _git(repo, "rev-parse", "HEAD").strip() if (repo / ".git").exists() else None


# --- vector stores --------------------------------------------------------------------------------------


def _chunks(slug: str, complete: bool, count: int = 40):
    now = datetime.now(tz=UTC)
    for i in range(count):
        vector = [((i * 7 + j) % 11) / 11 + 0.01 for j in range(DIMENSION)]
        metadata = {"source_doc_id": f"{slug}/doc-{i // 4}", "chunk_index": i % 4, "ingested_at": now.isoformat()}
        if not complete and i % 3:
            metadata = {"source_doc_id": f"{slug}/doc-{i // 4}"}
        yield i, vector, metadata


def _declarations(complete: bool) -> dict:
    declared = {"embedding_model": "text-embedding-3-small", "embedding_dimension": DIMENSION}
    if complete:
        declared.update(chunking_strategy="recursive", chunk_size=800)
    return declared


def qdrant_collection(slug: str, collection: str, complete: bool) -> Path | None:
    try:
        from qdrant_client import QdrantClient, models
    except ImportError:
        _say("qdrant-client is not installed (pip install -r requirements-dev.txt); Qdrant evidence skipped.")
        return None
    path = _sources() / "qdrant" / slug
    path.mkdir(parents=True, exist_ok=True)
    client = QdrantClient(path=str(path))
    try:
        if not client.collection_exists(collection):
            client.create_collection(
                collection,
                vectors_config=models.VectorParams(size=DIMENSION, distance=models.Distance.COSINE),
                metadata=_declarations(complete),
            )
            client.upsert(
                collection,
                points=[models.PointStruct(id=i, vector=v, payload=m) for i, v, m in _chunks(slug, complete)],
            )
    finally:
        client.close()
    return path


def chroma_collection(slug: str, collection: str, complete: bool) -> Path | None:
    try:
        import chromadb
    except ImportError:
        _say("chromadb is not installed (pip install -r requirements-dev.txt); Chroma evidence skipped.")
        return None
    path = _sources() / "chroma" / slug
    client = chromadb.PersistentClient(path=str(path), settings=chromadb.Settings(anonymized_telemetry=False))
    names = {c.name for c in client.list_collections()}
    if collection not in names:
        store = client.create_collection(collection, metadata=_declarations(complete), embedding_function=None)
        chunks = list(_chunks(slug, complete))
        store.add(
            ids=[str(i) for i, _, _ in chunks],
            embeddings=[v for _, v, _ in chunks],
            metadatas=[m for _, _, m in chunks],
            documents=[f"chunk {i}" for i, _, _ in chunks],
        )
    return path


# --- MLflow ---------------------------------------------------------------------------------------------


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).text.strip() == "OK"
    except httpx.HTTPError:
        return False


def _is_demo_mlflow(pid: int) -> bool:
    """True when ``pid`` is still this checkout's demo MLflow server (never another process that reused the pid)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return "mlflow" in command and str(_sources() / "mlflow") in command


def stop_mlflow_server() -> int | None:
    """Stop the demo MLflow server recorded in ``server.json`` (its whole process group); returns its pid, or None
    when none was running."""
    state_file = _sources() / "mlflow" / "server.json"
    if not state_file.exists():
        return None
    pid = json.loads(state_file.read_text()).get("pid")
    state_file.unlink()
    if not pid or not _is_demo_mlflow(pid):
        return None
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return pid
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _is_demo_mlflow(pid):
            time.sleep(0.1)
        if not _is_demo_mlflow(pid):
            return pid
    return pid


_started: tuple[str, subprocess.Popen] | None = None  # the server this process started, reused by later calls


def demo_prepare():
    """First thing `manage.py demo_setup` does: start the MLflow server, so it boots while the database is
    migrated and the inventory seeded (it takes 10-60 s on a busy machine)."""
    if MLFLOW_BIN.exists():
        start_mlflow_server()


def start_mlflow_server():
    """Start the demo MLflow server without waiting; ``wait_for_mlflow`` returns its URL when ready.

    A server left over from an earlier demo (one killed before it could stop it) is stopped first; one this
    process already started is returned as it is. Returns ``(url, process)``, ``(None, None)`` when MLflow is not
    installed.
    """
    global _started
    if _started and _started[1].poll() is None:
        return _started
    if leftover := stop_mlflow_server():
        _say(f"stopped the MLflow server left over from an earlier demo (pid {leftover}).")
    if not MLFLOW_BIN.exists():
        _say("no .venv-mlflow (make mlflow-venv); MLflow evidence skipped.")
        return None, None
    workdir = _sources() / "mlflow"
    (workdir / "artifacts").mkdir(parents=True, exist_ok=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with open(workdir / "server.log", "ab") as log:
        process = subprocess.Popen(
            [str(MLFLOW_BIN), "server", "--backend-store-uri", f"sqlite:///{workdir / 'mlflow.db'}",
             "--artifacts-destination", str(workdir / "artifacts"), "--host", "127.0.0.1", "--port", str(port),
             "--workers", "1"],
            cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    (workdir / "server.json").write_text(json.dumps({"url": url, "pid": process.pid}))
    _started = url, process
    return _started


def wait_for_mlflow(url, process) -> str | None:
    if url is None or process is None:
        return url
    deadline = time.monotonic() + MLFLOW_BOOT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        if _healthy(url):
            _say(f"MLflow demo server at {url} (pid {process.pid}; stopped with the demo, or by `make demo-stop`).")
            return url
        time.sleep(0.3)
    _say(f"the MLflow server did not start (see {_sources() / 'mlflow' / 'server.log'}); MLflow evidence skipped.")
    return None


class _MLflowSeeder:
    """Seeds one experiment over the REST API, the way a training script and an evaluation job would."""

    def __init__(self, url: str):
        self.http = httpx.Client(base_url=url, timeout=10)

    def call(self, method, path, **kwargs):
        response = self.http.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else {}

    def post(self, path, body):
        return self.call("POST", f"/api/2.0/mlflow/{path}", json=body)

    def run(self, experiment_id, name, tags, start_ms):
        run = self.post("runs/create", {"experiment_id": experiment_id, "run_name": name, "start_time": start_ms,
                                        "tags": [{"key": k, "value": v} for k, v in tags.items()]})  # fmt: skip
        return run["run"]["info"]

    def finish(self, run, end_ms):
        self.post("runs/update", {"run_id": run["run_id"], "status": "FINISHED", "end_time": end_ms})

    def dataset(self, run, name, context, source):
        digest = hashlib.sha256(f"{name}:{source}".encode()).hexdigest()[:8]
        self.post("runs/log-inputs", {"run_id": run["run_id"], "datasets": [{
            "tags": [{"key": "mlflow.data.context", "value": context}],
            "dataset": {"name": name, "digest": digest, "source_type": "s3", "source": json.dumps({"uri": source})},
        }]})  # fmt: skip

    def artifact(self, run, path, text):
        root = run["artifact_uri"].removeprefix("mlflow-artifacts:/")
        self.http.put(f"/api/2.0/mlflow-artifacts/artifacts/{root}/{path}", content=text.encode()).raise_for_status()

    def seed(self, experiment: str, model: str, commit: str, complete: bool) -> None:
        found = self.http.get("/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": experiment})
        if found.status_code == 200:
            return
        exp_id = self.post("experiments/create", {"name": experiment})["experiment_id"]
        now = int(time.time() * 1000)
        tags = {"mlflow.source.name": "train.py", "mlflow.source.type": "LOCAL", "mlflow.source.git.commit": commit}
        train = self.run(exp_id, "train", tags if complete else {}, now - 3_600_000)
        if complete:
            self.dataset(train, f"{experiment}-train", "training", f"s3://datasets/{experiment}/train.parquet")
            self.artifact(train, "model/requirements.txt", "openai==1.54.0\n")
        self.finish(train, now - 3_500_000)
        model = model or f"{experiment}-model"
        self.post("registered-models/create", {"name": model})
        self.post("model-versions/create", {"name": model, "source": f"runs:/{train['run_id']}/model",
                                            "run_id": train["run_id"]})  # fmt: skip
        if not complete:
            return
        now = int(time.time() * 1000) + 1000  # after the version was registered: it evaluates that version
        evaluation = self.run(exp_id, "evaluate", {**tags, "mlflow.runType": "genai_evaluate"}, now)
        for key, value in (("exact_match/mean", 0.86), ("groundedness/mean", 0.91), ("relevance_to_query/mean", 0.88)):
            self.post("runs/log-metric", {"run_id": evaluation["run_id"], "key": key, "value": value,
                                          "timestamp": now, "step": 0})  # fmt: skip
        self.dataset(evaluation, f"{experiment}-golden", "evaluation", f"s3://datasets/{experiment}/golden-v3.jsonl")
        self.finish(evaluation, now + 60_000)
        prompt = f"{experiment}-prompt"
        is_prompt = {"key": "mlflow.prompt.is_prompt", "value": "true"}
        self.post("registered-models/create", {"name": prompt, "tags": [
            is_prompt, {"key": "_mlflow_experiment_ids", "value": f",{exp_id},"}]})  # fmt: skip
        text = {"key": "mlflow.prompt.text", "value": "Answer {{question}} from {{context}}."}
        self.post("model-versions/create", {"name": prompt, "source": "dummy-source", "description": "Cite sources",
                                            "tags": [is_prompt, text]})  # fmt: skip
        self._traces(exp_id)

    def seed_traces(self, experiment: str) -> None:
        """An experiment holding only recent production traces (a monitoring source read through MLflow)."""
        found = self.http.get("/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": experiment})
        if found.status_code == 200:
            return
        self._traces(self.post("experiments/create", {"name": experiment})["experiment_id"])

    def _traces(self, exp_id):
        now = time.time_ns()
        spans = [
            {"traceId": uuid.uuid4().hex, "spanId": uuid.uuid4().hex[:16], "name": "chat gpt-4o-mini", "kind": 3,
             "startTimeUnixNano": str(now - (i + 1) * 60_000_000_000), "endTimeUnixNano":
             str(now - (i + 1) * 60_000_000_000 + 850_000_000),
             "attributes": [
                 {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                 {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
                 {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(900 + i)}},
                 {"key": "gen_ai.usage.output_tokens", "value": {"intValue": str(120 + i)}}]}
            for i in range(3)
        ]  # fmt: skip
        body = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "demo"},
                                                                                  "spans": spans}]}]}  # fmt: skip
        self.http.post("/v1/traces", json=body, headers={"x-mlflow-experiment-id": exp_id}).raise_for_status()


# --- wiring ---------------------------------------------------------------------------------------------


def _attach(component: Component, connector: str, connector_settings: dict) -> None:
    if component.connector == connector and component.connector_settings == connector_settings:
        return
    try:
        registry_services.component_update(
            actor=None, component=component, connector=connector, connector_settings=connector_settings,
            note="Demo: pointed at a local source",
        )  # fmt: skip
    except ValidationError as exc:
        _say(f"{component.project.slug}/{component.name}: connector not attached ({'; '.join(exc.messages)}).")


def seed_evidence() -> int:
    """Create local sources, attach the demo components to them and refresh every demo project's evidence."""
    started = time.monotonic()
    slugs = [p.slug for p in Project.objects.filter(slug__in=_demo_slugs())]
    components = Component.objects.filter(project__slug__in=slugs).select_related("project")
    commits = {}
    traces = components.filter(kind=ComponentKind.MONITORING_SOURCE, attributes__system="mlflow")
    needs_mlflow = components.filter(kind=ComponentKind.MLFLOW).exists() or traces.exists()
    mlflow_url, mlflow_process = start_mlflow_server() if needs_mlflow else (None, None)
    for component in components:
        project, attributes = component.project, component.attributes or {}
        complete = project.slug in COMPLETE
        if component.kind == ComponentKind.CODE_REPOSITORY:
            repo = git_repository(project.slug, project.name, complete)
            commits[project.slug] = _git(repo, "rev-parse", "HEAD").strip()
            _attach(component, "git", {"location": str(repo)})
        elif component.kind == ComponentKind.VECTOR_STORE:
            store, collection = attributes.get("store_kind"), attributes.get("collection", "chunks")
            collection = collection if len(collection) >= 3 else f"{collection}-chunks"
            maker = {"qdrant": qdrant_collection, "chroma": chroma_collection}.get(store)
            path = maker(project.slug, collection, complete) if maker else None
            if path:
                _attach(component, store, {"location": str(path), "collection": collection})
    mlflow_url = wait_for_mlflow(mlflow_url, mlflow_process)
    seeder = _MLflowSeeder(mlflow_url) if mlflow_url else None
    for component in components.filter(kind=ComponentKind.MLFLOW):
        if seeder is None:
            continue
        project, attributes = component.project, component.attributes or {}
        complete = project.slug in COMPLETE
        experiment = (component.connector_settings or {}).get("experiment") or attributes.get("experiment")
        model = attributes.get("registered_model") or f"{experiment}-model"
        commit = commits.get(project.slug) or hashlib.sha1(project.slug.encode()).hexdigest()  # noqa: S324
        seeder.seed(experiment, model, commit, complete)
        _attach(component, "mlflow", {
            "tracking_uri": mlflow_url, "experiment": experiment, "registered_model": model,
            "required_metrics": "exact_match, groundedness",
        })  # fmt: skip
    for component in traces if seeder else ():
        experiment = component.attributes.get("service") or f"{component.project.slug}-traces"
        seeder.seed_traces(experiment)
        _attach(component, "mlflow", {
            "tracking_uri": mlflow_url, "experiment": experiment,
            "checks": "traces.present, traces.have_usage",
        })  # fmt: skip
    with (
        override_settings(PLUMBLINE_CONNECTOR_ALLOWED_HOSTS=[*settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS, "127.0.0.1"]),
        _grouped_warnings() as warnings,
    ):
        for project in Project.objects.filter(slug__in=slugs, components__connector__gt="").distinct():
            with transaction.atomic():
                services.evidence_refresh(project=project, actor=None)
    for text, count in warnings.items():
        _say(f"{count} component(s): {text}")
    if any(UNREACHABLE_MONITORING_HOST in text for text in warnings):
        _say(
            f"  (deliberate: the demo's monitoring sources name {UNREACHABLE_MONITORING_HOST}, which exists only in "
            "the inventory, so their checks read unknown as an unreachable system's would)"
        )
    _say(f"sources and refresh done in {time.monotonic() - started:.1f} s.")
    return len(slugs)


UNREACHABLE_MONITORING_HOST = "prometheus.internal"


@contextmanager
def _grouped_warnings():
    """Collect the refresh's per-component warnings as {text: count}: one line per cause instead of one per
    component (five monitoring sources failing the same way are one fact)."""
    counts: dict[str, int] = {}

    class Collect(logging.Filter):
        def filter(self, record):
            if record.levelno < logging.WARNING:
                return True
            text = re.sub(r"^Checks of component \d+ ", "", record.getMessage())
            counts[text] = counts.get(text, 0) + 1
            return False

    collect = Collect()
    service_logger = logging.getLogger(services.__name__)
    service_logger.addFilter(collect)
    try:
        yield counts
    finally:
        service_logger.removeFilter(collect)


def _demo_slugs() -> list[str]:
    from registry.demo import PROJECTS

    return [spec["slug"] for spec in PROJECTS]

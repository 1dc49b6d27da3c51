"""Reading evidence never changes a source: every file (content, size, modification time) of every source is the
same before and after a refresh, for every connector, against real systems created here.

Files a server rewrites on its own account whoever calls it are left out and named: MLflow's ``server.log`` (its
access log), Prometheus' ``queries.active`` (its record of running queries). The Qdrant server is not covered:
no Qdrant server binary is installed on the test machines (its embedded store is).
"""

import subprocess
import time

import chromadb
import httpx
import pytest
import yaml
from qdrant_client import QdrantClient, models

from connectors import services
from connectors.models import CheckResult
from tests.factories import ComponentFactory
from tests.integration.fingerprints import fingerprint
from tests.integration.servers import CHROMA_BIN, PROMETHEUS_BIN, free_port, make_repo, stop, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db, pytest.mark.slow]
pytest_plugins = ["tests.integration.servers", "tests.integration.mlflow_server"]

FILES = {"README.md": "# Bot\n", "CODEOWNERS": "* @team\n", "tests/test_bot.py": "def test_it():\n    pass\n"}


@pytest.fixture
def root(tmp_path, settings):
    settings.PLUMBLINE_LOCAL_SOURCE_ROOTS = [str(tmp_path)]
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    return tmp_path


def refresh_changes_nothing(project, folder, *, kind, connector, settings, ignore=()):
    component = ComponentFactory(
        project=project, kind=kind, attributes={}, connector=connector, connector_settings=settings
    )

    def files():
        return {path: facts for path, facts in fingerprint(folder).items() if path not in ignore}

    before = files()
    time.sleep(0.05)  # a write now would carry a later modification time
    services.component_check(component=component)
    states = {r.state: r.reason for r in CheckResult.objects.filter(component=component)}
    assert "error" not in states, states
    assert files() == before


def test_a_local_git_repository(project, root):
    repo = make_repo(root / "repo", [FILES])
    refresh_changes_nothing(project, repo, kind="code_repository", connector="git", settings={"location": str(repo)})


def test_a_git_repository_served_over_http(project, root, git_http):
    repo = make_repo(root / "served", [FILES])
    url = git_http.serve("served.git", repo)
    refresh_changes_nothing(project, repo, kind="code_repository", connector="git", settings={"location": url})


def test_an_embedded_qdrant_store(project, root):
    store = root / "qdrant"
    client = QdrantClient(path=str(store))
    client.create_collection("docs", vectors_config=models.VectorParams(size=3, distance=models.Distance.COSINE))
    client.upsert("docs", points=[models.PointStruct(id=1, vector=[0.1, 0.2, 0.3], payload={"source_doc_id": "a"})])
    client.close()
    refresh_changes_nothing(
        project,
        store,
        kind="vector_store",
        connector="qdrant",
        settings={"location": str(store), "collection": "docs"},
    )


def chroma_seed(client):
    client.create_collection("docs", embedding_function=None).add(
        ids=["a", "b"], embeddings=[[0.1, 0.2, 0.3], [0.3, 0.2, 0.1]], metadatas=[{"source_doc_id": "a"}] * 2
    )


def test_an_embedded_chroma_store(project, root):
    store = root / "chroma"
    client = chromadb.PersistentClient(path=str(store), settings=chromadb.Settings(anonymized_telemetry=False))
    chroma_seed(client)
    client.close()
    refresh_changes_nothing(
        project,
        store,
        kind="vector_store",
        connector="chroma",
        settings={"location": str(store), "collection": "docs"},
    )


def test_a_chroma_server_storage(project, root):
    storage = root / "chroma-server"
    port = free_port()
    process = subprocess.Popen(
        [str(CHROMA_BIN), "run", "--path", str(storage), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/api/v2/heartbeat").status_code == 200, timeout=60, what="chroma run")
        chroma_seed(
            chromadb.HttpClient(host="127.0.0.1", port=port, settings=chromadb.Settings(anonymized_telemetry=False))
        )
        time.sleep(1)  # let the server settle what the seeding wrote
        refresh_changes_nothing(
            project, storage, kind="vector_store", connector="chroma", settings={"location": url, "collection": "docs"}
        )
    finally:
        stop(process)


def test_an_mlflow_servers_backend_store_and_artifacts(project, root, mlflow_server):
    mlflow_server.api("POST", "2.0/mlflow/experiments/create", json={"name": "read-only-check"})
    time.sleep(0.5)
    refresh_changes_nothing(
        project,
        mlflow_server.workdir,
        kind="mlflow",
        connector="mlflow",
        settings={"tracking_uri": mlflow_server.url, "experiment": "read-only-check"},
        ignore={"server.log"},
    )


def test_a_prometheus_data_folder(project, root):
    if not PROMETHEUS_BIN or not __import__("os").path.exists(PROMETHEUS_BIN):
        pytest.skip("needs Debian prometheus")
    work = root / "prometheus"
    work.mkdir()
    (work / "prometheus.yml").write_text(yaml.safe_dump({"global": {"scrape_interval": "1h"}}))
    port = free_port()
    process = subprocess.Popen(
        [
            PROMETHEUS_BIN,
            f"--config.file={work / 'prometheus.yml'}",
            f"--storage.tsdb.path={work / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/-/ready").status_code == 200, timeout=60, what="Prometheus")
        time.sleep(1)
        refresh_changes_nothing(
            project,
            work / "data",
            kind="monitoring_source",
            connector="prometheus",
            settings={"url": url, "service": "rag-bot"},
            ignore={"queries.active"},
        )
    finally:
        stop(process)

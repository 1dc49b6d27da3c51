"""A CI push is a claim: Plumbline reads the commit in the project's real git repository and the run on a real MLflow
server before the push may count, and judges it on the project's own thresholds, never the push's."""

import time

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create
from connectors.models import PushedEvaluation
from gates.services import verdict_current
from registry.choices import ComponentKind
from tests.factories import ComponentFactory, make_check_result, make_gate_ready
from tests.integration.servers import git, make_repo

pytest_plugins = ["tests.integration.mlflow_server", "tests.integration.servers"]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db,
    pytest.mark.xdist_group("mlflow"),
    pytest.mark.usefixtures("loopback_allowed"),
]

# A project of medium risk that uses RAG: Plumbline requires correctness >= 0.75 and faithfulness >= 0.8.
GOOD = {"correctness": 0.91, "faithfulness": 0.88}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """A repository whose main branch has two commits, and a side branch with one commit never merged."""
    path = make_repo(tmp_path_factory.mktemp("corroboration") / "app", [{"app.py": "print(1)\n"}, {"b.py": "2\n"}])
    git(path, "checkout", "-q", "-b", "experiment")
    (path / "c.py").write_text("3\n")
    git(path, "add", "c.py")
    git(path, "commit", "-q", "-m", "side")
    side = git(path, "rev-parse", "HEAD").strip()
    git(path, "checkout", "-q", "main")
    return {"path": path, "head": git(path, "rev-parse", "HEAD").strip(), "side": side}


def mlflow_run(server, metrics: dict) -> str:
    experiment = server.api("POST", "2.0/mlflow/experiments/create", json={"name": f"corroborate-{time.time_ns()}"})
    now = int(time.time() * 1000)
    run_id = server.api(
        "POST", "2.0/mlflow/runs/create", json={"experiment_id": experiment["experiment_id"], "start_time": now}
    )["run"]["info"]["run_id"]
    server.api(
        "POST",
        "2.0/mlflow/runs/log-batch",
        json={
            "run_id": run_id,
            "metrics": [{"key": k, "value": v, "timestamp": now, "step": 0} for k, v in metrics.items()],
        },
    )
    return run_id


@pytest.fixture
def ready(project, repo):
    """Everything production needs but the evaluation evidence, and the project's repository as a component."""
    make_gate_ready(project)
    for check_id in ("vectorstore.index_fresh", "vectorstore.chunk_source_metadata"):
        make_check_result(project, check_id)
    ComponentFactory(
        project=project,
        kind=ComponentKind.CODE_REPOSITORY,
        name="app-repo",
        connector="git",
        connector_settings={"location": str(repo["path"]), "branch": "main"},
        attributes={},
    )
    return project


@pytest.fixture
def with_mlflow(ready, mlflow_server):
    ComponentFactory(
        project=ready,
        kind=ComponentKind.MLFLOW,
        name="tracking",
        connector="mlflow",
        connector_settings={"tracking_uri": mlflow_server.url, "experiment": "docs-qa"},
        attributes={},
    )
    return ready


@pytest.fixture
def ci(ready, member):
    _token, raw = token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=ready)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def payload(metrics=GOOD, *, own_threshold=0.8, dataset=True, **extra):
    body = {
        "evaluated_at": "2026-12-01T12:00:00Z",
        "metrics": [{"name": k, "value": v, "threshold": own_threshold} for k, v in metrics.items()],
        "model_version": "docs-qa v7",
        **extra,
    }
    if dataset:
        body["dataset"] = {"name": "golden-questions", "version": "7"}
    return body


def push(client, project, body, **query):
    url = reverse("api-project-evidence", args=[project.slug])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    response = client.post(url, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def production(project):
    return verdict_current(project=project, stage="production")


def test_the_made_up_push_leaves_production_refused_as_unverified(ci, ready):
    answer = push(ci, ready, payload({"correctness": 0.9, "faithfulness": 0.9}, git_commit="0123456789abcdef"))
    assert answer["evaluation"]["verification"] == "unverified"
    assert answer["check"]["state"] == "fail"
    verdict = production(ready)
    assert verdict["allowed"] is False
    assert any("Unverified push" in r and "not in the repository app-repo" in r for r in verdict["reasons"])


def test_a_push_naming_no_commit_is_kept_and_reads_unverified(ci, ready):
    answer = push(ci, ready, payload())
    assert answer["evaluation"]["verification"] == "unverified"
    assert "names no git commit" in answer["check"]["reason"]
    assert PushedEvaluation.objects.filter(project=ready).count() == 1
    assert production(ready)["allowed"] is False


def test_a_push_with_no_dataset_reads_unverified(ci, ready, repo):
    answer = push(ci, ready, payload(dataset=False, git_commit=repo["head"]))
    assert answer["evaluation"]["verification"] == "unverified"
    assert "names no dataset" in answer["check"]["reason"]
    assert production(ready)["allowed"] is False


def test_a_dataset_without_version_or_digest_reads_unverified(ci, ready, repo):
    body = payload(git_commit=repo["head"]) | {"dataset": {"name": "golden-questions"}}
    assert push(ci, ready, body)["evaluation"]["verification"] == "unverified"


def test_a_commit_only_on_an_unmerged_branch_reads_unverified(ci, ready, repo):
    answer = push(ci, ready, payload(git_commit=repo["side"]))
    assert answer["evaluation"]["verification"] == "unverified"
    assert "not reachable from its branch" in answer["check"]["reason"]


def test_a_genuine_push_passes_and_lets_production_through(ci, with_mlflow, repo, mlflow_server):
    run_id = mlflow_run(mlflow_server, GOOD)
    answer = push(
        ci, with_mlflow, payload(), commit=repo["head"], mlflow_run=run_id, ci_url="https://ci.example.com/runs/7"
    )
    assert answer["evaluation"]["verification"] == "verified", answer
    assert answer["check"]["state"] == "pass", answer["check"]
    assert answer["evaluation"]["run_url"] == "https://ci.example.com/runs/7"
    assert answer["evaluation"]["token"].endswith("…")
    assert answer["evaluation"]["pushed_by"] == "member"
    assert production(with_mlflow)["allowed"] is True


def test_a_push_whose_mlflow_run_metrics_differ_reads_unverified(ci, with_mlflow, repo, mlflow_server):
    run_id = mlflow_run(mlflow_server, {"correctness": 0.61, "faithfulness": 0.88})
    answer = push(ci, with_mlflow, payload(git_commit=repo["head"], mlflow_run_id=run_id))
    assert answer["evaluation"]["verification"] == "unverified"
    assert "correctness pushed 0.91, the run logged 0.61" in answer["check"]["reason"]
    assert production(with_mlflow)["allowed"] is False


def test_a_push_naming_an_absent_mlflow_run_reads_unverified(ci, with_mlflow, repo):
    answer = push(ci, with_mlflow, payload(git_commit=repo["head"]), mlflow_run="0" * 32)
    assert answer["evaluation"]["verification"] == "unverified"
    assert "does not exist in tracking" in answer["check"]["reason"]


def test_an_mlflow_server_that_cannot_be_reached_reads_unknown_never_pass(ci, ready, repo, nothing_listening):
    ComponentFactory(
        project=ready,
        kind=ComponentKind.MLFLOW,
        name="tracking",
        connector="mlflow",
        connector_settings={"tracking_uri": nothing_listening, "experiment": "docs-qa"},
        attributes={},
    )
    answer = push(ci, ready, payload(git_commit=repo["head"]), mlflow_run="a" * 32)
    assert answer["evaluation"]["verification"] == "unknown"
    assert answer["check"]["state"] == "unknown"
    verdict = production(ready)
    assert verdict["allowed"] is False
    assert any("could not be looked up in tracking" in line for line in verdict["unknown_checks"])


def test_the_pushs_own_thresholds_never_decide(ci, ready, repo):
    answer = push(
        ci, ready, payload({"correctness": 0.72, "faithfulness": 0.9}, own_threshold=0.7), commit=repo["head"]
    )
    assert answer["evaluation"]["verification"] == "verified"
    assert answer["check"]["state"] == "fail"
    assert (
        "correctness 0.72 (Plumbline requires at least 0.75; the push's own threshold 0.7 is not used)"
        in (answer["check"]["reason"])
    )
    assert production(ready)["allowed"] is False


def test_a_malformed_claim_is_a_400_and_stores_nothing(ci, ready):
    url = reverse("api-project-evidence", args=[ready.slug]) + "?commit=not-a-sha"
    response = ci.post(url, payload(), format="json")
    assert response.status_code == 400
    assert "commit" in response.json()["errors"]
    assert not PushedEvaluation.objects.exists()

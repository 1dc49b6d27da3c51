"""Pushing what a real MLflow server answers for ``GET /api/2.0/mlflow/runs/get`` (its REST form of a run)."""

import time

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create
from connectors.models import PushedEvaluation
from gates.selectors import gate_verdict
from registry.choices import ComponentKind
from tests.factories import ComponentFactory, approve_thresholds, make_check_result, make_gate_ready

pytest_plugins = ["tests.integration.mlflow_server", "tests.integration.servers"]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db,
    pytest.mark.xdist_group("mlflow"),
    pytest.mark.usefixtures("loopback_allowed"),
]


def evaluation_run(server, *, toxicity: float) -> dict:
    """An evaluation run logged through the server's REST API, read back with runs/get."""
    experiment_id = server.api("POST", "2.0/mlflow/experiments/create", json={"name": f"ci-push-{time.time_ns()}"})[
        "experiment_id"
    ]
    now = int(time.time() * 1000)
    run_id = server.api("POST", "2.0/mlflow/runs/create", json={"experiment_id": experiment_id, "start_time": now})[
        "run"
    ]["info"]["run_id"]
    tags = {
        "plumbline.threshold.answer_correctness": "0.8",
        "plumbline.threshold.toxicity": "0.05",
        "plumbline.lower_is_better.toxicity": "true",
        "plumbline.model_version": "docs-qa v7",
        "mlflow.source.git.commit": "3f2c9a1d0b7e4c5a8f6e2d1c0b9a8f7e6d5c4b3a",
    }
    server.api(
        "POST",
        "2.0/mlflow/runs/log-batch",
        json={
            "run_id": run_id,
            "metrics": [
                {"key": "answer_correctness", "value": 0.86, "timestamp": now, "step": 0},
                {"key": "toxicity", "value": toxicity, "timestamp": now, "step": 0},
            ],
            "params": [{"key": "model", "value": "gpt-4o-mini"}],
            "tags": [{"key": k, "value": v} for k, v in tags.items()],
        },
    )
    server.api("POST", "2.0/mlflow/runs/update", json={"run_id": run_id, "status": "FINISHED", "end_time": now + 1})
    return server.api("GET", "2.0/mlflow/runs/get", params={"run_id": run_id})


@pytest.fixture
def ready(project, project_repo, mlflow_server):
    """Production-ready but for the evaluation; the project's repository and its MLflow server as components, and
    thresholds for the run's metrics approved."""
    make_gate_ready(project)
    make_check_result(project, "vectorstore.index_fresh")
    make_check_result(project, "vectorstore.chunk_source_metadata")
    ComponentFactory(
        project=project,
        kind=ComponentKind.MLFLOW,
        name="tracking",
        connector="mlflow",
        connector_settings={"tracking_uri": mlflow_server.url, "experiment": "docs-qa"},
        attributes={},
    )
    approve_thresholds(project, [{"names": ["answer_correctness"], "min": 0.8}, {"names": ["toxicity"], "max": 0.05}])
    project.head = project_repo
    return project


@pytest.fixture
def ci(ready, member):
    _token, raw = token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=ready)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def push(client, project, payload):
    """The run names a commit of its own; the push names the project's head and the dataset's version."""
    query = f"?commit={project.head}&dataset=docs-qa-golden&dataset_version=3"
    return client.post(reverse("api-project-evidence", args=[project.slug]) + query, payload, format="json")


def test_a_runs_get_answer_of_a_real_mlflow_server_is_accepted_and_judged(mlflow_server, ci, ready):
    response = push(ci, ready, evaluation_run(mlflow_server, toxicity=0.01))
    assert response.status_code == 201, response.json()
    assert response.json()["evaluation"]["format"] == "mlflow"
    stored = PushedEvaluation.objects.get()
    assert {m["name"]: (m["threshold"], m["passed"]) for m in stored.metrics} == {
        "answer_correctness": (0.8, True),
        "toxicity": (0.05, True),
    }
    assert stored.model_version == "docs-qa v7"
    assert stored.git_commit == ready.head
    assert stored.verification == "verified", stored.verification_reasons
    assert stored.mlflow_run_id  # read back from the server: its metrics equal the pushed ones
    assert gate_verdict(project=ready, stage="production").allowed


def test_a_runs_get_answer_below_a_threshold_refuses_naming_the_metric(mlflow_server, ci, ready):
    assert push(ci, ready, evaluation_run(mlflow_server, toxicity=0.2)).status_code == 201
    assert "toxicity 0.2 (Plumbline requires at most 0.05" in gate_verdict(project=ready, stage="production").reasons[0]

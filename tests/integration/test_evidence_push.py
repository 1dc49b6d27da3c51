"""Pushing evaluation results: each format changes the verdict as expected; invalid payloads store nothing."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create
from connectors.models import PushedEvaluation
from gates.selectors import gate_verdict
from registry.models import ChangeRecord
from tests.factories import approve_thresholds, make_check_result, make_gate_ready

pytestmark = [pytest.mark.integration, pytest.mark.django_db]
DATA = Path(__file__).resolve().parents[1] / "data" / "ci"


def sample(name):
    return json.loads((DATA / name).read_text())


@pytest.fixture
def ready(project, project_repo):
    """Everything the production gate needs except CI evaluation results; ``head`` is the commit a push names to
    be corroborated by the project's repository."""
    make_gate_ready(project)
    make_check_result(project, "vectorstore.index_fresh")
    make_check_result(project, "vectorstore.chunk_source_metadata")
    project.head = project_repo
    return project


@pytest.fixture
def ci(ready, member):
    token, raw = token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=ready)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.token = token
    return client


def push(client, project, payload, fmt=None):
    """Push ``payload`` naming the project's head commit and a versioned dataset, as a corroborated push does."""
    query = f"?commit={project.head}&dataset_version=3" + (f"&format={fmt}" if fmt else "")
    return client.post(reverse("api-project-evidence", args=[project.slug]) + query, payload, format="json")


def recent():
    return timezone.now() - timedelta(hours=1)


def test_without_a_push_the_eval_check_is_unknown_and_blocks(ready):
    verdict = gate_verdict(project=ready, stage="production")
    assert not verdict.allowed
    assert verdict.unknown_checks[0].startswith("Check ci.eval_results_recent has no result yet")


def test_a_passing_plumbline_push_opens_the_gate_and_keeps_provenance(ci, ready, member):
    payload = sample("plumbline-passing.json") | {"evaluated_at": recent().isoformat()}
    response = push(ci, ready, payload)
    assert response.status_code == 201, response.json()
    assert response.json()["check"]["state"] == "pass"
    assert gate_verdict(project=ready, stage="production").allowed
    stored = PushedEvaluation.objects.get()
    assert (stored.token, stored.pushed_by, stored.format) == (ci.token, member, "plumbline")
    assert stored.payload == payload
    assert ChangeRecord.objects.filter(project=ready, object_type="pushedevaluation").exists()


def test_a_failing_plumbline_push_refuses_naming_the_metric(ci, ready):
    payload = sample("plumbline-passing.json") | {"evaluated_at": recent().isoformat()}
    payload["metrics"][0]["value"] = 0.6
    push(ci, ready, payload)
    verdict = gate_verdict(project=ready, stage="production")
    assert verdict.reasons == (
        "Check ci.eval_results_recent fails on CI push: 1 Plumbline threshold(s) not met: faithfulness 0.6 "
        "(Plumbline requires at least 0.8; the push's own threshold 0.85 is not used).",
    )


def test_an_old_push_reads_stale(ci, ready):
    payload = sample("plumbline-passing.json") | {"evaluated_at": (timezone.now() - timedelta(days=9)).isoformat()}
    push(ci, ready, payload)
    verdict = gate_verdict(project=ready, stage="production")
    assert not verdict.allowed
    assert verdict.reasons[0].startswith("Check ci.eval_results_recent is stale on CI push")


def test_an_mlflow_run_opens_the_gate(ci, ready):
    approve_thresholds(ready, [{"names": ["answer_correctness"], "min": 0.8}, {"names": ["toxicity"], "max": 0.05}])
    payload = mlflow_sample_without_run_id()
    response = push(ci, ready, payload)
    assert response.status_code == 201, response.json()
    assert response.json()["evaluation"]["format"] == "mlflow"
    assert gate_verdict(project=ready, stage="production").allowed


def test_an_mlflow_run_above_a_plumbline_maximum_refuses(ci, ready):
    approve_thresholds(ready, [{"names": ["answer_correctness"], "min": 0.8}, {"names": ["toxicity"], "max": 0.05}])
    payload = mlflow_sample_without_run_id()
    payload["data"]["metrics"]["toxicity"] = 0.2
    push(ci, ready, payload, fmt="mlflow")
    assert "toxicity 0.2 (Plumbline requires at most 0.05" in gate_verdict(project=ready, stage="production").reasons[0]


def mlflow_sample_without_run_id():
    """``mlflow runs describe`` output without its run id: a named run is read from the project's MLflow, which
    these tests have none of (tests/integration/test_evidence_corroboration.py reads a real one)."""
    payload = sample("mlflow-run-describe.json")
    payload["info"]["end_time"] = int(recent().timestamp() * 1000)
    payload["info"].pop("run_id", None)
    payload["info"].pop("run_uuid", None)
    return payload


def test_a_named_mlflow_run_the_project_cannot_read_is_unverified(ci, ready):
    payload = sample("mlflow-run-describe.json")
    payload["info"]["end_time"] = int(recent().timestamp() * 1000)
    answer = push(ci, ready, payload).json()
    assert answer["evaluation"]["verification"] == "unverified"
    assert "the project has no component read by the MLflow connector" in answer["check"]["reason"]


def test_a_promptfoo_run_with_a_failing_case_refuses_and_an_all_passing_one_opens(ci, ready):
    approve_thresholds(ready, [{"names": ["pass_rate"], "min": 1.0}])
    payload = sample("promptfoo-results.json")
    payload["results"]["timestamp"] = recent().isoformat()
    assert push(ci, ready, payload, fmt="promptfoo").status_code == 201
    assert "pass_rate 0.75 (Plumbline requires at least 1" in gate_verdict(project=ready, stage="production").reasons[0]
    payload["results"]["stats"].update(successes=4, failures=0)
    payload["results"]["timestamp"] = timezone.now().isoformat()
    push(ci, ready, payload)
    assert gate_verdict(project=ready, stage="production").allowed


def test_an_invalid_payload_is_rejected_whole_naming_each_bad_field(ci, ready):
    payload = sample("plumbline-passing.json")
    payload["metrics"][2]["value"] = "fast"
    payload["run_url"] = "ftp://example.com/x"
    payload["dataset"] = {"name": ""}
    response = push(ci, ready, payload)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {
        "dataset.name": ["'' should be non-empty"],
        "metrics[2].value": ["'fast' is not of type 'number'"],
    }
    assert PushedEvaluation.objects.count() == 0
    assert not ChangeRecord.objects.filter(object_type="pushedevaluation").exists()


def test_semantic_errors_are_reported_together(ci, ready):
    payload = sample("plumbline-passing.json") | {"evaluated_at": "yesterday", "run_url": "ftp://example.com/x"}
    response = push(ci, ready, payload)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"evaluated_at", "run_url"}
    assert PushedEvaluation.objects.count() == 0


def test_a_payload_that_is_not_json_is_rejected(ci, ready):
    url = reverse("api-project-evidence", args=[ready.slug])
    response = ci.post(url, "{nope", content_type="application/json")
    assert response.status_code == 400
    assert PushedEvaluation.objects.count() == 0


def test_a_read_token_cannot_push(ready, member):
    _, raw = token_create(user=member, name="read", scope=ApiToken.Scope.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert push(client, ready, sample("plumbline-passing.json")).status_code == 403


def test_a_viewer_cannot_push_but_the_team_can(client, ready, viewer, member):
    payload = sample("plumbline-passing.json") | {"evaluated_at": recent().isoformat()}
    client.force_login(viewer)
    assert (
        client.post(
            reverse("api-project-evidence", args=[ready.slug]), payload, content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(member)
    assert (
        client.post(
            reverse("api-project-evidence", args=[ready.slug]), payload, content_type="application/json"
        ).status_code
        == 201
    )


def test_the_newest_push_is_the_one_that_arrived_last_whatever_its_evaluated_at(ci, ready):
    stamped = timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    failing = sample("plumbline-passing.json") | {"evaluated_at": (stamped + timedelta(milliseconds=500)).isoformat()}
    failing["metrics"][0]["value"] = 0.6
    assert push(ci, ready, failing).status_code == 201
    rerun = sample("plumbline-passing.json") | {"evaluated_at": stamped.isoformat()}  # stamped to the second
    assert push(ci, ready, rerun).status_code == 201
    assert gate_verdict(project=ready, stage="production").allowed
    from connectors.backends.pushed import PushedEvaluationConnector

    connector = PushedEvaluationConnector(component=ready.components.first(), settings={}, secrets={}, timeout=5)
    assert connector.run()[0].state == "pass"


def test_the_pushed_connector_reports_the_latest_push(ci, ready):
    from connectors.backends.pushed import PushedEvaluationConnector

    component = ready.components.first()
    connector = PushedEvaluationConnector(component=component, settings={}, secrets={}, timeout=5)
    assert connector.run()[0].state == "unknown"
    push(ci, ready, sample("plumbline-passing.json") | {"evaluated_at": recent().isoformat()})
    outcome = connector.run()[0]
    assert (outcome.check_id, outcome.state) == ("ci.eval_results_recent", "pass")


def test_the_pushed_connector_reads_an_old_push_as_unknown(ci, ready):
    from connectors.backends.pushed import PushedEvaluationConnector

    old = (timezone.now() - timedelta(days=8)).isoformat()
    push(ci, ready, sample("plumbline-passing.json") | {"evaluated_at": old})
    connector = PushedEvaluationConnector(component=ready.components.first(), settings={}, secrets={}, timeout=5)
    outcome = connector.run()[0]
    assert outcome.state == "unknown"
    assert "older than 7 days" in outcome.reason

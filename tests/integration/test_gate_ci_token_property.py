"""Property: no sequence of pushes by a CI token alone turns a refused production verdict into allowed.

The token's pushes carry any values and any thresholds of their own, name made-up commits, a commit only on an
unmerged branch, no commit, no dataset or an unversioned one, made-up MLflow runs; among them the token also tries
to set the project's thresholds. Plumbline reads the project's real git repository for every one of them.
"""

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create
from connectors.models import PushedEvaluation
from gates.services import verdict_current
from registry.choices import ComponentKind
from tests.factories import ComponentFactory, make_check_result, make_gate_ready
from tests.integration.servers import git, make_repo

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db]

METRIC_NAMES = ("correctness", "answer_correctness", "faithfulness", "groundedness", "toxicity")
values = st.floats(min_value=-10, max_value=10, allow_nan=False)
metrics = st.dictionaries(st.sampled_from(METRIC_NAMES), values, min_size=1, max_size=5)
commits = st.sampled_from(["made-up", "side", "none"])
datasets = st.sampled_from(
    [{"name": "golden", "version": "7"}, {"name": "golden", "hash": "sha256:ab"}, {"name": "golden"}, None]
)
runs = st.sampled_from(["", "0" * 32, "f" * 32])
pushes = st.fixed_dictionaries(
    {"metrics": metrics, "own": st.one_of(st.none(), values), "commit": commits, "dataset": datasets, "run": runs}
)
steps = st.lists(st.one_of(pushes, st.just("set-thresholds")), min_size=1, max_size=4)


@pytest.fixture
def refused(project, tmp_path):
    """Everything production needs but the evaluation evidence; the repository has a side branch never merged."""
    repo = make_repo(tmp_path / "app", [{"app.py": "print(1)\n"}])
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "b.py").write_text("2\n")
    git(repo, "add", "b.py")
    git(repo, "commit", "-q", "-m", "side")
    side = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    make_gate_ready(project)
    for check_id in ("vectorstore.index_fresh", "vectorstore.chunk_source_metadata"):
        make_check_result(project, check_id)
    ComponentFactory(
        project=project,
        kind=ComponentKind.CODE_REPOSITORY,
        name="app-repo",
        connector="git",
        connector_settings={"location": str(repo), "branch": "main"},
        attributes={},
    )
    assert verdict_current(project=project, stage="production")["allowed"] is False
    return project, side


@pytest.fixture
def ci(refused, member):
    _token, raw = token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=refused[0])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def body_of(step, side):
    body = {
        "evaluated_at": "2026-12-01T12:00:00Z",
        "metrics": [{"name": k, "value": v, "threshold": step["own"]} for k, v in step["metrics"].items()],
        "model_version": "v7",
    }
    if step["dataset"]:
        body["dataset"] = step["dataset"]
    if step["commit"] != "none":
        body["git_commit"] = side if step["commit"] == "side" else "0123456789abcdef0123"
    if step["run"]:
        body["mlflow_run_id"] = step["run"]
    return body


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_no_sequence_of_ci_token_pushes_turns_a_refused_verdict_into_allowed(ci, refused, sequence):
    project, side = refused
    try:
        with transaction.atomic():
            for step in sequence:
                if step == "set-thresholds":
                    url = reverse("api-project-thresholds", args=[project.slug])
                    answer = ci.post(url, {"thresholds": [{"names": ["correctness"], "min": -100}]}, format="json")
                    assert answer.status_code == 403
                    continue
                url = reverse("api-project-evidence", args=[project.slug])
                response = ci.post(url, body_of(step, side), format="json")
                assert response.status_code == 201, response.json()
                assert response.json()["evaluation"]["verification"] != "verified"
                verdict = verdict_current(project=project, stage="production")
                assert verdict["allowed"] is False, verdict["reasons"]
            raise _Undo
    except _Undo:
        pass
    assert not PushedEvaluation.objects.filter(project=project).exists()


class _Undo(Exception):
    """Rolls one example's pushes back, so every example starts from the same refused project."""

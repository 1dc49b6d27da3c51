"""Moving a project between stages through the API: the same gate as the project page's "Move to" button."""

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create
from registry.models import ChangeRecord
from tests.factories import make_gate_ready

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_forward_move_without_approved_assessments_is_refused_with_the_verdict(project, member):
    response = client_for(member).post(f"/api/v1/projects/{project.slug}/stage", {"stage": "poc"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["allowed"] is False and body["stage"] == "poc"
    assert any("impact" in reason for reason in body["reasons"])
    project.refresh_from_db()
    assert project.stage == "idea"


def test_a_forward_move_the_gate_allows_changes_the_stage_and_records_it(project, member):
    make_gate_ready(project)

    response = client_for(member).post(f"/api/v1/projects/{project.slug}/stage", {"stage": "poc"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {"project": project.slug, "stage": "poc", "previous_stage": "idea"}
    record = project.changes.get(action=ChangeRecord.Action.STAGE)
    assert record.changes == {"stage": ["idea", "poc"]} and record.note.startswith("Gate policy v")


def test_a_viewer_or_another_team_cannot_move_the_stage(project, viewer, outsider):
    for user in (viewer, outsider):
        response = client_for(user).post(f"/api/v1/projects/{project.slug}/stage", {"stage": "retired"}, format="json")
        assert response.status_code == 403


def test_an_unknown_stage_is_a_field_error(project, member):
    response = client_for(member).post(f"/api/v1/projects/{project.slug}/stage", {"stage": "launch"}, format="json")

    assert response.status_code == 400 and "stage" in response.json()["errors"]


def test_a_ci_token_cannot_move_the_stage(project, member):
    _token, raw = token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=project)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = client.post(f"/api/v1/projects/{project.slug}/stage", {"stage": "retired"}, format="json")

    assert response.status_code == 403
    project.refresh_from_db()
    assert project.stage == "idea"

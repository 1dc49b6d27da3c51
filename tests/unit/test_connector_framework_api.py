"""The evidence API and pages around the framework: refresh with progress, checks, waivers, permissions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken, hash_token
from connectors import services
from connectors.models import Waiver
from tests.factories import ComponentFactory
from tests.unit.test_connector_framework import FAKE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture(autouse=True)
def fake_connector(settings):
    settings.PLUMBLINE_CONNECTORS = {**settings.PLUMBLINE_CONNECTORS, **FAKE}


@pytest.fixture
def connected(project):
    ComponentFactory(project=project, name="fake-1", connector="fake")
    return project


def test_refresh_answers_202_with_a_status_url(client, member, connected, django_capture_on_commit_callbacks):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/projects/{connected.slug}/evidence/refresh")
    assert response.status_code == 202
    body = response.json()
    assert body["status_url"].endswith(f"/api/v1/evidence-runs/{body['run_id']}")
    progress = client.get(body["status_url"]).json()
    assert (progress["status"], progress["components_done"], progress["done"]) == ("done", 1, True)


def test_a_viewer_cannot_start_a_refresh(client, viewer, connected):
    client.force_login(viewer)
    response = client.post(f"/api/v1/projects/{connected.slug}/evidence/refresh")
    assert response.status_code == 403
    assert "team and reviewers" in response.json()["detail"]


def test_a_read_token_cannot_start_a_refresh(client, member, connected):
    raw = ApiToken.generate_raw()
    ApiToken.objects.create(user=member, name="ro", scope="read", prefix=raw[:8], key_hash=hash_token(raw))
    response = client.post(f"/api/v1/projects/{connected.slug}/evidence/refresh", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403


def test_checks_list_every_result_with_state_reason_facts_and_dates(client, viewer, connected):
    services.component_check(component=connected.components.get())
    client.force_login(viewer)
    rows = client.get(f"/api/v1/projects/{connected.slug}/checks").json()
    assert [(r["id"], r["state"], r["component"]) for r in rows] == [
        ("fake.alpha", "pass", "fake-1"),
        ("fake.beta", "fail", "fake-1"),
    ]
    assert {"reason", "facts", "checked_at", "expires_at"} <= set(rows[0])


def test_a_reviewer_creates_lists_and_revokes_a_waiver(client, reviewer, connected):
    client.force_login(reviewer)
    expires = (timezone.now() + timedelta(days=30)).isoformat()
    created = client.post(
        f"/api/v1/projects/{connected.slug}/waivers",
        {"check_id": "fake.beta", "reason": "Beta comes with the next release.", "expires_at": expires},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    listed = client.get(f"/api/v1/projects/{connected.slug}/waivers").json()
    assert [(w["check_id"], w["active"], w["approved_by"]) for w in listed] == [("fake.beta", True, "reviewer")]
    revoked = client.post(f"/api/v1/waivers/{created.json()['id']}/revoke")
    assert revoked.json()["active"] is False


def test_a_member_cannot_create_a_waiver(client, member, connected):
    client.force_login(member)
    response = client.post(
        f"/api/v1/projects/{connected.slug}/waivers",
        {
            "check_id": "fake.beta",
            "reason": "Trust us.",
            "expires_at": (timezone.now() + timedelta(days=3)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Waiver.objects.exists()


def test_a_waiver_without_reason_is_refused_in_the_error_shape(client, reviewer, connected):
    client.force_login(reviewer)
    response = client.post(
        f"/api/v1/projects/{connected.slug}/waivers",
        {"check_id": "fake.nope", "reason": "", "expires_at": (timezone.now() + timedelta(days=3)).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"reason"}


def test_the_page_refresh_answers_json_progress_for_the_script(client, member, connected):
    client.force_login(member)
    started = client.post(f"/projects/{connected.slug}/evidence/refresh/", HTTP_ACCEPT="application/json")
    assert started.status_code == 202
    progress = client.get(started.json()["status_url"]).json()
    assert progress["components_total"] == 1


def test_the_project_page_shows_every_check_with_its_state_and_reason(client, member, connected):
    services.component_check(component=connected.components.get())
    client.force_login(member)
    page = client.get(f"/projects/{connected.slug}/").content.decode()
    assert "fake.alpha" in page and "Alpha seen." in page
    assert "No beta." in page and "How to fix: Make beta hold." in page
    assert "Refresh evidence now" in page


def test_the_project_page_shows_a_running_refresh(client, member, connected):
    services.evidence_refresh(project=connected, actor=member)
    client.force_login(member)
    page = client.get(f"/projects/{connected.slug}/").content.decode()
    assert "Refresh in progress: 0 of 1 components checked." in page


def test_the_evidence_panel_query_count_does_not_grow_with_checks(
    client, reviewer, project, django_assert_max_num_queries
):
    client.force_login(reviewer)
    for name in ("a", "b", "c", "d"):
        services.component_check(component=ComponentFactory(project=project, name=name, connector="fake"))
    with CaptureQueriesContext(connection) as few:
        client.get(f"/projects/{project.slug}/")
    for name in ("e", "f", "g", "h"):
        services.component_check(component=ComponentFactory(project=project, name=name, connector="fake"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/projects/{project.slug}/")


def test_the_checks_page_lists_ids_questions_and_fixes(client, viewer):
    client.force_login(viewer)
    page = client.get("/checks/").content.decode()
    assert "mlflow.run_has_git_commit" in page
    assert "maturity." in page
    assert "Run training from a script inside the git work tree" in page

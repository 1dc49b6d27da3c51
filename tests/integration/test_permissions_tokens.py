"""Token scope at the edges: a project-scoped token stays inside its project, a CI token inside its gate and
evidence push, and a token never outlives its owner's right to do what it does.

Each test here was written against a hole that let a token act beyond its scope.
"""

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken
from registry.models import Team
from reports.models import ReportJob
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def client_for(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def sibling(project):
    """Another project of the same team: the member may edit it, a token scoped to ``project`` may not."""
    return ProjectFactory(team=project.team, slug="sibling", name="Sibling")


@pytest.fixture
def scoped(member, project):
    token, raw = services.token_create(user=member, name="scoped", scope=ApiToken.Scope.WRITE, project=project)
    client = client_for(raw)
    client.token = token
    return client


@pytest.mark.parametrize("body", [{"scope": "write"}, {"scope": "write", "project": "sibling"}, {"scope": "read"}])
def test_a_project_token_cannot_mint_a_token_beyond_its_project(scoped, member, sibling, body):
    response = scoped.post("/api/v1/tokens/", {"name": "escape", **body}, format="json")

    assert response.status_code == 403
    assert set(response.json()) == {"detail", "errors"}
    assert list(member.api_tokens.values_list("name", flat=True)) == ["scoped"]


def test_a_project_token_cannot_list_or_revoke_its_owners_other_tokens(scoped, member):
    other, _ = services.token_create(user=member, name="laptop", scope=ApiToken.Scope.WRITE)

    assert scoped.get("/api/v1/tokens/").status_code == 403
    assert scoped.post(f"/api/v1/tokens/{other.pk}/revoke/").status_code == 403
    other.refresh_from_db()
    assert other.revoked_at is None


def test_an_admins_project_token_cannot_create_teams(admin_user, project):
    _, raw = services.token_create(user=admin_user, name="scoped", scope=ApiToken.Scope.WRITE, project=project)

    response = client_for(raw).post("/api/v1/teams/", {"name": "Shadow", "slug": "shadow"}, format="json")

    assert response.status_code == 403
    assert not Team.objects.filter(slug="shadow").exists()


def test_a_project_token_cannot_start_a_portfolio_report(scoped):
    response = scoped.post("/api/v1/reports/portfolio-jobs/", {}, format="json")

    assert response.status_code == 403
    assert not ReportJob.objects.exists()


def test_an_unscoped_token_still_manages_tokens_and_a_session_still_mints_scoped_ones(client, member, project):
    _, raw = services.token_create(user=member, name="laptop", scope=ApiToken.Scope.WRITE)
    assert client_for(raw).post("/api/v1/tokens/", {"name": "n", "scope": "read"}, format="json").status_code == 201

    client.force_login(member)
    response = client.post(
        "/api/v1/tokens/", {"name": "ci", "scope": "ci", "project": project.slug}, content_type="application/json"
    )
    assert response.status_code == 201


def test_a_ci_token_stops_pushing_evidence_once_its_owner_leaves_the_team(member, project):
    _, raw = services.token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=project)
    member.teams.remove(project.team)

    response = client_for(raw).post(f"/api/v1/projects/{project.slug}/evidence", {"metrics": []}, format="json")

    assert response.status_code == 403
    assert project.pushed_evaluations.count() == 0


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_the_api_schema_and_docs_need_a_login(client, url):
    assert client.get(url).status_code in (401, 403)


def test_a_ci_token_cannot_read_the_api_schema(member, project):
    _, raw = services.token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=project)

    assert client_for(raw).get("/api/schema/").status_code == 403


def test_a_signed_in_user_and_a_read_token_read_the_api_schema(client, viewer):
    _, raw = services.token_create(user=viewer, name="docs", scope=ApiToken.Scope.READ)
    assert client_for(raw).get("/api/schema/?format=json").status_code == 200

    client.force_login(viewer)
    assert client.get("/api/schema/?format=json").status_code == 200
    assert client.get("/api/docs/").status_code == 200


CI_REFUSED = [
    ("get", "/api/v1/projects/docs-qa/checks"),
    ("get", "/api/v1/projects/docs-qa/waivers"),
    ("post", "/api/v1/projects/docs-qa/waivers"),
    ("post", "/api/v1/projects/docs-qa/evidence/refresh"),
    ("get", "/api/v1/projects/docs-qa/assessments"),
    ("post", "/api/v1/projects/docs-qa/assessments"),
    ("get", "/api/v1/assessments"),
    ("post", "/api/v1/projects/docs-qa/stage"),
    ("get", "/api/v1/reports/scorecards/docs-qa/"),
    ("post", "/api/v1/reports/portfolio-jobs/"),
    ("get", "/api/v1/components/"),
    ("get", "/api/v1/tokens/"),
    ("post", "/api/v1/tokens/"),
    ("get", "/api/v1/questionnaires"),
    ("get", "/api/v1/teams/"),
]


@pytest.mark.parametrize(("method", "url"), CI_REFUSED, ids=[f"{m} {u}" for m, u in CI_REFUSED])
def test_a_ci_token_reaches_only_its_gate_and_evidence_push(member, project, method, url):
    _, raw = services.token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=project)

    assert getattr(client_for(raw), method)(url, {}, format="json").status_code == 403

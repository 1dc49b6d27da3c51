"""The gate API as CI sees it: verdict JSON, token scope, revocation, rate limit, OpenAPI schema."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create, token_revoke
from assessments.models import Assessment
from tests.factories import ProjectFactory, make_approved_assessment, make_check_result, make_gate_ready

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def ci(project, member):
    token, raw = token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=project)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.token = token
    return client


def gate_url(slug, stage="production"):
    return reverse("api-project-gate", args=[slug]) + f"?stage={stage}"


def test_it_answers_the_verdict_with_levels_tier_policy_and_scorecard(ci, project):
    make_gate_ready(project)
    make_check_result(project, "vectorstore.index_fresh", "fail")
    data = ci.get(gate_url(project.slug)).json()
    assert data["allowed"] is False
    make_check_result(project, "vectorstore.chunk_source_metadata")
    data = ci.get(gate_url(project.slug)).json()
    assert data["policy_version"] == 2
    assert (data["tier"], data["verified_level"], data["required_level"]) == ("medium", 2, 2)
    assert data["reasons"] == [
        "Check vectorstore.index_fresh fails on " + project.components.get().name + ": vectorstore.index_fresh is fail"
    ]
    assert data["unknown_checks"] == [
        "Check ci.eval_results_recent has no result yet: connect a component that provides it (or push CI "
        "evaluation results), then refresh the evidence."
    ]
    assert data["scorecard_url"] == f"http://testserver/reports/projects/{project.slug}/scorecard.pdf"


def test_it_rejects_an_unknown_stage_naming_the_choices(ci, project):
    response = ci.get(gate_url(project.slug, "moon"))
    assert response.status_code == 400
    assert response.json()["errors"]["stage"] == ["Use one of: poc, pilot, production."]


def test_a_ci_token_cannot_read_another_projects_gate_or_push_to_it(ci):
    other = ProjectFactory()
    assert ci.get(gate_url(other.slug)).status_code == 403
    response = ci.post(reverse("api-project-evidence", args=[other.slug]), {"metrics": []}, format="json")
    assert response.status_code == 403
    assert other.pushed_evaluations.count() == 0


def test_a_ci_token_cannot_reach_other_endpoints(ci, project):
    assert ci.get("/api/v1/projects/").status_code == 403
    assert ci.get(f"/api/v1/projects/{project.slug}/").status_code == 403


def test_a_revoked_token_gets_401(ci, project, member):
    token_revoke(token=ci.token, actor=member)
    response = ci.get(gate_url(project.slug))
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid, expired or revoked API token."


def test_no_credentials_get_401(project):
    assert APIClient().get(gate_url(project.slug)).status_code == 401


def test_a_signed_in_user_reads_any_projects_gate(client, project, viewer):
    client.force_login(viewer)
    assert client.get(gate_url(project.slug)).status_code == 200


def test_the_rate_limit_answers_429_with_retry_after(ci, project, settings):
    settings.PLUMBLINE_TOKEN_RATE = "3/min"
    statuses = [ci.get(gate_url(project.slug)).status_code for _ in range(3)]
    limited = ci.get(gate_url(project.slug))
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 60


def test_both_endpoints_are_in_the_openapi_schema(admin_user, client):
    client.force_login(admin_user)
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/projects/{slug}/gate/" in schema["paths"]
    assert "/api/v1/projects/{slug}/evidence/" in schema["paths"]


def test_the_portfolio_report_judges_each_gate_exactly_as_the_gate_itself(project, team, member):
    """Both build their facts with gates.facts.build_gate_facts; the leadership report must never disagree."""
    from gates.selectors import gate_verdict, next_stages
    from reports.selectors import portfolio_snapshot

    ready = ProjectFactory(team=team, name="Ready", slug="ready", stage="pilot", technical_owner=member)
    make_gate_ready(ready)
    make_check_result(ready, "vectorstore.index_fresh", "fail")
    projects = [project, ready]

    snapshot = portfolio_snapshot()

    entries = {entry["slug"]: entry for entry in snapshot.projects}
    blocked = {row["slug"]: row for row in snapshot.blocked}
    for p in projects:
        verdict = gate_verdict(project=p, stage=next_stages(p.stage)[0])
        assert entries[p.slug]["gate_allowed"] == verdict.allowed
        if not verdict.allowed:
            assert blocked[p.slug]["unmet"] == len(verdict.reasons)
            assert blocked[p.slug]["reason"] == (verdict.reasons or verdict.unknown_checks)[0]
            assert blocked[p.slug]["first"]  # the same reason in a reader's words (questions, check titles)


def test_the_newest_approved_assessment_of_each_kind_decides(ci, project):
    """A re-assessment that found the project less mature (or riskier) replaces the older, better result."""
    make_gate_ready(project)
    now = timezone.now()
    Assessment.objects.filter(project=project).update(decided_at=now - timedelta(days=60))
    level_3 = {"model": "maturity", "claimed_level": 3, "verified_level": 3, "level_name": "Managed", "blocking": []}
    level_1 = {"model": "maturity", "claimed_level": 2, "verified_level": 1, "level_name": "Documented", "blocking": []}
    make_approved_assessment(project, "maturity", level_3, decided_at=now - timedelta(days=30))
    make_approved_assessment(project, "maturity", level_1, decided_at=now - timedelta(days=1))
    make_approved_assessment(project, "risk", {"model": "risk", "tier": "high"}, decided_at=now - timedelta(hours=1))
    make_approved_assessment(project, "risk", {"model": "risk", "tier": "low"}, decided_at=now - timedelta(days=9))

    data = ci.get(gate_url(project.slug)).json()

    assert (data["verified_level"], data["tier"]) == (1, "high")

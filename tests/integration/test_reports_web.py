"""Report pages, CSV exports and API: what a signed-in user and a script see."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken, hash_token
from reports import selectors
from reports.models import ReportJob
from tests.factories import ProjectFactory, TeamFactory
from tests.reports_factories import (
    AssessmentFactory,
    CheckResultFactory,
    impact_result,
    risk_result,
    seed_scored_project,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Rendered reports go to a temporary media directory, not the shared var/test-media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def seeded(project):
    return seed_scored_project(project)


@pytest.fixture
def portfolio(seeded, project, other_team):
    """Three projects: the seeded one (high tier, blocked), a low-tier one of another team, an unassessed one."""
    low = ProjectFactory(team=other_team, name="Ticket triage", slug="ticket-triage", stage="production")
    seed_scored_project(
        low, risk=risk_result(tier="low", category="minimal"), impact=impact_result(recommendation="proceed")
    )
    ProjectFactory(team=other_team, name="New idea", slug="new-idea")
    return {"high": project, "low": low}


def rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_portfolio_page_needs_a_login(client):
    response = client.get("/reports/portfolio/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_portfolio_page_shows_counts_and_links_to_projects(client, viewer, portfolio):
    client.force_login(viewer)
    response = client.get("/reports/portfolio/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/projects/docs-qa/"' in body
    assert 'href="/reports/projects/ticket-triage/scorecard.pdf"' in body
    assert response.context["s"].counts["projects"] == 3
    assert "<svg" in body and "<script" not in body.split("</main>")[0]


def test_the_portfolio_filters_by_tier(client, viewer, portfolio):
    client.force_login(viewer)
    response = client.get("/reports/portfolio/", {"tier": "low"})
    assert [p["slug"] for p in response.context["s"].projects] == ["ticket-triage"]


def test_the_team_page_shows_only_that_team(client, viewer, portfolio):
    client.force_login(viewer)
    response = client.get("/reports/teams/support/")
    assert {p["slug"] for p in response.context["s"].projects} == {"ticket-triage", "new-idea"}


def test_an_unknown_team_page_is_not_found(client, viewer):
    client.force_login(viewer)
    assert client.get("/reports/teams/nope/").status_code == 404


def test_the_projects_csv_has_one_row_per_project_with_its_figures(client, viewer, portfolio):
    client.force_login(viewer)
    response = client.get("/reports/portfolio/", {"format": "csv", "table": "projects"})
    assert response["Content-Type"].startswith("text/csv")
    by_slug = {r["slug"]: r for r in rows(response)}
    assert set(by_slug) == {"docs-qa", "ticket-triage", "new-idea"}
    assert by_slug["docs-qa"]["risk_tier"] == "high"
    assert by_slug["docs-qa"]["claimed_level"] == "3"
    assert by_slug["docs-qa"]["verified_level"] == "2"
    assert by_slug["docs-qa"]["failing_checks"] == "1"
    assert by_slug["new-idea"]["status"] == "Not assessed"


def test_the_section_csv_has_a_column_per_section(client, viewer, portfolio):
    client.force_login(viewer)
    response = client.get("/reports/portfolio/", {"format": "csv", "table": "maturity-by-section"})
    first = next(r for r in rows(response) if r["slug"] == "docs-qa")
    assert first["Documentation"] == "80.0"
    assert first["Versioning"] == "20.0"


def test_the_tier_csv_counts_projects_per_tier(client, viewer, portfolio):
    client.force_login(viewer)
    tiers = {r["risk_tier"]: r["projects"] for r in rows(client.get("/reports/teams/support/?format=csv&table=tiers"))}
    assert tiers == {"critical": "0", "high": "0", "medium": "0", "low": "1", "unassessed": "1"}


def test_csv_cells_that_look_like_formulas_are_neutralised(client, viewer, team):
    ProjectFactory(team=team, name="=HYPERLINK(1)", slug="formula")
    client.force_login(viewer)
    names = [r["project"] for r in rows(client.get("/reports/portfolio/?format=csv&table=projects"))]
    assert names == ["'=HYPERLINK(1)"]


def test_an_unknown_csv_table_says_which_exist(client, viewer):
    client.force_login(viewer)
    response = client.get("/reports/portfolio/", {"format": "csv", "table": "nope"})
    assert response.status_code == 400
    assert "projects" in response.content.decode()


def test_overdue_reassessments_are_listed(client, viewer, project, seeded):
    seeded["risk"].expires_at = timezone.now() - dt.timedelta(days=12)
    seeded["risk"].save()
    client.force_login(viewer)
    overdue = rows(client.get("/reports/portfolio/?format=csv&table=overdue"))
    assert [(r["slug"], r["assessment"], r["days_overdue"]) for r in overdue] == [("docs-qa", "risk", "12")]


def test_a_retired_project_is_counted_apart_and_never_overdue(client, viewer, project, seeded):
    seeded["risk"].expires_at = timezone.now() - dt.timedelta(days=12)
    seeded["risk"].save()
    project.stage = "retired"
    project.save(update_fields=["stage"])
    client.force_login(viewer)

    overdue = rows(client.get("/reports/portfolio/?format=csv&table=overdue"))
    projects = rows(client.get("/reports/portfolio/?format=csv&table=projects"))

    assert overdue == []
    assert [(r["slug"], r["status"]) for r in projects] == [("docs-qa", "Retired")]


def test_the_scorecard_url_returns_a_pdf(client, viewer, seeded, project):
    client.force_login(viewer)
    response = client.get("/reports/projects/docs-qa/scorecard.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_project_panel_links_to_the_scorecard(rf, viewer, project):
    html = Template("{% load report_panels %}{% project_reports_panel project %}").render(
        Context({"project": project, "user": viewer})
    )
    assert 'href="/reports/projects/docs-qa/scorecard.pdf"' in html


def test_generating_the_portfolio_pdf_goes_to_done_with_a_download_link(
    client, viewer, portfolio, django_capture_on_commit_callbacks, eager_celery
):
    client.force_login(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/portfolio/jobs/", {"tier": "high"})
    job = ReportJob.objects.get()
    assert response["Location"] == f"/reports/jobs/{job.pk}/"
    status = client.get(f"/reports/jobs/{job.pk}/?format=json").json()
    assert status["status"] == "done" and status["progress"] == 100
    pdf = client.get(status["download_url"])
    assert pdf["Content-Type"] == "application/pdf"
    page = client.get(f"/reports/jobs/{job.pk}/").content.decode()
    assert status["download_url"] in page


def test_the_portfolio_reads_a_constant_number_of_queries(portfolio, team):
    with CaptureQueriesContext(connection) as few:
        selectors.portfolio_snapshot()
    for i in range(8):
        p = ProjectFactory(team=team, name=f"Extra {i}", slug=f"extra-{i}")
        AssessmentFactory(project=p)
    with CaptureQueriesContext(connection) as many:
        snapshot = selectors.portfolio_snapshot()
    assert snapshot.counts["projects"] == 11
    assert len(many) == len(few) <= 8


def test_the_api_serves_the_scorecard_pdf(client, viewer, seeded):
    client.force_login(viewer)
    response = client.get("/api/v1/reports/scorecards/docs-qa/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_a_project_token_cannot_read_another_projects_scorecard(client, viewer, seeded, other_team):
    other = ProjectFactory(team=other_team, slug="other")
    raw = ApiToken.generate_raw()
    ApiToken.objects.create(
        user=viewer, project=other, name="t", scope=ApiToken.Scope.READ, prefix=raw[:8], key_hash=hash_token(raw)
    )
    response = client.get("/api/v1/reports/scorecards/docs-qa/", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code in (403, 404)
    assert response.json()["detail"]


def test_the_api_creates_and_polls_a_portfolio_job(
    client, admin_user, portfolio, django_capture_on_commit_callbacks, eager_celery
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/reports/portfolio-jobs/", {"team": "support"}, content_type="application/json")
    assert created.status_code == 202
    job = client.get(f"/api/v1/reports/portfolio-jobs/{created.json()['id']}/").json()
    assert job["status"] == "done"
    assert job["params"] == {"team": "support", "stage": "", "tier": ""}
    assert client.get(job["download_url"])["Content-Type"] == "application/pdf"


def test_the_api_rejects_an_unknown_team_in_the_errors_shape(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/api/v1/reports/portfolio-jobs/", {"team": "nope"}, content_type="application/json")
    assert response.status_code == 400
    assert "team" in response.json()["errors"]


def test_a_second_team_does_not_change_the_portfolio_of_the_first(portfolio):
    before = selectors.portfolio_snapshot(team="search")
    TeamFactory(name="Brand new", slug="brand-new")
    assert selectors.portfolio_snapshot(team="search") == before


def test_the_blocked_csv_names_the_gate_and_its_first_reason(client, viewer, portfolio):
    client.force_login(viewer)
    blocked = {r["slug"]: r for r in rows(client.get("/reports/portfolio/?format=csv&table=blocked"))}
    assert set(blocked) == {"new-idea"}, "docs-qa has the impact and risk assessments the PoC gate needs"
    assert blocked["new-idea"]["next_gate"] == "Proof of concept"
    assert int(blocked["new-idea"]["unmet_requirements"]) >= 1
    assert blocked["new-idea"]["first_reason"]


def test_the_scorecard_reads_a_constant_number_of_queries(seeded, project):
    with CaptureQueriesContext(connection) as few:
        selectors.scorecard_snapshot(project)
    for i in range(6):
        CheckResultFactory(component=seeded["repo"], check_id=f"git.extra_{i}", state="fail")
        AssessmentFactory(project=project, questionnaire=seeded["maturity"].questionnaire)
    with CaptureQueriesContext(connection) as many:
        snapshot = selectors.scorecard_snapshot(project)
    assert len(snapshot.evidence) == 9 and len(snapshot.trend) == 8
    assert len(many) == len(few)

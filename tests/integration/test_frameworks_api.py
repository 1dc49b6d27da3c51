"""Framework standing in the API and on the pages: per project, OSCAL, and portfolio coverage with its change."""

import io
import json

import pytest
from django.test import Client

from tests.factories import ProjectFactory, make_check_result, make_recorded_assessment

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_definitions(monkeypatch):
    """assessments.selectors caches definitions by version id for the process; a rolled-back test database hands
    the same ids to other versions, so each test starts with an empty cache."""
    from assessments import selectors as assessment_selectors

    monkeypatch.setattr(assessment_selectors, "_DEFINITIONS", {})


@pytest.fixture
def client_as():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def assessed(project):
    make_recorded_assessment(project, "maturity", {"maturity.documentation.architecture": "yes"})
    make_check_result(project, "git.architecture_doc_present", "fail")
    return project


def test_the_api_gives_each_framework_with_verified_beside_claimed(client_as, member, assessed):
    data = client_as(member).get("/api/v1/projects/docs-qa/frameworks/").json()
    by_key = {f["key"]: f for f in data}
    assert set(by_key) == {"iso42001-2023", "nist-ai-rmf-1.0", "nist-ai-600-1-2024", "eu-ai-act-2024",
                           "eu-ai-act-annex-iv-2024", "owasp-llm-2025"}  # fmt: skip
    iso = by_key["iso42001-2023"]["summary"]
    assert iso["total"] == 38 and iso["verified_pct"] == 0.0 and iso["counts"]["contradicted"] >= 1
    assert iso["with_verified_evidence"] == 0


def test_controls_with_some_verified_evidence_are_counted_beside_fully_verified_ones(client_as, member, project):
    make_recorded_assessment(
        project, "maturity", {"maturity.documentation.architecture": "yes", "maturity.code_quality.docs_as_code": "yes"}
    )
    make_check_result(project, "git.architecture_doc_present", "pass")
    iso = next(
        f for f in client_as(member).get("/api/v1/projects/docs-qa/frameworks/").json() if f["key"] == "iso42001-2023"
    )
    assert iso["summary"]["counts"]["verified"] < iso["summary"]["with_verified_evidence"]


def test_a_control_row_says_why_with_the_failing_check(client_as, member, assessed):
    data = client_as(member).get("/api/v1/projects/docs-qa/frameworks/iso42001-2023/").json()
    row = next(r for r in data["rows"] if r["id"] == "A.6.2.3")
    assert row["status"] == "contradicted" and row["ref"] == "iso42001:2023:A.6.2.3"
    assert "git.architecture_doc_present" in row["why"]
    assert {i["outcome"] for i in row["items"]} >= {"contradicted"}


def test_oscal_from_the_api_loads_in_trestle(client_as, member, assessed):
    from trestle.oscal.assessment_results import AssessmentResults

    response = client_as(member).get("/api/v1/projects/docs-qa/frameworks/owasp-llm-2025/oscal/")
    assert response.status_code == 200
    results = AssessmentResults.model_validate(response.json()["assessment-results"])
    assert [f.target.target_id for f in results.results[0].findings] == [f"LLM{n:02d}" for n in range(1, 11)]


def test_an_unknown_framework_is_a_json_404(client_as, member, assessed):
    response = client_as(member).get("/api/v1/projects/docs-qa/frameworks/iso27001/")
    assert response.status_code == 404 and "detail" in response.json()


def test_the_xlsx_download_opens_with_openpyxl(client_as, member, assessed):
    from openpyxl import load_workbook

    response = client_as(member).get("/reports/projects/docs-qa/frameworks/iso42001-2023.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 39


def test_the_project_page_links_to_its_frameworks(client_as, member, assessed):
    page = client_as(member).get("/projects/docs-qa/").content.decode()
    assert "/projects/docs-qa/frameworks/" in page and "iso42001-2023.xlsx" in page


def test_portfolio_coverage_shows_the_change_since_the_issued_report(client_as, member, reviewer, assessed, team):
    other = ProjectFactory(team=team, slug="other")
    make_recorded_assessment(other, "maturity", {"maturity.documentation.architecture": "yes"})
    api = client_as(reviewer)
    before = api.get("/api/v1/portfolio/frameworks/").json()
    assert before["previous"] is None and before["projects"] == 2
    assert api.post("/api/v1/portfolio/frameworks/").status_code == 201
    make_check_result(assessed, "git.architecture_doc_present", "pass")  # the evidence now backs the claim
    after = api.get("/api/v1/portfolio/frameworks/").json()
    assert after["previous"] is not None
    iso = next(f for f in after["frameworks"] if f["key"] == "iso42001-2023")
    assert iso["change"]["verified_pct"] > 0
    docs = next(p for p in iso["projects"] if p["slug"] == "docs-qa")
    assert docs["change"]["verified_pct"] > 0
    assert next(p for p in iso["projects"] if p["slug"] == "other")["change"]["verified_pct"] == 0
    page = client_as(member).get("/frameworks/portfolio/").content.decode()
    assert "points" in page and "Issue coverage report" not in page  # members read it, reviewers issue it
    assert json.loads(json.dumps(after))  # plain JSON all the way down


def test_questions_hidden_for_the_project_do_not_apply(project):
    from frameworks import selectors

    make_recorded_assessment(project, "risk", {"risk.context.tools": "no", "risk.context.downstream": "no"})
    facts = selectors.project_facts([project])[project.pk]
    assert facts.answers["risk.excessive_agency.mitigations"].visible is False
    report = selectors.project_framework(project=project, framework_key="owasp-llm")
    assert next(r for r in report.rows if r.id == "LLM06").status == "not_applicable"

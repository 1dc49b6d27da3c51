"""The risk verdict where people read a risk result: the result page, the API, the scorecard and the summaries."""

from pathlib import Path

import pytest

from assessments import selectors, services
from assessments.models import Answer
from reports.pdf import scorecard_html
from reports.selectors import scorecard_snapshot
from tests.factories import questionnaire_version_from_yaml
from tests.unit.test_assessment_api import api_for

RISK = Path(__file__).resolve().parents[1] / "data" / "questionnaires" / "risk_small.yaml"
HONEST = {
    "risk.euact.prohibited": "no",
    "risk.euact.domain": "other",
    "risk.hallucination.likelihood": "likely",
    "risk.hallucination.severity": "certain",
    "risk.hallucination.mitigations": ["disclaimer"],
    "risk.pii.likelihood": "rare",
    "risk.pii.severity": "rare",
}


def submitted(project, member, **answers):
    questionnaire_version_from_yaml(RISK)
    assessment = services.assessment_start(project=project, kind="risk", actor=member)
    for qid, value in {**HONEST, **answers}.items():
        version = getattr(Answer.objects.filter(assessment=assessment, question_id=qid).first(), "version", 0)
        services.answer_save(
            assessment=assessment, question_id=qid, value=value, expected_version=version, actor=member
        )
    services.assessment_submit(assessment=assessment, actor=member)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def prohibited(project, member):
    return submitted(project, member, **{"risk.euact.prohibited": "yes"})


def test_the_result_page_leads_with_prohibited_stop_and_offers_no_hazard_as_an_action(client, member, prohibited):
    client.force_login(member)
    page = client.get(prohibited.get_absolute_url()).content.decode()
    assert "Prohibited — stop" in page
    assert "A prohibited practice." in page
    assert "answer “yes”" not in page and "Next actions" not in page


def test_the_result_page_calls_the_risk_score_a_control_level_where_higher_is_safer(client, member, project):
    assessment = submitted(project, member)
    client.force_login(member)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Risk control" in page and "higher is safer" in page
    assert "worst residual risk 16 of 25" in page
    assert "Proceed with the high-tier controls" in page


def test_the_api_returns_the_verdict_with_the_risk_result(member, prohibited):
    body = api_for(member).get(f"/api/v1/assessments/{prohibited.pk}").json()
    stop = {"code": "stop", "label": "Prohibited — stop", "reason": "A prohibited practice."}
    assert body["result"]["verdict"] == stop
    assert body["result"]["score"]["pct"] == 0
    assert body["result"]["next_actions"] == []


def test_the_scorecard_shows_the_verdict(project, prohibited):
    snapshot = scorecard_snapshot(project)
    html = scorecard_html(snapshot)
    assert snapshot.risk["verdict"]["code"] == "stop"
    assert html.count("Prohibited — stop") >= 2  # at a glance and in the risk section


def test_the_summary_of_a_prohibited_risk_assessment_is_stop(prohibited):
    assert selectors.result_summary(prohibited) == "Prohibited — stop"


def test_the_risk_history_leaves_out_results_that_counted_hazard_answers_as_points(client, member, project):
    legacy = submitted(project, member, **{"risk.euact.prohibited": "yes"})
    legacy.result = {k: v for k, v in legacy.result.items() if k != "verdict"} | {"score": {"pct": 92.0}}
    legacy.save(update_fields=["result"])
    current = submitted(project, member)
    assert selectors.score_history(project, "risk") == [current]
    client.force_login(member)
    page = client.get(f"/projects/{project.slug}/assessments/").content.decode()
    assert "Risk control over time (higher is safer)" in page
    assert "92% control" not in page and "92%" not in page

"""Automated evidence in the assessment: pre-filled answers to confirm, evidence next to the question,
discrepancies flagged, and the verified score frozen in the record."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Answer
from connectors.models import CheckResult
from tests.factories import ComponentFactory

OTHER_ANSWERS = {
    "m.docs.owner": "Alice",
    "m.ops.monitoring": 3,
    "m.ops.uses_api": "no",
    "m.rag.chunking": "yes",
    "m.rag.freshness": "daily",
}


def check(project, state, reason):
    component = ComponentFactory(project=project, kind="code_repository", name="repo")
    now = timezone.now()
    return CheckResult.objects.create(
        component=component,
        project=project,
        check_id="git.readme_present",
        state=state,
        reason=reason,
        checked_at=now - timedelta(hours=3),
        expires_at=now + timedelta(days=1),
    )


def answer(assessment, qid, value, actor, **kwargs):
    current = Answer.objects.filter(assessment=assessment, question_id=qid).first()
    return services.answer_save(
        assessment=assessment,
        question_id=qid,
        value=value,
        comment=kwargs.get("comment", ""),
        justification=kwargs.get("justification", ""),
        expected_version=current.version if current else 0,
        actor=actor,
    )


@pytest.fixture
def passing(project):
    return check(project, "pass", "README.md found (2.1 kB)")


@pytest.fixture
def failing(project):
    return check(project, "fail", "No README in the default branch")


def test_a_passing_check_prefills_its_question_for_the_team_to_confirm(
    passing, project, member, assessment_questionnaires
):
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    prefilled = draft.answers.get(question_id="m.docs.readme")
    assert (prefilled.value, prefilled.source) == ("yes", Answer.Source.EVIDENCE)
    assert draft.prefill["evidence"] == ["m.docs.readme"]


def test_submit_waits_until_the_prefilled_answer_is_confirmed(passing, project, member, assessment_questionnaires):
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    for qid, value in OTHER_ANSWERS.items():
        answer(draft, qid, value, member)
    with pytest.raises(services.AssessmentIncomplete) as caught:
        services.assessment_submit(assessment=draft, actor=member)
    assert [p["message"] for p in caught.value.problems] == [
        "Confirm the answer pre-filled from evidence (save it, or change it)."
    ]
    confirmed = answer(draft, "m.docs.readme", "yes", member)
    assert confirmed.source == Answer.Source.PERSON and confirmed.version == 2
    assert services.assessment_submit(assessment=draft, actor=member).state == "submitted"


def test_the_form_shows_the_check_next_to_its_question(passing, client, project, member, assessment_questionnaires):
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    client.force_login(member)
    page = client.get(reverse("assessments:detail", args=[draft.pk]) + "?section=m.docs").content.decode()
    assert "git.readme_present" in page
    assert "README.md found (2.1 kB)" in page
    assert "checked 3\xa0hours ago" in page
    assert "Pre-filled from a passing check" in page


def test_a_claimed_yes_contradicted_by_a_failing_check_is_flagged(
    failing, client, project, member, assessment_questionnaires
):
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    answer(draft, "m.docs.readme", "yes", member)
    client.force_login(member)
    page = client.get(reverse("assessments:detail", args=[draft.pk]) + "?section=m.docs").content.decode()
    assert "Discrepancy:" in page
    assert 'class="question has-discrepancy" id="q-m.docs.readme"' in page
    assert "No README in the default branch" in page


def test_a_claimed_yes_contradicted_by_partial_evidence_is_flagged(client, project, member, assessment_questionnaires):
    check(project, "warn", "README.md has no setup section")
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    answer(draft, "m.docs.readme", "yes", member)
    client.force_login(member)
    page = client.get(reverse("assessments:detail", args=[draft.pk]) + "?section=m.docs").content.decode()
    assert "Discrepancy:" in page and "only partly passes" in page
    assert 'class="question has-discrepancy" id="q-m.docs.readme"' in page


def test_the_record_keeps_the_checks_and_the_verified_result(failing, project, member, assessment_questionnaires):
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    for qid, value in {**OTHER_ANSWERS, "m.docs.readme": "yes"}.items():
        answer(draft, qid, value, member)
    submitted = services.assessment_submit(assessment=draft, actor=member)
    assert submitted.record["checks"]["m.docs.readme"]["state"] == "fail"
    assert submitted.result["verified_level"] < submitted.result["claimed_level"]
    assert submitted.result["discrepancies"][0]["question_id"] == "m.docs.readme"


def test_the_api_says_which_answers_their_check_contradicts(failing, project, member, assessment_questionnaires):
    from rest_framework.test import APIClient

    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    client = APIClient()
    client.force_authenticate(member)
    saved = client.put(
        f"/api/v1/assessments/{draft.pk}/answers/m.docs.readme",
        {"value": "yes", "expected_version": 0},
        format="json",
    ).json()
    assert saved["claim"] == "contradicted"
    answer(draft, "m.docs.owner", "Alice", member)
    detail = client.get(f"/api/v1/assessments/{draft.pk}").json()
    claims = {a["question_id"]: a["claim"] for a in detail["answers"]}
    assert claims == {"m.docs.readme": "contradicted", "m.docs.owner": None}

"""The submitted record and what the pages, API and scores show beside it: a change to any of them is detected."""

import pytest

from assessments import services
from assessments.models import Answer, AnswerEvidence, Assessment
from tests.factories import COMPLETE_MATURITY_ANSWERS, questionnaire_version_from_yaml
from tests.unit.test_assessment_services import DATA, answer_all


@pytest.fixture
def submitted(project, member, assessment_questionnaires):
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    answer_all(draft, member, {**COMPLETE_MATURITY_ANSWERS, "m.docs.architecture": "yes"})
    services.answer_save(
        assessment=draft,
        question_id="m.docs.owner",
        value="Alice",
        comment="Docs team lead",
        expected_version=1,
        actor=member,
    )
    services.evidence_add(
        assessment=draft, question_id="m.docs.architecture", actor=member, url="https://wiki.example.com/arch"
    )
    return services.assessment_submit(assessment=draft, actor=member)


def reloaded(assessment):
    from assessments.selectors import assessment_with_answers

    return assessment_with_answers(assessment.pk)


def test_an_untouched_record_verifies(submitted):
    assert services.assessment_verify(reloaded(submitted))


def test_it_detects_a_score_changed_beside_the_record(submitted):
    Assessment.objects.filter(pk=submitted.pk).update(result={**submitted.result, "level": 4})
    assert not services.assessment_verify(reloaded(submitted))


def test_it_detects_the_questionnaire_version_changed_beside_the_record(submitted):
    other = questionnaire_version_from_yaml(DATA / "maturity-small-v2.yaml")
    Assessment.objects.filter(pk=submitted.pk).update(questionnaire=other)
    assert not services.assessment_verify(reloaded(submitted))


def test_it_detects_an_answer_changed_beside_the_record(submitted):
    Answer.objects.filter(assessment=submitted, question_id="m.docs.readme").update(value="no")
    assert not services.assessment_verify(reloaded(submitted))


def test_it_detects_a_comment_changed_beside_the_record(submitted):
    Answer.objects.filter(assessment=submitted, question_id="m.docs.owner").update(comment="Nobody")
    assert not services.assessment_verify(reloaded(submitted))


def test_it_detects_an_answer_added_beside_the_record(submitted):
    Answer.objects.create(assessment=submitted, question_id="m.ops.api_limits", value="yes", version=1)
    assert not services.assessment_verify(reloaded(submitted))


def test_it_detects_an_evidence_link_changed_beside_the_record(submitted):
    AnswerEvidence.objects.filter(answer__assessment=submitted).update(url="https://evil.example.com/")
    assert not services.assessment_verify(reloaded(submitted))


def test_it_detects_evidence_removed_beside_the_record(submitted):
    AnswerEvidence.objects.filter(answer__assessment=submitted).delete()
    assert not services.assessment_verify(reloaded(submitted))


def test_the_record_page_says_when_a_score_changed_beside_the_record(submitted, client, member):
    Assessment.objects.filter(pk=submitted.pk).update(result={**submitted.result, "level": 4})
    client.force_login(member)
    page = client.get(submitted.get_absolute_url())
    assert page.context["verified"] is False


def test_a_stale_version_for_an_answer_nobody_saved_yet_is_a_conflict_not_an_error(
    project, member, assessment_questionnaires
):
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    with pytest.raises(services.AnswerConflict) as caught:
        services.answer_save(
            assessment=draft, question_id="m.docs.owner", value="Bob", expected_version=3, actor=member
        )
    assert caught.value.theirs["version"] == 0
    assert caught.value.theirs["value"] is None

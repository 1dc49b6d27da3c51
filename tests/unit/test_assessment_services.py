"""Assessment workflows: start, save with version checks, evidence, submit, verify, review, re-open, remind."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from assessments import selectors, services
from assessments.models import Answer, AnswerRevision, Assessment
from tests.factories import COMPLETE_MATURITY_ANSWERS, make_user, questionnaire_version_from_yaml

# One reviewer approves: these tests are about the workflow, not approvals by domain.
pytestmark = pytest.mark.usefixtures("one_reviewer_policy")

DATA = Path(__file__).resolve().parents[1] / "data" / "assessments"


@pytest.fixture
def maturity(project, member, assessment_questionnaires):
    return services.assessment_start(project=project, kind="maturity", actor=member)


def save(assessment, qid, value, actor, version=None, **kwargs):
    if version is None:
        answer = Answer.objects.filter(assessment=assessment, question_id=qid).first()
        version = answer.version if answer else 0
    return services.answer_save(
        assessment=assessment,
        question_id=qid,
        value=value,
        comment=kwargs.get("comment", ""),
        justification=kwargs.get("justification", ""),
        expected_version=version,
        actor=actor,
    )


def answer_all(assessment, actor, answers=COMPLETE_MATURITY_ANSWERS):
    for qid, value in answers.items():
        save(assessment, qid, value, actor)


@pytest.fixture
def submitted(maturity, member):
    answer_all(maturity, member)
    return services.assessment_submit(assessment=maturity, actor=member)


# --- start ---


def test_it_starts_a_draft_on_the_latest_questionnaire_version(maturity, assessment_questionnaires):
    assert maturity.state == Assessment.State.DRAFT
    assert maturity.questionnaire == assessment_questionnaires["maturity"]


def test_it_returns_the_open_draft_instead_of_starting_a_second_one(maturity, project, member):
    assert services.assessment_start(project=project, kind="maturity", actor=member) == maturity


def test_it_refuses_to_start_for_someone_outside_the_team(project, outsider, assessment_questionnaires):
    with pytest.raises(PermissionDenied):
        services.assessment_start(project=project, kind="maturity", actor=outsider)


def test_it_prefills_money_inputs_from_the_inventory(project, member, assessment_questionnaires):
    project.estimated_build_cost = 40000
    project.run_cost_per_month = 1500
    project.save()
    impact = services.assessment_start(project=project, kind="impact", actor=member)
    values = {a.question_id: a.value for a in impact.answers.all()}
    assert values["i.cost.build"] == 40000
    assert values["i.cost.run"] == 1500
    assert "i.value.annual" not in values
    assert impact.prefill["inventory"] == ["i.cost.build", "i.cost.run"]


def test_it_carries_answers_forward_to_a_new_version_and_says_what_is_new(submitted, project, member, reviewer):
    services.assessment_review(assessment=submitted, reviewer=reviewer, decision="approved")
    questionnaire_version_from_yaml(DATA / "maturity-small-v2.yaml")
    new = services.assessment_start(project=project, kind="maturity", actor=member)
    values = {a.question_id: a.value for a in new.answers.all()}
    assert new.questionnaire.version == "1.1.0"
    assert values["m.docs.readme"] == "yes"
    assert "m.docs.owner" not in values
    assert new.prefill["new"] == ["m.docs.owner_new"]
    assert new.prefill["removed"] == ["m.docs.owner"]
    assert new.previous == submitted


# --- answers ---


def test_it_saves_an_answer_and_records_the_revision(maturity, member):
    answer = save(maturity, "m.docs.readme", "yes", member, comment="See the repo")
    assert answer.version == 1
    revision = AnswerRevision.objects.get(answer=answer)
    assert (revision.value, revision.comment, revision.by) == ("yes", "See the repo", member)


def test_it_increments_the_version_on_every_change(maturity, member):
    save(maturity, "m.docs.readme", "yes", member)
    answer = save(maturity, "m.docs.readme", "no", member, justification="Not yet written")
    assert answer.version == 2
    assert list(answer.revisions.values_list("value", flat=True)) == ["no", "yes"]


def test_it_raises_a_conflict_with_both_values_when_someone_saved_first(maturity, member, team):
    colleague = make_user(User.Role.MEMBER, teams=[team], username="colleague", first_name="Cleo", last_name="Lee")
    save(maturity, "m.docs.readme", "yes", member, version=0)
    with pytest.raises(services.AnswerConflict) as caught:
        save(maturity, "m.docs.readme", "no", colleague, version=0, justification="Missing")
    conflict = caught.value.to_dict()
    assert conflict["yours"]["value"] == "no"
    assert conflict["theirs"]["value"] == "yes"
    assert conflict["theirs"]["version"] == 1
    assert conflict["theirs"]["by"] == str(member)
    assert conflict["theirs"]["at"]


def test_it_does_not_overwrite_on_conflict(maturity, member):
    save(maturity, "m.docs.readme", "yes", member, version=0)
    with pytest.raises(services.AnswerConflict):
        save(maturity, "m.docs.readme", "no", member, version=0)
    assert Answer.objects.get(assessment=maturity, question_id="m.docs.readme").value == "yes"


def test_it_accepts_a_retry_of_a_save_that_already_arrived(maturity, member):
    save(maturity, "m.docs.readme", "yes", member, version=0)
    answer = save(maturity, "m.docs.readme", "yes", member, version=0)
    assert answer.version == 1


def test_it_refuses_a_value_the_question_does_not_allow(maturity, member):
    with pytest.raises(ValidationError) as caught:
        save(maturity, "m.ops.monitoring", 9, member)
    assert "from 0 to 4" in str(caught.value)


def test_it_refuses_an_unknown_question(maturity, member):
    with pytest.raises(ValidationError, match="not a question"):
        save(maturity, "m.nope", "yes", member)


def test_it_refuses_answers_from_outside_the_team(maturity, outsider):
    with pytest.raises(PermissionDenied):
        save(maturity, "m.docs.readme", "yes", outsider)


def test_it_refuses_answers_once_submitted(submitted, member):
    with pytest.raises(services.AssessmentError, match="no longer a draft"):
        save(submitted, "m.docs.readme", "no", member)


# --- evidence ---


def test_it_stores_an_uploaded_evidence_file_through_the_storage(maturity, member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("design.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    item = services.evidence_add(assessment=maturity, question_id="m.docs.architecture", actor=member, upload=upload)
    assert item.size == len(b"%PDF-1.4 test")
    assert item.file.storage.exists(item.file.name)
    assert len(item.sha256) == 64


@override_settings(PLUMBLINE_UPLOAD_MAX_BYTES=10)
def test_it_refuses_evidence_files_over_the_size_limit(maturity, member):
    upload = SimpleUploadedFile("big.pdf", b"x" * 11, content_type="application/pdf")
    with pytest.raises(ValidationError, match="the limit is 10 bytes"):
        services.evidence_add(assessment=maturity, question_id="m.docs.architecture", actor=member, upload=upload)


def test_it_refuses_evidence_files_of_a_type_not_allowed(maturity, member):
    upload = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/x-msdownload")
    with pytest.raises(ValidationError, match="not accepted"):
        services.evidence_add(assessment=maturity, question_id="m.docs.architecture", actor=member, upload=upload)


def test_it_accepts_an_evidence_link(maturity, member):
    item = services.evidence_add(
        assessment=maturity, question_id="m.docs.architecture", actor=member, url="https://wiki.example.com/arch"
    )
    assert item.answer.evidence.get().url == "https://wiki.example.com/arch"


# --- submit ---


def test_it_refuses_to_submit_with_required_answers_missing(maturity, member):
    save(maturity, "m.docs.readme", "yes", member)
    with pytest.raises(services.AssessmentIncomplete) as caught:
        services.assessment_submit(assessment=maturity, actor=member)
    missing = {p["question_id"] for p in caught.value.problems}
    assert "m.docs.owner" in missing
    assert "m.docs.architecture" not in missing  # optional


def test_it_does_not_require_answers_to_hidden_questions(submitted):
    assert submitted.state == Assessment.State.SUBMITTED  # m.ops.api_limits stayed hidden (uses_api == no)


def test_it_requires_a_justification_where_the_question_says(maturity, member):
    answer_all(maturity, member, {**COMPLETE_MATURITY_ANSWERS, "m.docs.readme": "no"})
    with pytest.raises(services.AssessmentIncomplete) as caught:
        services.assessment_submit(assessment=maturity, actor=member)
    assert caught.value.problems[0]["question_id"] == "m.docs.readme"
    assert "justification" in caught.value.problems[0]["message"]


def test_it_requires_evidence_where_the_question_says(maturity, member):
    answer_all(maturity, member, {**COMPLETE_MATURITY_ANSWERS, "m.docs.architecture": "yes"})
    with pytest.raises(services.AssessmentIncomplete) as caught:
        services.assessment_submit(assessment=maturity, actor=member)
    assert [p["question_id"] for p in caught.value.problems] == ["m.docs.architecture"]


def test_it_freezes_the_record_with_questionnaire_answers_and_scores(submitted, assessment_questionnaires):
    record = submitted.record
    assert record["questionnaire"]["content_hash"] == assessment_questionnaires["maturity"].content_hash
    assert record["answers"]["m.docs.owner"]["value"] == "Alice"
    assert record["result"]["model"] == "maturity"
    assert submitted.result["score"]["pct"] == record["result"]["score"]["pct"]


def test_the_content_hash_verifies(submitted):
    assert services.assessment_verify(submitted)


def test_the_content_hash_detects_tampering(submitted):
    Assessment.objects.filter(pk=submitted.pk).update(
        record={**submitted.record, "answers": {**submitted.record["answers"], "m.docs.readme": {"value": "no"}}}
    )
    submitted.refresh_from_db()
    assert not services.assessment_verify(submitted)


# --- review ---


def test_a_reviewer_approves_and_the_approval_expires_after_the_validity_period(submitted, reviewer):
    services.assessment_review(assessment=submitted, reviewer=reviewer, decision="approved")
    submitted.refresh_from_db()
    assert submitted.state == Assessment.State.APPROVED
    assert submitted.expires_at - submitted.decided_at == timedelta(days=90)


def test_returning_needs_a_comment(submitted, reviewer):
    with pytest.raises(ValidationError, match="Say what the team should change"):
        services.assessment_review(assessment=submitted, reviewer=reviewer, decision="returned")


def test_a_member_cannot_review(submitted, member):
    with pytest.raises(PermissionDenied):
        services.assessment_review(assessment=submitted, reviewer=member, decision="approved")


def test_a_draft_cannot_be_reviewed(maturity, reviewer):
    with pytest.raises(services.AssessmentError, match="Only submitted assessments"):
        services.assessment_review(assessment=maturity, reviewer=reviewer, decision="approved")


def test_an_approved_assessment_cannot_be_reviewed_again(submitted, reviewer):
    services.assessment_review(assessment=submitted, reviewer=reviewer, decision="approved")
    with pytest.raises(services.AssessmentError, match="this one is approved"):
        services.assessment_review(assessment=submitted, reviewer=reviewer, decision="returned", comment="Oops")


def test_a_returned_assessment_reopens_as_a_new_prefilled_draft(submitted, reviewer, member):
    services.assessment_review(assessment=submitted, reviewer=reviewer, decision="returned", comment="Add links")
    draft = services.assessment_reopen(assessment=submitted, actor=member)
    assert draft.pk != submitted.pk and draft.state == Assessment.State.DRAFT
    assert {a.question_id: a.value for a in draft.answers.all()}["m.docs.owner"] == "Alice"


def test_latest_approved_ignores_drafts_and_returned_ones(submitted, reviewer, project):
    assert selectors.latest_approved(project, "maturity") is None
    services.assessment_review(assessment=submitted, reviewer=reviewer, decision="approved")
    assert selectors.latest_approved(project, "maturity") == submitted


# --- reminders ---


@pytest.fixture
def expired(submitted, reviewer):
    services.assessment_review(assessment=submitted, reviewer=reviewer, decision="approved")
    Assessment.objects.filter(pk=submitted.pk).update(expires_at=timezone.now() - timedelta(days=1))
    return submitted


def test_it_emails_the_owners_when_an_approval_expired(expired, member):
    assert services.reassessment_reminders_send() == 1
    assert mail.outbox[0].to == [member.email]
    assert "maturity assessment expired" in mail.outbox[0].subject


def test_it_sends_the_reminder_once_a_day(expired):
    services.reassessment_reminders_send()
    services.reassessment_reminders_send()
    assert len(mail.outbox) == 1


def test_it_does_not_remind_about_approvals_that_are_still_valid_for_long(submitted, reviewer):
    services.assessment_review(assessment=submitted, reviewer=reviewer, decision="approved")
    assert services.reassessment_reminders_send() == 0


def test_a_retired_project_is_neither_reminded_nor_listed_for_reassessment(expired, project):
    project.stage = "retired"
    project.save(update_fields=["stage"])

    assert services.reassessment_reminders_send() == 0
    assert selectors.attention() == []


def test_the_attention_list_shows_expired_approvals(expired, project):
    items = selectors.attention()
    assert [(i.project, r["problem"]) for i in items for r in i.reasons] == [(project, "expired")]


def test_the_beat_schedule_runs_the_reminder_task_which_sends_once_a_day(expired, settings):
    from assessments.tasks import send_reassessment_reminders

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "assessments.tasks.send_reassessment_reminders" in scheduled
    assert send_reassessment_reminders.delay().get() == 1
    assert send_reassessment_reminders.delay().get() == 0
    assert len(mail.outbox) == 1


def test_removing_an_evidence_file_deletes_it_from_the_storage_and_records_who(
    maturity, member, settings, tmp_path, django_capture_on_commit_callbacks
):
    from registry.models import ChangeRecord

    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("design.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    item = services.evidence_add(assessment=maturity, question_id="m.docs.architecture", actor=member, upload=upload)
    storage, name = item.file.storage, item.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(evidence=item, actor=member)
    assert not storage.exists(name)
    assert ChangeRecord.objects.filter(actor=member, note__startswith="Removed evidence design.pdf").exists()

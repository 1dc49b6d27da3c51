"""Assessment pages: the form, autosave endpoint, submit, review, record, history, comparison, attention."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Answer, Assessment
from tests.factories import COMPLETE_MATURITY_ANSWERS

# One reviewer approves: these tests are about the workflow, not approvals by domain.
pytestmark = pytest.mark.usefixtures("one_reviewer_policy")


@pytest.fixture
def draft(project, member, assessment_questionnaires):
    return services.assessment_start(project=project, kind="maturity", actor=member)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def autosave(client, assessment, qid, value, version=0, **extra):
    return client.post(
        reverse("assessments:answer-save", args=[assessment.pk, qid]),
        data=json.dumps({"value": value, "expected_version": version, **extra}),
        content_type="application/json",
    )


def answer_all(client, assessment):
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        version = getattr(Answer.objects.filter(assessment=assessment, question_id=qid).first(), "version", 0)
        assert autosave(client, assessment, qid, value, version).status_code == 200


def test_starting_from_the_project_opens_the_form(member_client, project, assessment_questionnaires):
    response = member_client.post(reverse("assessments:start", args=[project.slug]), {"kind": "maturity"})
    assessment = Assessment.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == assessment.get_absolute_url()


def test_the_form_shows_one_section_with_progress_and_required_marks(member_client, draft):
    page = member_client.get(draft.get_absolute_url() + "?section=m.docs").content.decode()
    assert "A README explains the system." in page
    assert "How well is the system monitored?" not in page  # another section
    assert 'data-progress-for="m.ops"' in page
    assert "required" in page


def test_the_form_renders_conditional_questions_hidden_until_they_apply(member_client, draft):
    page = member_client.get(draft.get_absolute_url() + "?section=m.ops").content.decode()
    assert 'id="q-m.ops.api_limits"' in page
    assert (
        'data-question-id="m.ops.api_limits" data-type="yes_no"\n     data-version="0" data-justify="" hidden' in page
    )


def test_autosave_answers_with_the_new_version_visibility_and_progress(member_client, draft):
    response = autosave(member_client, draft, "m.ops.uses_api", "yes")
    data = response.json()
    assert response.status_code == 200
    assert data["answer"]["version"] == 1
    assert data["visibility"]["m.ops.api_limits"] is True
    assert data["progress"]["m.ops"] == {"answered": 1, "visible": 3, "required_missing": 2}


def test_autosave_answers_409_with_both_values_on_conflict(member_client, draft):
    autosave(member_client, draft, "m.docs.owner", "Alice")
    response = autosave(member_client, draft, "m.docs.owner", "Bob")
    assert response.status_code == 409
    assert response.json()["conflict"]["theirs"]["value"] == "Alice"
    assert response.json()["conflict"]["yours"]["value"] == "Bob"


def test_autosave_says_what_is_wrong_with_a_bad_value(member_client, draft):
    response = autosave(member_client, draft, "m.ops.monitoring", 7)
    assert response.status_code == 400
    assert "from 0 to 4" in response.json()["detail"]


def test_autosave_needs_the_csrf_token(member, draft):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert autosave(client, draft, "m.docs.owner", "Alice").status_code == 403


def test_a_viewer_cannot_autosave(client, viewer, draft):
    client.force_login(viewer)
    assert autosave(client, draft, "m.docs.owner", "Alice").status_code == 403


def test_submit_lists_what_is_missing_with_links_to_the_questions(member_client, draft):
    page = member_client.post(reverse("assessments:submit", args=[draft.pk])).content.decode()
    assert "still need" in page
    assert "?section=m.docs#q-m.docs.owner" in page


def test_submitting_a_complete_assessment_shows_the_verified_record(member_client, draft):
    answer_all(member_client, draft)
    response = member_client.post(reverse("assessments:submit", args=[draft.pk]), follow=True)
    page = response.content.decode()
    assert "Submitted" in page
    assert "verified: the record is unchanged" in page
    assert "Alice" in page


def test_a_reviewer_approves_from_the_review_page(client, member_client, draft, reviewer):
    answer_all(member_client, draft)
    member_client.post(reverse("assessments:submit", args=[draft.pk]))
    client.force_login(reviewer)
    client.post(reverse("assessments:review", args=[draft.pk]), {"decision": "approved", "comment": "Good"})
    draft.refresh_from_db()
    assert draft.state == "approved"


def test_returning_without_a_comment_is_refused_with_a_message(client, member_client, draft, reviewer):
    answer_all(member_client, draft)
    member_client.post(reverse("assessments:submit", args=[draft.pk]))
    client.force_login(reviewer)
    response = client.post(reverse("assessments:review", args=[draft.pk]), {"decision": "returned"})
    assert response.status_code == 400
    assert "Say what the team should change" in response.content.decode()


def test_the_history_page_draws_the_score_chart_and_offers_a_comparison(member_client, draft, member, reviewer):
    answer_all(member_client, draft)
    services.assessment_submit(assessment=draft, actor=member)
    services.assessment_review(assessment=draft, reviewer=reviewer, decision="approved")
    second = services.assessment_reopen(assessment=draft, actor=member)
    autosave(member_client, second, "m.ops.monitoring", 4, version=1)
    services.assessment_submit(assessment=second, actor=member)
    page = member_client.get(reverse("assessments:project-list", args=[draft.project.slug])).content.decode()
    assert "<svg" in page and "Maturity score over time" in page
    compare = member_client.get(
        reverse("assessments:compare", args=[draft.project.slug]) + f"?a={draft.pk}&b={second.pk}"
    ).content.decode()
    assert "How well is the system monitored? — 3 → 4" in compare


def test_the_attention_page_lists_projects_missing_an_assessment_for_their_stage(member_client, project):
    project.stage = "production"
    project.save()
    page = member_client.get(reverse("assessments:attention")).content.decode()
    assert "No approved maturity assessment for a project in production" in page


def test_the_form_query_count_does_not_grow_with_answers(member_client, draft):
    url = draft.get_absolute_url() + "?section=m.docs"
    autosave(member_client, draft, "m.docs.readme", "yes")
    with CaptureQueriesContext(connection) as before:
        member_client.get(url)
    answer_all(member_client, draft)
    with CaptureQueriesContext(connection) as after:
        member_client.get(url)
    assert len(after) == len(before)


def test_an_uploaded_evidence_file_can_be_downloaded_by_a_signed_in_reader(
    client, member, viewer, draft, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("design.txt", b"the design", content_type="text/plain")
    item = services.evidence_add(assessment=draft, question_id="m.docs.architecture", actor=member, upload=upload)
    client.force_login(viewer)
    response = client.get(reverse("assessments:evidence-download", args=[item.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"the design"
    assert 'filename="design.txt"' in response["Content-Disposition"]


def test_the_attention_page_lists_submitted_assessments_waiting_for_review(client, member_client, draft, reviewer):
    answer_all(member_client, draft)
    member_client.post(reverse("assessments:submit", args=[draft.pk]))
    client.force_login(reviewer)
    page = client.get(reverse("assessments:attention")).content.decode()
    assert reverse("assessments:review", args=[draft.pk]) in page

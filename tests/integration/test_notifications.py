"""Inbox and notifications, discard and withdraw, section assignments: what each person is told and sees.

E-mail goes through Django's mail (locmem in tests) from a Celery task queued once the change is committed
(``django_capture_on_commit_callbacks`` runs those callbacks; Celery is eager without a broker)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from assessments import services
from assessments.models import AnswerEvidence, Assessment, SectionAssignment
from notifications import events
from notifications import services as notification_services
from notifications.models import Notification
from registry.models import ChangeRecord
from tests.factories import COMPLETE_MATURITY_ANSWERS, make_user

# One reviewer approves (the subject here is who is told, not approvals by domain: see the last test).
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.integration,
    pytest.mark.usefixtures("one_reviewer_policy", "eager_celery"),
]


@pytest.fixture
def draft(project, member, assessment_questionnaires):
    return services.assessment_start(project=project, kind="maturity", actor=member)


def answer_all(assessment, actor):
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        services.answer_save(assessment=assessment, question_id=qid, value=value, expected_version=0, actor=actor)


@pytest.fixture
def submitted(draft, member, reviewer, outsider, viewer, django_capture_on_commit_callbacks):
    answer_all(draft, member)
    with django_capture_on_commit_callbacks(execute=True):
        return services.assessment_submit(assessment=draft, actor=member)


@pytest.fixture
def colleague(team):
    return make_user(User.Role.MEMBER, teams=[team], username="colleague")


def notices(user, event=None):
    qs = Notification.objects.filter(user=user)
    return list(qs.filter(event=event) if event else qs)


# --- who is told what ---


def test_a_submission_reaches_the_reviewers_inbox_and_email_but_not_other_teams_or_the_submitter(
    submitted, reviewer, member, outsider, viewer
):
    [notice] = notices(reviewer, events.ASSESSMENT_SUBMITTED)
    assert "Maturity assessment" in notice.title and "Docs Q&A" in notice.title
    assert notice.url == f"/assessments/{submitted.pk}/review/"
    assert [m.to for m in mail.outbox] == [[reviewer.email]]
    assert "submitted for review" in mail.outbox[0].subject
    assert notices(member) == [] and notices(outsider) == [] and notices(viewer) == []


def test_a_return_tells_the_team_but_not_the_reviewer_or_other_teams(
    submitted, reviewer, member, colleague, outsider, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_review(assessment=submitted, reviewer=reviewer, decision="returned", comment="Say who.")

    for person in (member, colleague):
        [notice] = notices(person, events.ASSESSMENT_RETURNED)
        assert "returned for changes" in notice.title and "Say who." in notice.body
    assert notices(outsider) == [] and notices(reviewer, events.ASSESSMENT_RETURNED) == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, colleague.email])


def test_a_person_who_turned_off_an_email_still_finds_it_in_the_inbox(
    draft, member, reviewer, django_capture_on_commit_callbacks
):
    notification_services.preference_update(user=reviewer, email_events=[events.ASSESSMENT_APPROVED])
    answer_all(draft, member)
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(assessment=draft, actor=member)

    assert len(notices(reviewer, events.ASSESSMENT_SUBMITTED)) == 1
    assert mail.outbox == []


def test_a_rolled_back_change_tells_nobody(draft, member, reviewer, django_capture_on_commit_callbacks):
    answer_all(draft, member)
    with pytest.raises(RuntimeError), django_atomic():
        services.assessment_submit(assessment=draft, actor=member)
        raise RuntimeError
    assert notices(reviewer) == [] and mail.outbox == []


def django_atomic():
    from django.db import transaction

    return transaction.atomic()


def test_one_event_reaches_at_most_the_configured_number_of_people(settings, submitted, reviewer):
    settings.PLUMBLINE_NOTIFICATION_MAX_RECIPIENTS = 2
    people = [make_user(User.Role.REVIEWER, username=f"r{i}") for i in range(5)]
    created = notification_services.notify(
        event=events.ASSESSMENT_SUBMITTED, users=people, title="t", project=submitted.project
    )
    assert len(created) == 2


# --- the inbox, pages and API ---


def test_the_header_shows_the_unread_count_and_marking_read_clears_it(client, submitted, reviewer):
    client.force_login(reviewer)
    page = client.get("/inbox/").content.decode()
    assert 'class="inbox-count">1<' in page and "was submitted for review" in page
    notice = Notification.objects.get(user=reviewer)

    client.post(f"/inbox/{notice.pk}/read/")

    assert "inbox-count" not in client.get("/inbox/").content.decode()


def test_nobody_can_mark_or_read_another_persons_notices(client, submitted, reviewer, admin_user):
    notice = Notification.objects.get(user=reviewer)
    client.force_login(admin_user)

    assert client.post(f"/api/v1/notifications/{notice.pk}/read/").status_code == 404
    client.post(f"/inbox/{notice.pk}/read/")
    client.post("/inbox/read-all/")
    assert client.get("/api/v1/notifications/").json()["results"] == []
    assert "was submitted" not in client.get("/inbox/").content.decode()
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_api_lists_unread_notices_and_marks_them_read(client, submitted, reviewer):
    client.force_login(reviewer)
    [item] = client.get("/api/v1/notifications/?unread=true").json()["results"]
    assert item["event"] == "assessment.submitted" and item["project"] == "docs-qa"

    assert client.post("/api/v1/notifications/read-all/").json() == {"marked_read": 1, "unread": 0}
    assert client.get("/api/v1/notifications/?unread=true").json()["results"] == []


def test_email_preferences_are_chosen_on_a_page_and_unknown_events_are_refused(client, reviewer):
    client.force_login(reviewer)
    response = client.post("/inbox/preferences/", {"email_events": ["assessment.returned"]})
    assert response.status_code == 302
    assert client.get("/api/v1/notifications/preferences/").json() == {"email_events": ["assessment.returned"]}
    bad = client.put(
        "/api/v1/notifications/preferences/", {"email_events": ["rm -rf"]}, content_type="application/json"
    )
    assert bad.status_code == 400 and set(bad.json()) == {"detail", "errors"}


# --- discard and withdraw ---


def test_discarding_a_draft_deletes_it_and_its_uploads_and_is_in_the_history(
    client, draft, member, django_capture_on_commit_callbacks
):
    item = services.evidence_add(
        assessment=draft,
        question_id="m.docs.architecture",
        actor=member,
        upload=SimpleUploadedFile("arch.txt", b"the architecture", content_type="text/plain"),
    )
    storage, name = item.file.storage, item.file.name
    assert storage.exists(name)
    client.force_login(member)

    assert "Discard draft" in client.get(f"/assessments/{draft.pk}/discard/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/assessments/{draft.pk}/discard/")

    assert response.status_code == 302 and response["Location"] == "/projects/docs-qa/"
    assert not Assessment.objects.filter(pk=draft.pk).exists()
    assert not storage.exists(name)
    record = ChangeRecord.objects.get(action=ChangeRecord.Action.DELETE, object_id=str(draft.pk))
    assert record.actor == member and "1 uploaded files deleted" in record.note


def test_a_file_carried_forward_into_a_new_draft_survives_discarding_that_draft(
    draft, member, reviewer, django_capture_on_commit_callbacks
):
    services.evidence_add(
        assessment=draft,
        question_id="m.docs.architecture",
        actor=member,
        upload=SimpleUploadedFile("arch.txt", b"kept", content_type="text/plain"),
    )
    answer_all(draft, member)
    services.assessment_submit(assessment=draft, actor=member)
    services.assessment_review(assessment=draft, reviewer=reviewer, decision="approved")
    second = services.assessment_reopen(assessment=draft, actor=member)
    carried = AnswerEvidence.objects.get(answer__assessment=second)

    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_discard(assessment=second, actor=member)

    assert carried.file.storage.exists(carried.file.name)


def test_only_the_team_discards_and_only_drafts(client, draft, submitted, outsider, reviewer):
    client.force_login(outsider)
    assert client.post(f"/assessments/{draft.pk}/discard/").status_code == 403
    with pytest.raises(services.AssessmentError):
        services.assessment_discard(assessment=submitted, actor=submitted.created_by)
    assert Assessment.objects.filter(pk=draft.pk).exists()


def test_withdrawing_a_submission_makes_it_a_draft_again_tells_reviewers_and_is_audited(
    client, submitted, member, reviewer, django_capture_on_commit_callbacks
):
    digest = submitted.content_hash
    client.force_login(member)
    assert "Withdraw to draft" in client.get(f"/assessments/{submitted.pk}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/assessments/{submitted.pk}/withdraw/")

    assert response.status_code == 200 and response.json()["state"] == "draft"
    submitted.refresh_from_db()
    assert (submitted.state, submitted.record, submitted.content_hash) == ("draft", None, "")
    assert len(notices(reviewer, events.ASSESSMENT_WITHDRAWN)) == 1
    change = ChangeRecord.objects.filter(object_id=str(submitted.pk)).order_by("-pk").first()
    assert change.changes == {"state": ["submitted", "draft"]} and digest[:12] in change.note
    from assessments.selectors import awaiting_review

    assert awaiting_review() == []


def test_a_decided_assessment_cannot_be_withdrawn(client, submitted, member, reviewer):
    services.assessment_review(assessment=submitted, reviewer=reviewer, decision="approved")
    client.force_login(member)

    response = client.post(f"/api/v1/assessments/{submitted.pk}/withdraw/")

    assert response.status_code == 409 and "approved" in response.json()["detail"]
    submitted.refresh_from_db()
    assert submitted.state == "approved"


# --- section assignments ---


def test_assigning_a_section_tells_the_assignee_and_shows_on_their_attention_with_the_due_date(
    client, draft, member, colleague, django_capture_on_commit_callbacks
):
    due = timezone.localdate() + timedelta(days=5)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/assessments/{draft.pk}/assignments/",
            {"part": "m.ops", "assignee": colleague.pk, "due_date": due.isoformat()},
        )
    assert response.status_code == 302

    [notice] = notices(colleague, events.SECTION_ASSIGNED)
    assert "“Operations”" in notice.title and notice.url.endswith("?section=m.ops")
    assert mail.outbox[-1].to == [colleague.email]
    client.force_login(colleague)
    attention = client.get("/attention/").content.decode()
    assert "Assigned to you" in attention and f"due {due:%d %b %Y}" in attention and "Operations" in attention
    form = client.get(f"/assessments/{draft.pk}/").content.decode()
    assert "Your part" in form and 'aria-current="step">Operations' in form


def test_a_part_goes_only_to_a_member_of_the_projects_team(draft, member, outsider, viewer):
    for person in (outsider, viewer):
        with pytest.raises(ValidationError) as refused:
            services.section_assign(assessment=draft, section_id="m.ops", assignee=person, actor=member)
        assert "assignee" in refused.value.message_dict
    assert not SectionAssignment.objects.exists()


def test_only_the_owner_assigns(draft, colleague, member):
    with pytest.raises(PermissionDenied):
        services.section_assign(assessment=draft, section_id="m.ops", assignee=member, actor=colleague)


def test_a_question_must_belong_to_the_section_and_the_due_date_not_be_past(draft, member, colleague):
    with pytest.raises(ValidationError):
        services.section_assign(
            assessment=draft, section_id="m.ops", question_id="m.docs.readme", assignee=colleague, actor=member
        )
    with pytest.raises(ValidationError):
        services.section_assign(
            assessment=draft,
            section_id="m.ops",
            assignee=colleague,
            actor=member,
            due_date=timezone.localdate() - timedelta(days=1),
        )


def test_progress_per_assignee_counts_answers_in_their_part(client, draft, member, colleague):
    services.section_assign(assessment=draft, section_id="m.docs", assignee=colleague, actor=member)
    services.answer_save(assessment=draft, question_id="m.docs.readme", value="yes", expected_version=0, actor=member)
    client.force_login(member)

    [row] = client.get(f"/api/v1/assessments/{draft.pk}/assignments/").json()
    assert (row["assignee"], row["label"], row["answered"], row["total"]) == ("colleague", "Documentation", 1, 3)
    assert "1/3" in client.get(f"/assessments/{draft.pk}/assignments/").content.decode()
    form = client.get(f"/assessments/{draft.pk}/").content.decode()
    assert re.search(r"Progress per person:\s+[^</]+ 1/3", form)


def test_due_and_overdue_reminders_are_sent_once(draft, member, colleague, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    soon = services.section_assign(
        assessment=draft, section_id="m.docs", assignee=colleague, actor=member, due_date=today + timedelta(days=1)
    )
    late = services.section_assign(
        assessment=draft, section_id="m.ops", assignee=colleague, actor=member, due_date=today
    )
    SectionAssignment.objects.filter(pk=late.pk).update(due_date=today - timedelta(days=1))
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        first = notification_services.assignment_reminders_send(today=today)
    second = notification_services.assignment_reminders_send(today=today)

    assert (first, second) == (2, 0)
    assert {n.event for n in notices(colleague)} == {events.ASSIGNMENT_DUE, events.ASSIGNMENT_OVERDUE}
    assert soon.pk != late.pk and len(mail.outbox) == 2


def test_the_reminder_and_prune_tasks_are_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"notifications.tasks.send_assignment_reminders", "notifications.tasks.prune_notifications"} <= tasks


def test_old_read_notices_are_pruned_and_unread_ones_kept(settings, reviewer, project):
    settings.PLUMBLINE_NOTIFICATION_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    kept_unread, gone, recent = (
        Notification.objects.create(user=reviewer, event=events.ASSESSMENT_SUBMITTED, title=t) for t in "abc"
    )
    Notification.objects.filter(pk__in=[kept_unread.pk, gone.pk]).update(created_at=old)
    Notification.objects.filter(pk__in=[gone.pk, recent.pk]).update(read_at=timezone.now())

    assert notification_services.notifications_prune() == 1
    assert sorted(Notification.objects.values_list("title", flat=True)) == ["a", "c"]


# --- gate verdicts and re-assessments ---


def test_a_gate_verdict_change_tells_the_projects_team_only(project, member, outsider, reviewer):
    from connectors import services as connector_services
    from connectors.base import CheckOutcome
    from gates import services as gate_services
    from tests.factories import GATE_READY_CHECKS, make_gate_ready

    def store_ci(state):
        connector_services.project_result_store(
            project=project,
            outcome=CheckOutcome("ci.eval_results_recent", state, f"evaluation {state}"),
            ttl=timedelta(days=7),
            checked_at=timezone.now(),
        )

    make_gate_ready(
        project, checks=(*GATE_READY_CHECKS, "vectorstore.index_fresh", "vectorstore.chunk_source_metadata")
    )
    store_ci("pass")
    gate_services.verdicts_refresh(project=project, cause="test")
    Notification.objects.all().delete()

    store_ci("fail")

    [notice] = [n for n in notices(member, events.GATE_VERDICT_CHANGED) if "production" in n.title]
    assert "allowed → refused" in notice.title and notice.url == "/projects/docs-qa/gate/"
    assert notices(outsider) == [] and notices(reviewer) == []


def test_a_reassessment_due_tells_the_team_once_and_mails_the_owner_once(
    project, member, colleague, outsider, django_capture_on_commit_callbacks
):
    from assessments.services import reassessment_reminders_send
    from tests.factories import make_approved_assessment

    make_approved_assessment(project, "risk", {"tier": "low"}, expires_at=timezone.now() + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        reassessment_reminders_send()
    # member is the technical owner: the reminder mail told them; colleague hears of it by the notice's mail
    assert sorted(m.to[0] for m in mail.outbox) == [colleague.email, member.email]
    with django_capture_on_commit_callbacks(execute=True):
        reassessment_reminders_send(today=timezone.localdate() + timedelta(days=1))

    for person in (member, colleague):
        [notice] = notices(person, events.REASSESSMENT_DUE)
        assert notice.title.startswith("Re-assessment due: the approved risk assessment of Docs Q&A expires on")
    assert notices(outsider) == []


def test_the_project_page_says_how_long_an_assessment_takes_before_starting(
    client, project, member, assessment_questionnaires
):
    client.force_login(member)
    page = client.get("/projects/docs-qa/").content.decode()
    start = page.index("Start maturity assessment")
    assert re.search(r"about \d+ min", page[start : start + 200])


def test_a_submission_is_not_withdrawn_over_an_open_draft_of_the_same_kind(submitted, member, reviewer):
    services.assessment_review(assessment=submitted, reviewer=reviewer, decision="returned", comment="Again.")
    newer = services.assessment_reopen(assessment=submitted, actor=member)
    Assessment.objects.filter(pk=submitted.pk).update(state=Assessment.State.SUBMITTED)

    with pytest.raises(services.AssessmentError, match=f"Draft #{newer.pk}"):
        services.assessment_withdraw(assessment=submitted, actor=member)
    assert Assessment.objects.filter(project=submitted.project, kind="maturity", state="draft").count() == 1


def test_under_approvals_by_domain_a_submission_reaches_the_approvers_it_waits_for_not_every_reviewer(
    draft, member, reviewer, django_capture_on_commit_callbacks
):
    from assessments.approvals import DEFAULT_RULES
    from tests.factories import make_approval_policy, make_approver

    make_approval_policy(rules=DEFAULT_RULES)  # no risk tier yet: security, legal and privacy must sign off
    approvers = [make_approver(domain) for domain in ("security", "legal", "privacy")]
    teammate = make_approver("finance", username="teammate", role=User.Role.MEMBER)
    answer_all(draft, member)
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(assessment=draft, actor=member)

    assert all(len(notices(user, events.ASSESSMENT_SUBMITTED)) == 1 for user in approvers)
    assert notices(reviewer, events.ASSESSMENT_SUBMITTED) == []  # no sign-off it waits for is a plain reviewer's
    assert notices(teammate) == []
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(u.email for u in approvers)


def test_the_api_refuses_an_unread_filter_that_is_neither_true_nor_false(client, reviewer):
    client.force_login(reviewer)
    response = client.get("/api/v1/notifications/?unread=AAA")
    assert response.status_code == 400
    assert "unread" in response.json()["errors"]

"""The people's workflow in real headless Chromium: a submission reaches the reviewer's inbox and mail, a return
reaches the team's Attention, an assigned section reaches its assignee's Attention with its due date; every new
page passes axe-core (no serious or critical violation)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from assessments import services
from assessments.models import Assessment
from tests.factories import COMPLETE_MATURITY_ANSWERS, make_user

# One reviewer approves (who is told under approvals by domain: tests/integration/test_notifications.py).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("one_reviewer_policy"),
]


@pytest.fixture
def colleague(team):
    return make_user(User.Role.MEMBER, teams=[team], username="colleague", first_name="Cora", last_name="Lind")


@pytest.fixture
def answered_draft(project, member, reviewer, assessment_questionnaires):
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        services.answer_save(assessment=draft, question_id=qid, value=value, expected_version=0, actor=member)
    return draft


def no_serious_violations(page, axe_violations):
    violations = axe_violations(page, review=("aria-valid-attr-value",))
    assert not violations, f"{page.url}: {violations}"


def test_a_submission_reaches_the_reviewers_inbox_and_mail_and_a_return_reaches_the_teams_attention(
    new_context, login, axe_violations, answered_draft, member, reviewer, outsider
):
    draft = answered_draft
    mail.outbox.clear()
    team_page = new_context().new_page()
    login(team_page, member)
    team_page.goto(f"/assessments/{draft.pk}/submit/")
    team_page.get_by_role("button", name="Submit for review").click()
    expect(team_page.locator(".badge.assessment-submitted")).to_be_visible()

    # The reviewer's header counts one unread notice; the inbox shows it, and an e-mail went out.
    review_page = new_context().new_page()
    login(review_page, reviewer)
    inbox_link = review_page.locator("#inbox-link")
    expect(inbox_link).to_contain_text("1")
    inbox_link.click()
    notice = review_page.locator(".notice.unread")
    expect(notice).to_contain_text(f"Maturity assessment #{draft.pk} of Docs Q&A was submitted for review")
    no_serious_violations(review_page, axe_violations)
    assert [m.to for m in mail.outbox] == [[reviewer.email]]
    assert f"/assessments/{draft.pk}/review/" in mail.outbox[0].body

    # Marked read with the keyboard alone.
    notice.get_by_role("button", name=re.compile("^Mark read")).focus()
    review_page.keyboard.press("Enter")
    expect(review_page.locator(".notice.unread")).to_have_count(0)
    expect(review_page.locator("#inbox-link .inbox-count")).to_have_count(0)

    # The reviewer's Attention lists it under "To review"; the reviewer returns it from there.
    review_page.goto("/attention/")
    to_review = review_page.locator("#waiting-for-you")
    expect(to_review).to_contain_text("To review")
    no_serious_violations(review_page, axe_violations)
    to_review.get_by_role("link", name=f"Maturity #{draft.pk} of Docs Q&A").click()
    review_page.get_by_label("Returned for changes").check()
    review_page.get_by_label(re.compile("^Comment")).fill("Say who owns monitoring.")
    review_page.get_by_role("button", name="Record decision").click()
    expect(review_page.locator(".badge.assessment-returned")).to_be_visible()

    # The team's Attention shows the return, with the reviewer's comment; another team's does not.
    team_page.goto("/attention/")
    mine = team_page.locator("#waiting-for-you")
    expect(mine).to_contain_text("Returned to your team")
    expect(mine).to_contain_text("Say who owns monitoring.")
    expect(team_page.locator("#inbox-link .inbox-count")).to_have_text("1")
    no_serious_violations(team_page, axe_violations)
    other_page = new_context().new_page()
    login(other_page, outsider)
    other_page.goto("/attention/")
    expect(other_page.locator("#waiting-for-you")).to_contain_text("Nothing waits for you")
    expect(other_page.locator("#inbox-link .inbox-count")).to_have_count(0)


def test_a_section_assigned_to_a_colleague_shows_on_their_attention_with_its_due_date(
    new_context, login, axe_violations, answered_draft, member, colleague
):
    draft = answered_draft
    due = timezone.localdate() + timedelta(days=3)
    owner_page = new_context().new_page()
    login(owner_page, member)
    owner_page.goto(f"/assessments/{draft.pk}/")
    expect(owner_page.get_by_role("navigation", name="Sections")).to_contain_text("about 1 min")
    owner_page.get_by_role("link", name="Assign sections").click()
    no_serious_violations(owner_page, axe_violations)
    owner_page.get_by_label("Section or question").select_option(value="m.ops")
    owner_page.get_by_label("Assign to").select_option(label="Cora Lind (colleague)")
    owner_page.get_by_label("Due date (optional)").fill(due.isoformat())
    owner_page.get_by_role("button", name="Assign").click()
    expect(owner_page.locator(".messages")).to_contain_text("Assigned")
    expect(owner_page.locator("#progress-title + table")).to_contain_text("Cora Lind")
    no_serious_violations(owner_page, axe_violations)

    page = new_context().new_page()
    login(page, colleague)
    page.goto("/attention/")
    assigned = page.locator("#waiting-for-you")
    expect(assigned).to_contain_text("Assigned to you")
    expect(assigned).to_contain_text(f"Operations of the maturity assessment of Docs Q&A: due {due:%d %b %Y}")
    expect(page.locator("#inbox-link .inbox-count")).to_have_text("1")
    no_serious_violations(page, axe_violations)

    # Their part comes first in the form: it opens on it and lists it at the top.
    assigned.get_by_role("link", name="Operations").click()
    expect(page.locator("#section-title")).to_have_text("Operations")
    expect(page.locator(".your-part")).to_contain_text(f"due {due:%d %b %Y}")
    no_serious_violations(page, axe_violations)
    page.goto("/inbox/preferences/")
    no_serious_violations(page, axe_violations)


def test_discard_and_withdraw_ask_first_and_pass_axe(new_context, login, axe_violations, answered_draft, member):
    draft = answered_draft
    page = new_context().new_page()
    login(page, member)
    page.goto(f"/assessments/{draft.pk}/submit/")
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("link", name="Withdraw to draft").click()
    no_serious_violations(page, axe_violations)
    page.get_by_role("button", name=f"Withdraw #{draft.pk} to draft").click()
    expect(page.locator(".messages")).to_contain_text("Withdrawn")
    assert Assessment.objects.get(pk=draft.pk).state == "draft"

    page.get_by_role("link", name="Discard this draft").click()
    no_serious_violations(page, axe_violations)
    page.get_by_role("button", name=f"Discard draft #{draft.pk}").click()
    expect(page).to_have_url(re.compile(r"/projects/docs-qa/$"))
    expect(page.locator(".messages")).to_contain_text("discarded")
    assert not Assessment.objects.filter(pk=draft.pk).exists()

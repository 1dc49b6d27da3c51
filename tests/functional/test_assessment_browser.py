"""The assessment form in real headless Chromium, as the people who use it: fill, autosave, come back,
submit, review, conflicts between two people, accessibility."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import User
from assessments.models import Assessment
from tests.factories import ProjectFactory, make_user

pytestmark = [
    pytest.mark.usefixtures("one_reviewer_policy"),
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def maturity_questionnaire(transactional_db):
    from questionnaires.services import questionnaire_load_file

    questionnaire_load_file(path=settings.BASE_DIR / "questionnaires" / "definitions" / "maturity.yaml")
    from questionnaires.selectors import latest_version

    return latest_version("maturity")


@pytest.fixture
def newcomer(team):
    return make_user(User.Role.MEMBER, teams=[team], username="newcomer", first_name="Nina", last_name="Novak")


def all_saved(page):
    expect(page.locator("#save-status")).to_have_text("All answers saved.", timeout=15_000)


def visible_sections(page):
    return page.locator(".section-list li:not([hidden])").evaluate_all("els => els.map(e => e.dataset.sectionId)")


def answer_yes_in_section(page, base_url, section_id):
    page.goto(f"{base_url}?section={section_id}")
    answered = []
    for question in page.locator(".question:not([hidden])").all():
        question.get_by_label("Yes", exact=True).check()
        answered.append(question.get_attribute("data-question-id"))
    all_saved(page)
    return answered


def test_a_new_user_fills_a_maturity_assessment_over_two_visits_and_a_reviewer_approves(
    new_context, login, newcomer, reviewer, team, maturity_questionnaire
):
    page = new_context().new_page()
    login(page, newcomer)

    # Create a project that uses RAG through the project form.
    page.goto("/projects/new/")
    page.get_by_label("Name").fill("Policy assistant")
    page.get_by_label("Slug").fill("policy-assistant")
    page.get_by_label("Team").select_option(label=team.name)
    page.get_by_label("Uses RAG").check()
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/projects/policy-assistant/$"))

    page.get_by_role("button", name="Start maturity assessment").click()
    expect(page).to_have_url(re.compile(r"/assessments/\d+/"))
    form_url = page.url.split("?")[0]
    assessment_id = int(re.search(r"/assessments/(\d+)/", form_url).group(1))

    # The retrieval sections and the RAG-only questions apply to this project.
    rag_sections = [s for s in maturity_questionnaire.definition["sections"] if s.get("when") == "project.uses_rag"]
    nav = page.get_by_role("navigation", name="Sections")
    for section in rag_sections:
        expect(nav.get_by_role("link", name=section["title"], exact=True)).to_be_visible()
    sections = visible_sections(page)
    page.goto(f"{form_url}?section=maturity.prompt")
    expect(page.locator('[id="q-maturity.prompt.context_injection"]')).to_be_visible()

    # Answer the first half, close the page, come back: every answer is there.
    half = sections[: len(sections) // 2]
    answered = {}
    for section_id in half:
        answered[section_id] = answer_yes_in_section(page, form_url, section_id)
    page.close()

    page = page.context.new_page()
    for section_id, question_ids in answered.items():
        page.goto(f"{form_url}?section={section_id}")
        for qid in question_ids:
            expect(page.locator(f'[id="q-{qid}"]').get_by_label("Yes", exact=True)).to_be_checked()

    # Finish, then fix what the submit page lists (evidence links), then submit.
    for section_id in sections[len(sections) // 2 :]:
        answer_yes_in_section(page, form_url, section_id)
    page.goto(f"{form_url}submit/")
    for _ in range(10):
        problems = page.locator("ul.problems li")
        if problems.count() == 0:
            break
        assert "Attach evidence" in problems.first.inner_text()
        problems.first.get_by_role("link").click()
        question = page.locator(page.url.split("#")[1].replace("q-", '[id="q-', 1) + '"]')
        question.locator("summary", has_text="Evidence").click()
        question.get_by_label("Link").fill("https://wiki.example.com/evidence")
        question.get_by_role("button", name="Attach").click()
        expect(page.locator(".messages")).to_contain_text("Evidence attached.")
        page.goto(f"{form_url}submit/")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("body")).to_contain_text("verified: the record is unchanged")

    # A reviewer approves.
    reviewer_page = new_context().new_page()
    login(reviewer_page, reviewer)
    reviewer_page.goto(f"/assessments/{assessment_id}/review/")
    reviewer_page.get_by_label("Approved").check()
    reviewer_page.get_by_label(re.compile("^Comment")).fill("Well evidenced.")
    reviewer_page.get_by_role("button", name="Record decision").click()
    expect(reviewer_page.locator(".badge.assessment-approved")).to_have_text("Approved")
    assert Assessment.objects.get(pk=assessment_id).state == Assessment.State.APPROVED

    # The gate to production now says what is still missing: the maturity assessment is no longer among it.
    page.goto("/projects/policy-assistant/")
    production = page.locator(".gate-verdict", has=page.locator("#gate-production"))
    reasons = production.locator(".gate-reasons")
    expect(reasons).to_contain_text("no approved impact assessment")
    expect(reasons).to_contain_text("no approved risk assessment")
    expect(reasons).not_to_contain_text("no approved maturity assessment")


def test_two_people_editing_the_same_answer_see_a_conflict_with_both_values(
    new_context, login, project, member, team, assessment_questionnaires
):
    from assessments import services

    colleague = make_user(User.Role.MEMBER, teams=[team], username="colleague", first_name="Cleo", last_name="Lee")
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    url = f"/assessments/{draft.pk}/?section=m.docs"
    first = login(new_context().new_page(), member)
    second = login(new_context().new_page(), colleague)
    first.goto(url)
    second.goto(url)

    first.locator('[id="q-m.docs.readme"]').get_by_label("Yes", exact=True).check()
    all_saved(first)
    question = second.locator('[id="q-m.docs.readme"]')
    question.get_by_label("No", exact=True).check()

    conflict = question.locator(".conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Theirs")
    expect(conflict).to_contain_text(f"Yes — {member}")
    expect(conflict).to_contain_text("Yours")
    expect(conflict).to_contain_text("No")
    expect(second.locator("#save-status")).to_contain_text("changed by someone else")

    conflict.get_by_role("button", name="Keep mine").click()
    all_saved(second)
    assert draft.answers.get(question_id="m.docs.readme").value == "no"

    # The first person, still on version 1, changes the comment: now they choose to take the other value.
    first.locator('[id="q-m.docs.readme"] summary', has_text="Comment").click()
    first.locator('[id="q-m.docs.readme"] .comment-input').fill("README reviewed")
    first.locator('[id="q-m.docs.readme"] .comment-input').blur()
    first_conflict = first.locator('[id="q-m.docs.readme"] .conflict')
    expect(first_conflict).to_contain_text(f"No — {colleague}")
    first_conflict.get_by_role("button", name="Use theirs").click()
    expect(first.locator('[id="q-m.docs.readme"]').get_by_label("No", exact=True)).to_be_checked()
    all_saved(first)
    assert draft.answers.get(question_id="m.docs.readme").value == "no"


def test_the_form_and_the_project_page_have_no_serious_accessibility_violations(
    page, login, project, member, assessment_questionnaires, axe_violations
):
    from assessments import services

    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    login(page, member)
    page.goto(f"/assessments/{draft.pk}/?section=m.docs")
    assert axe_violations(page) == []
    page.goto(project.get_absolute_url())
    assert axe_violations(page) == []


def test_a_failed_save_is_shown_kept_and_retried_until_it_succeeds(
    page, login, project, member, assessment_questionnaires
):
    from assessments import services

    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    login(page, member)
    page.goto(f"/assessments/{draft.pk}/?section=m.docs")
    page.route("**/answers/**", lambda route: route.fulfill(status=503, body="down"))
    page.locator('[id="q-m.docs.readme"]').get_by_label("Yes", exact=True).check()
    expect(page.locator("#save-status")).to_contain_text("Not saved yet")
    expect(page.locator('[id="q-m.docs.readme"] .save-error')).to_contain_text("Retrying")
    pending = page.evaluate(f"() => localStorage.getItem('plumbline:pending:{draft.pk}')")
    assert '"value":"yes"' in pending

    page.unroute("**/answers/**")
    all_saved(page)
    assert draft.answers.get(question_id="m.docs.readme").value == "yes"


def test_an_unsaved_answer_survives_closing_the_page_and_is_sent_on_return(
    new_context, login, project, member, assessment_questionnaires
):
    from assessments import services

    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    context = new_context()
    page = login(context.new_page(), member)
    page.goto(f"/assessments/{draft.pk}/?section=m.docs")
    context.set_offline(True)
    page.locator('[id="q-m.docs.readme"]').get_by_label("Yes", exact=True).check()
    expect(page.locator("#save-status")).to_contain_text("Not saved yet")
    page.close()
    assert not draft.answers.filter(question_id="m.docs.readme").exists()

    context.set_offline(False)
    page = context.new_page()
    page.goto(f"/assessments/{draft.pk}/?section=m.docs")
    all_saved(page)
    expect(page.locator('[id="q-m.docs.readme"]').get_by_label("Yes", exact=True)).to_be_checked()
    assert draft.answers.get(question_id="m.docs.readme").value == "yes"


def test_conditional_questions_appear_without_a_reload(page, login, member, team, assessment_questionnaires):
    from assessments import services

    project = ProjectFactory(team=team, name="Batch summariser", slug="batch-summariser")
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    login(page, member)
    page.goto(f"/assessments/{draft.pk}/?section=m.ops")
    limits = page.locator('[id="q-m.ops.api_limits"]')
    expect(limits).to_be_hidden()
    page.locator('[id="q-m.ops.uses_api"]').get_by_label("Yes", exact=True).check()
    expect(limits).to_be_visible()
    expect(page.locator('[data-progress-for="m.ops"]')).to_contain_text("1/3")
    expect(page.get_by_role("navigation", name="Sections").get_by_role("link", name="Retrieval")).to_be_hidden()


def test_a_group_answer_is_filled_row_by_row_and_saved(page, login, project, member, assessment_questionnaires):
    from assessments import services

    draft = services.assessment_start(project=project, kind="impact", actor=member)
    login(page, member)
    page.goto(f"/assessments/{draft.pk}/?section=i.uses")
    group = page.locator('[id="q-i.uses.intended"]')
    group.get_by_role("textbox", name="Use").last.fill("Answer policy questions")
    group.get_by_role("spinbutton", name="Share of requests (%)").last.fill("70")
    group.get_by_role("button", name="Add a row").click()
    group.get_by_role("textbox", name="Use").last.fill("Draft replies")
    group.get_by_role("spinbutton", name="Share of requests (%)").last.fill("30")
    all_saved(page)
    assert draft.answers.get(question_id="i.uses.intended").value == [
        {"use": "Answer policy questions", "share": 70},
        {"use": "Draft replies", "share": 30},
    ]


INTENDED_USES_OFFLINE = [("Answer policy questions", "60"), ("Draft replies", "30"), ("Summarise tickets", "10")]


def leave_intended_uses_unsaved(context, login, member, draft):
    """The group holds one saved row; offline, the person changes it and adds two more, then closes the page."""
    from assessments import services

    services.answer_save(
        assessment=draft,
        question_id="i.uses.intended",
        value=[{"use": "Answer policy questions", "share": 70}],
        expected_version=0,
        actor=member,
    )
    page = login(context.new_page(), member)
    page.goto(f"/assessments/{draft.pk}/?section=i.uses")
    context.set_offline(True)
    group = page.locator('[id="q-i.uses.intended"]')
    group.get_by_role("spinbutton", name="Share of requests (%)").first.fill("60")
    group.get_by_role("textbox", name="Use").last.fill("Draft replies")
    group.get_by_role("spinbutton", name="Share of requests (%)").last.fill("30")
    group.get_by_role("button", name="Add a row").click()
    group.get_by_role("textbox", name="Use").last.fill("Summarise tickets")
    group.get_by_role("spinbutton", name="Share of requests (%)").last.fill("10")
    page.wait_for_function(
        f"() => (localStorage.getItem('plumbline:pending:{draft.pk}') || '').includes('\"share\":\"10\"')"
    )
    page.close()
    context.set_offline(False)


def expect_group_rows(group, rows):
    uses = group.get_by_role("textbox", name="Use")
    shares = group.get_by_role("spinbutton", name="Share of requests (%)")
    expect(uses).to_have_count(len(rows) + 1)  # one row per block, then an empty one for the next
    for i, (use, share) in enumerate([*rows, ("", "")]):
        expect(uses.nth(i)).to_have_value(use)
        expect(shares.nth(i)).to_have_value(share)


def test_an_unsaved_group_answer_is_redrawn_on_return_and_sent_once_the_server_answers(
    new_context, login, project, member, assessment_questionnaires
):
    from assessments import services

    draft = services.assessment_start(project=project, kind="impact", actor=member)
    context = new_context()
    leave_intended_uses_unsaved(context, login, member, draft)

    context.route("**/answers/**", lambda route: route.fulfill(status=503, body="down"))
    page = context.new_page()
    page.goto(f"/assessments/{draft.pk}/?section=i.uses")
    expect(page.locator("#save-status")).to_contain_text("Not saved yet")
    expect_group_rows(page.locator('[id="q-i.uses.intended"]'), INTENDED_USES_OFFLINE)
    split = page.locator('[id="q-i.uses.split"]')
    expect(split).to_be_hidden()

    context.unroute("**/answers/**")
    all_saved(page)
    expect(split).to_be_visible()
    assert draft.answers.get(question_id="i.uses.intended").value == [
        {"use": use, "share": int(share)} for use, share in INTENDED_USES_OFFLINE
    ]


def test_a_restored_group_answer_can_be_edited_further_without_losing_its_rows(
    new_context, login, project, member, assessment_questionnaires
):
    from assessments import services

    draft = services.assessment_start(project=project, kind="impact", actor=member)
    context = new_context()
    leave_intended_uses_unsaved(context, login, member, draft)

    page = context.new_page()
    page.goto(f"/assessments/{draft.pk}/?section=i.uses")
    group = page.locator('[id="q-i.uses.intended"]')
    group.get_by_role("textbox", name="Use").nth(1).fill("Draft replies for agents")
    all_saved(page)
    expect_group_rows(group, [INTENDED_USES_OFFLINE[0], ("Draft replies for agents", "30"), INTENDED_USES_OFFLINE[2]])
    assert draft.answers.get(question_id="i.uses.intended").value == [
        {"use": "Answer policy questions", "share": 60},
        {"use": "Draft replies for agents", "share": 30},
        {"use": "Summarise tickets", "share": 10},
    ]


def test_an_answer_given_after_the_session_ended_is_kept_and_sent_after_signing_in_again(
    new_context, login, project, member, assessment_questionnaires
):
    from assessments import services

    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    context = new_context()
    page = login(context.new_page(), member)
    page.goto(f"/assessments/{draft.pk}/?section=m.docs")
    context.clear_cookies()
    page.locator('[id="q-m.docs.readme"]').get_by_label("Yes", exact=True).check()
    expect(page.locator('[id="q-m.docs.readme"] .save-error')).to_contain_text("Your session has ended")

    login(context.new_page(), member)
    all_saved(page)
    assert draft.answers.get(question_id="m.docs.readme").value == "yes"


def test_answers_can_be_given_with_the_keyboard_alone(page, login, project, member, assessment_questionnaires):
    from assessments import services

    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    login(page, member)
    page.goto(f"/assessments/{draft.pk}/?section=m.ops")
    page.locator('[id="q-m.ops.uses_api"]').get_by_label("Yes", exact=True).focus()
    page.keyboard.press("Space")
    all_saved(page)
    page.keyboard.press("ArrowDown")
    all_saved(page)
    assert draft.answers.get(question_id="m.ops.uses_api").value == "no"
    page.keyboard.press("Tab")
    expect(page.locator('[id="q-m.ops.uses_api"] summary', has_text="Comment")).to_be_focused()


def test_the_submit_record_review_history_and_attention_pages_have_no_serious_accessibility_violations(
    page, login, project, member, reviewer, assessment_questionnaires, axe_violations
):
    from assessments import services
    from tests.factories import COMPLETE_MATURITY_ANSWERS

    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        services.answer_save(assessment=draft, question_id=qid, value=value, expected_version=0, actor=member)
    login(page, member)
    page.goto(f"/assessments/{draft.pk}/submit/")
    assert axe_violations(page) == []
    services.assessment_submit(assessment=draft, actor=member)
    login(page, reviewer)
    for url in (
        f"/assessments/{draft.pk}/",
        f"/assessments/{draft.pk}/review/",
        f"/projects/{project.slug}/assessments/",
        "/attention/",
    ):
        page.goto(url)
        assert axe_violations(page) == [], url


def test_a_claim_contradicted_by_its_check_is_flagged_without_a_reload(
    page, login, project, member, assessment_questionnaires
):
    from datetime import timedelta

    from django.utils import timezone

    from assessments import services
    from connectors.models import CheckResult
    from tests.factories import ComponentFactory

    now = timezone.now()
    CheckResult.objects.create(
        component=ComponentFactory(project=project, kind="code_repository", name="repo"),
        project=project,
        check_id="git.readme_present",
        state="fail",
        reason="No README in the default branch",
        checked_at=now - timedelta(hours=1),
        expires_at=now + timedelta(days=1),
    )
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    login(page, member)
    page.goto(f"/assessments/{draft.pk}/?section=m.docs")
    readme = page.locator('[id="q-m.docs.readme"]')
    note = readme.locator(".discrepancy")
    expect(note).to_be_hidden()
    readme.get_by_label("Yes", exact=True).check()
    expect(note).to_be_visible()
    expect(note).to_contain_text("the check fails")
    readme.get_by_label("No", exact=True).check()
    expect(note).to_be_hidden()

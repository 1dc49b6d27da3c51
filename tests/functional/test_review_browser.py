"""The review page in real headless Chromium: a security approver acknowledges the contradicted claim, attaches a
condition and signs off; the assessment waits for legal and privacy; the business owner is told why they cannot
approve. axe-core finds nothing serious or critical on any of these pages."""

import re

import pytest
from playwright.sync_api import expect

from assessments import services
from tests.factories import (
    COMPLETE_MATURITY_ANSWERS,
    make_approved_assessment,
    make_approver,
    make_check_result,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def submitted(project, member, assessment_questionnaires):
    make_approved_assessment(project, "risk", {"model": "risk", "tier": "high"})
    make_check_result(project, "git.readme_present", "fail")
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        services.answer_save(assessment=draft, question_id=qid, value=value, expected_version=0, actor=member)
    return services.assessment_submit(assessment=draft, actor=member)


def test_a_security_approver_acknowledges_the_contradicted_claim_and_signs_off(page, login, submitted, axe_violations):
    approver = make_approver("security", username="sofia")
    make_approver("legal", username="lena")
    make_approver("privacy", username="pablo")
    login(page, approver)
    page.goto(f"/assessments/{submitted.pk}/review/")
    expect(page.locator("#approval-status")).to_contain_text("0 of 3 approvals: waiting for security, legal, privacy")
    assert axe_violations(page) == []

    page.get_by_label("Approved").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Acknowledge every claim the evidence contradicts")

    page.get_by_label("Approved").check()
    page.get_by_label(re.compile("A README explains the system")).check()
    page.get_by_label("Note on this claim (optional)").fill("README restored in PR 42")
    page.get_by_label("Condition 1").fill("Add a README check to CI")
    page.locator("#condition-1-owner").select_option("member")
    page.locator("#condition-1-due").fill("2027-01-31")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Record decision").click()

    expect(page).to_have_url(re.compile(rf"/assessments/{submitted.pk}/$"))
    expect(page.locator("#approval-status")).to_contain_text("1 of 3 approvals: waiting for legal, privacy")
    expect(page.locator("#signoffs")).to_contain_text("README restored in PR 42")
    expect(page.locator("#conditions")).to_contain_text("Add a README check to CI")
    assert axe_violations(page) == []
    submitted.refresh_from_db()
    assert submitted.state == "submitted"


def test_the_business_owner_is_not_offered_the_button_and_is_told_why(page, login, project, submitted, axe_violations):
    owner = make_approver("security", username="owner-approver")
    project.business_owner = owner
    project.save()
    login(page, owner)
    page.goto(f"/assessments/{submitted.pk}/review/")
    expect(page.locator("#review-refusal")).to_contain_text("You are the project's business owner")
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
    assert axe_violations(page) == []

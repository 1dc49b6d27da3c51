"""Approvals by domain: the policy decides the sign-offs, separation of duties, contradicted claims acknowledged
into the record's content hash, conditions tracked as open items. Services, pages and the API."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import approvals, record, selectors, services
from assessments.models import ApprovalCondition, Assessment
from tests.factories import (
    COMPLETE_MATURITY_ANSWERS,
    make_approval_policy,
    make_approved_assessment,
    make_approver,
    make_check_result,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(project, member, assessment_questionnaires):
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        services.answer_save(assessment=draft, question_id=qid, value=value, expected_version=0, actor=member)
    return services.assessment_submit(assessment=draft, actor=member)


@pytest.fixture
def high_tier(project):
    return make_approved_assessment(project, "risk", {"model": "risk", "tier": "high"})


@pytest.fixture
def approvers(db):
    return {domain: make_approver(domain) for domain in ("security", "legal", "privacy")}


def approve(assessment, user, **kwargs):
    return services.assessment_review(assessment=assessment, reviewer=user, decision="approved", **kwargs)


# --- the policy (pure) ---


def test_the_default_policy_asks_three_domains_at_high_tier_and_one_reviewer_at_low():
    assert approvals.required_signoffs(approvals.DEFAULT_RULES, "risk", "high") == ("security", "legal", "privacy")
    assert approvals.required_signoffs(approvals.DEFAULT_RULES, "impact", "medium") == ("security", "any")
    assert approvals.required_signoffs(approvals.DEFAULT_RULES, "maturity", "low") == ("any",)
    assert approvals.required_signoffs(approvals.DEFAULT_RULES, "maturity", None) == ("security", "legal", "privacy")
    assert approvals.validate_rules(approvals.DEFAULT_RULES) == {}


def test_a_policy_missing_a_tier_or_naming_a_domain_twice_is_refused_with_its_path():
    rules = {"format": 1, "kinds": {k: dict(v) for k, v in approvals.DEFAULT_RULES["kinds"].items()}}
    del rules["kinds"]["risk"]["low"]
    rules["kinds"]["impact"]["high"] = ["legal", "legal"]
    errors = approvals.validate_rules(rules)
    assert "'low' is a required property" in errors["kinds/risk"][0]
    rules["kinds"]["risk"]["low"] = ["any"]
    assert approvals.validate_rules(rules) == {
        "kinds/impact/high": ["Name each domain once; add 'any' for more reviewers."]
    }


def test_a_domain_approver_fills_their_domain_before_an_any_reviewer_step():
    current = approvals.status(("any", "security"), [], "medium")
    assert approvals.open_steps_for(current, user_id=1, domains={"security"}, is_reviewer=True) == ["security", "any"]


def test_the_status_says_how_many_approvals_and_who_is_awaited():
    given = [approvals.Signoff(1, "sec", "security")]
    current = approvals.status(("security", "legal", "privacy"), given, "high")
    assert current.summary() == "1 of 3 approvals: waiting for legal, privacy"
    assert not current.complete


# --- pending until every required domain approved ---


def test_a_high_tier_assessment_stays_pending_until_every_required_domain_approved(submitted, high_tier, approvers):
    approve(submitted, approvers["security"])
    approve(submitted, approvers["legal"])
    submitted.refresh_from_db()
    status = selectors.approval_status(selectors.assessment_with_answers(submitted.pk))
    assert submitted.state == Assessment.State.SUBMITTED and submitted.expires_at is None
    assert status.summary() == "2 of 3 approvals: waiting for privacy"

    approve(submitted, approvers["privacy"])
    submitted.refresh_from_db()
    assert submitted.state == Assessment.State.APPROVED and submitted.expires_at is not None
    assert selectors.latest_approved(submitted.project, "maturity") == submitted


def test_a_plain_reviewer_cannot_give_a_domain_sign_off(submitted, high_tier, reviewer):
    with pytest.raises(PermissionDenied, match="Waiting for security, legal, privacy"):
        approve(submitted, reviewer)


def test_one_person_gives_one_sign_off_even_in_two_groups(submitted, project, approvers):
    make_approved_assessment(project, "risk", {"model": "risk", "tier": "medium"})
    both = approvers["security"]
    both.approver_groups.add(approvers["legal"].approver_groups.get())
    approve(submitted, both, domain="security")
    with pytest.raises(PermissionDenied, match="already approved"):
        approve(submitted, both)
    submitted.refresh_from_db()
    assert submitted.state == Assessment.State.SUBMITTED


def test_one_return_sends_it_back_to_the_team_whatever_was_approved(submitted, high_tier, approvers):
    approve(submitted, approvers["security"])
    services.assessment_review(
        assessment=submitted, reviewer=approvers["legal"], decision="returned", comment="Name the DPA."
    )
    submitted.refresh_from_db()
    assert submitted.state == Assessment.State.RETURNED
    assert [s["decision"] for s in submitted.record["signoffs"]] == ["approved", "returned"]


# --- separation of duties ---


def test_the_business_owner_cannot_approve_whatever_the_role(submitted, project, reviewer, one_reviewer_policy):
    project.business_owner = reviewer
    project.save()
    with pytest.raises(PermissionDenied, match="business owner"):
        approve(submitted, reviewer)


def test_the_submitter_cannot_approve_even_as_an_admin_outside_the_team(project, assessment_questionnaires):
    admin = make_user("admin", username="ada")
    make_approval_policy()
    project.team.members.add(admin)  # admins may edit any project; only the team may submit in this test
    draft = services.assessment_start(project=project, kind="maturity", actor=admin)
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        services.answer_save(assessment=draft, question_id=qid, value=value, expected_version=0, actor=admin)
    services.assessment_submit(assessment=draft, actor=admin)
    project.team.members.remove(admin)
    admin._plumbline_team_ids = None
    with pytest.raises(PermissionDenied, match="You submitted this assessment"):
        approve(draft, admin)


def test_a_member_of_the_owning_team_cannot_approve_even_in_an_approver_group(submitted, team, one_reviewer_policy):
    colleague = make_approver("security", username="colleague")
    team.members.add(colleague)
    with pytest.raises(PermissionDenied, match="member of the team"):
        approve(submitted, colleague)


# --- contradicted claims ---


def test_approval_is_refused_until_every_contradicted_claim_is_acknowledged(submitted, project, reviewer):
    make_approval_policy()
    make_check_result(project, "git.readme_present", "fail")
    with pytest.raises(ValidationError, match="Acknowledge every claim the evidence contradicts"):
        approve(submitted, reviewer)
    submitted.refresh_from_db()
    assert submitted.state == Assessment.State.SUBMITTED and not submitted.reviews.exists()

    approve(submitted, reviewer, acknowledgements={"m.docs.readme": "README exists on the default branch."})
    submitted.refresh_from_db()
    assert submitted.state == Assessment.State.APPROVED


def test_acknowledgements_are_in_the_record_and_its_content_hash(submitted, project, reviewer):
    make_approval_policy()
    make_check_result(project, "git.readme_present", "fail")
    hash_at_submission = submitted.content_hash
    approve(submitted, reviewer, acknowledgements={"m.docs.readme": "Known, fixed next sprint."})
    submitted.refresh_from_db()

    entry = submitted.record["signoffs"][0]
    assert entry["acknowledgements"] == [
        {"question_id": "m.docs.readme", "check_id": "git.readme_present", "state": "fail",
         "note": "Known, fixed next sprint."}
    ]  # fmt: skip
    assert submitted.content_hash != hash_at_submission
    assert services.assessment_verify(selectors.assessment_with_answers(submitted.pk))
    changed_note = [{**entry["acknowledgements"][0], "note": "Changed later"}]
    tampered = {**submitted.record, "signoffs": [{**entry, "acknowledgements": changed_note}]}
    assert record.content_hash(tampered) != submitted.content_hash


# --- conditions ---


def test_conditions_become_open_items_with_owner_and_due_date_until_closed(submitted, member, reviewer):
    make_approval_policy()
    approve(
        submitted, reviewer, conditions=[{"text": "Add an on-call rota", "owner": member, "due_on": date(2027, 1, 15)}]
    )
    [condition] = selectors.conditions_of(project=submitted.project, open_only=True)
    assert (condition.text, condition.owner, condition.due_on) == ("Add an on-call rota", member, date(2027, 1, 15))
    submitted.refresh_from_db()
    assert submitted.record["signoffs"][0]["conditions"] == [
        {"text": "Add an on-call rota", "owner": "member", "due_on": "2027-01-15"}
    ]

    with pytest.raises(ValidationError):
        services.condition_close(condition=condition, actor=member, note="")
    services.condition_close(condition=condition, actor=member, note="Rota in PagerDuty")
    assert selectors.conditions_of(project=submitted.project, open_only=True) == []


def test_someone_outside_the_project_cannot_close_a_condition(submitted, member, reviewer, outsider):
    make_approval_policy()
    approve(submitted, reviewer, conditions=[{"text": "Rota", "owner": member, "due_on": date(2027, 1, 15)}])
    with pytest.raises(PermissionDenied):
        services.condition_close(condition=ApprovalCondition.objects.get(), actor=outsider, note="done")


# --- the review page ---


def test_the_review_page_does_not_offer_the_business_owner_the_button_and_says_why(
    client, submitted, project, reviewer, one_reviewer_policy
):
    project.business_owner = reviewer
    project.save()
    client.force_login(reviewer)
    page = client.get(f"/assessments/{submitted.pk}/review/").content.decode()
    assert 'name="decision"' not in page
    assert "You are the project&#x27;s business owner" in page

    response = client.post(f"/assessments/{submitted.pk}/review/", {"decision": "approved"})
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.state == Assessment.State.SUBMITTED


def test_the_review_page_lists_each_contradicted_claim_to_acknowledge(client, submitted, project, reviewer):
    make_approval_policy()
    make_check_result(project, "git.readme_present", "fail")
    client.force_login(reviewer)
    page = client.get(f"/assessments/{submitted.pk}/review/").content.decode()
    assert 'name="ack-m.docs.readme"' in page and "A README explains the system." in page

    refused = client.post(f"/assessments/{submitted.pk}/review/", {"decision": "approved"})
    assert refused.status_code == 400 and "1 left: A README explains the system." in refused.content.decode()
    client.post(
        f"/assessments/{submitted.pk}/review/",
        {"decision": "approved", "ack-m.docs.readme": "1", "note-m.docs.readme": "Seen"},
    )
    submitted.refresh_from_db()
    assert submitted.state == Assessment.State.APPROVED
    record_page = client.get(f"/assessments/{submitted.pk}/").content.decode()
    assert "Contradicted claims acknowledged" in record_page and "“Seen”" in record_page


def test_the_record_page_shows_pending_approvals_and_the_project_page_open_conditions(
    client, submitted, project, high_tier, approvers, member
):
    approve(
        submitted, approvers["security"], conditions=[{"text": "Pen test", "owner": member, "due_on": date(2027, 2, 1)}]
    )
    client.force_login(member)
    record_page = client.get(f"/assessments/{submitted.pk}/").content.decode()
    assert "1 of 3 approvals: waiting for legal, privacy" in record_page
    assert "How condition 1 was met" in record_page  # the owner may close it
    client.force_login(approvers["legal"])
    assert "How condition 1 was met" not in client.get(f"/assessments/{submitted.pk}/").content.decode()
    client.force_login(member)
    project_page = client.get(f"/projects/{project.slug}/").content.decode()
    assert "Open conditions of approval (1)" in project_page and "Pen test" in project_page


# --- the API ---


def test_the_api_refuses_the_submitter_and_the_business_owner_with_403_and_the_reason(
    client, submitted, project, member, reviewer, one_reviewer_policy
):
    client.force_login(member)
    response = client.post(f"/api/v1/assessments/{submitted.pk}/review", {"decision": "approved"}, "application/json")
    assert response.status_code == 403 and "You submitted this assessment" in response.json()["detail"]

    project.business_owner = reviewer
    project.save()
    client.force_login(reviewer)
    response = client.post(f"/api/v1/assessments/{submitted.pk}/review", {"decision": "approved"}, "application/json")
    assert response.status_code == 403 and "business owner" in response.json()["detail"]
    assert client.get(f"/api/v1/assessments/{submitted.pk}/approval").json()["why_not"].startswith("You are the")


def test_the_api_lists_claims_to_acknowledge_and_refuses_approval_without_them(client, submitted, project, reviewer):
    make_approval_policy()
    make_check_result(project, "git.readme_present", "fail")
    client.force_login(reviewer)
    approval = client.get(f"/api/v1/assessments/{submitted.pk}/approval").json()
    assert [c["question_id"] for c in approval["contradicted_claims"]] == ["m.docs.readme"]
    assert (
        approval["you_may_approve_as"] == ["any"] and approval["summary"] == "0 of 1 approval: waiting for a reviewer"
    )

    url = f"/api/v1/assessments/{submitted.pk}/review"
    refused = client.post(url, {"decision": "approved"}, "application/json")
    assert refused.status_code == 400 and "acknowledgements" in refused.json()["errors"]
    ok = client.post(
        url,
        {"decision": "approved", "acknowledgements": [{"question_id": "m.docs.readme", "note": "ok"}],
         "conditions": [{"text": "Fix README", "owner": "member", "due_on": "2027-03-01"}]},
        "application/json",
    )  # fmt: skip
    assert ok.status_code == 200, ok.content
    assert ok.json()["state"] == "approved" and ok.json()["reviews"][0]["acknowledgements"][0]["note"] == "ok"
    [condition] = client.get(f"/api/v1/approval-conditions/?project={project.slug}&open=true").json()["results"]
    assert (condition["owner"], condition["due_on"]) == ("member", "2027-03-01")


def test_admins_manage_approver_groups_through_the_api(client, admin_user, reviewer):
    client.force_login(admin_user)
    created = client.post("/api/v1/approver-groups/", {"domain": "legal", "name": "Legal", "members": ["reviewer"]},
                          "application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    changed = client.patch("/api/v1/approver-groups/legal/", {"members": []}, "application/json")
    assert changed.json()["members"] == []
    assert selectors.approver_domains(reviewer) == set()


def test_admins_manage_approver_groups_in_the_admin_site_and_it_is_audited(client, admin_user, reviewer):
    from assessments.models import ApproverGroup
    from registry.models import ChangeRecord

    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(
        "/admin/assessments/approvergroup/add/",
        {"domain": "privacy", "name": "Privacy", "description": "", "members": [reviewer.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(ApproverGroup.objects.get(domain="privacy").members.all()) == [reviewer]
    change = ChangeRecord.objects.get(object_type="approvergroup")
    assert change.changes["members"] == [None, ["reviewer"]] and change.actor == admin_user


def test_a_staff_reviewer_cannot_open_the_approver_group_admin(client, reviewer):
    reviewer.is_staff = True
    reviewer.save()
    client.force_login(reviewer)
    assert client.get("/admin/assessments/approvergroup/").status_code == 403


def test_a_decided_assessment_keeps_the_sign_offs_it_needed_when_the_tier_changes_later(
    submitted, project, high_tier, approvers
):
    for domain in ("security", "legal", "privacy"):
        approve(submitted, approvers[domain])
    high_tier.result = {"model": "risk", "tier": "low"}
    high_tier.save()
    status = selectors.approval_status(selectors.assessment_with_answers(submitted.pk))
    assert status.complete and status.summary() == "3 of 3 approvals"

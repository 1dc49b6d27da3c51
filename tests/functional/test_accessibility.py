"""Every page a person lands on, with realistic data on it, has no serious or critical axe-core violation."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from tests.factories import (
    COMPLETE_MATURITY_ANSWERS,
    ComponentFactory,
    ProjectFactory,
    TagFactory,
    make_user,
    questionnaire_version_from_yaml,
)
from tests.reports_factories import WaiverFactory, seed_scored_project

pytestmark = [
    pytest.mark.usefixtures("one_reviewer_policy"),
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def seeded(team, other_team, member, reviewer, project):
    """An inventory with scored, archived and expired projects, a draft and a submitted assessment, evidence with a
    refresh in progress and a waiver, a questionnaire from the repository, a running report job and a token."""
    from accounts.services import token_create
    from assessments import services as assessments
    from connectors.models import RefreshRun
    from questionnaires.selectors import latest_version
    from questionnaires.services import questionnaire_load_file
    from reports.models import ReportJob

    questionnaire_version_from_yaml(settings.BASE_DIR / "tests" / "data" / "assessments" / "maturity-small.yaml")
    submitted_project = ProjectFactory(team=team, name="Policy assistant", slug="policy-assistant", uses_rag=True)
    submitted = assessments.assessment_start(project=submitted_project, kind="maturity", actor=member)
    for question_id, value in COMPLETE_MATURITY_ANSWERS.items():
        assessments.answer_save(
            assessment=submitted, question_id=question_id, value=value, expected_version=0, actor=member
        )
    assessments.assessment_submit(assessment=submitted, actor=member)

    questionnaire_load_file(path=settings.BASE_DIR / "questionnaires" / "definitions" / "maturity.yaml")
    maturity = latest_version("maturity")
    scored = seed_scored_project(project, reviewer=reviewer)
    project.tags.add(TagFactory(name="rag"), TagFactory(name="pii"))
    ComponentFactory(project=project, name="answer-model")
    ComponentFactory(project=project, kind="vector_store", name="docs-index", attributes={"provider": "Qdrant"})
    WaiverFactory(project=project, approved_by=reviewer)
    RefreshRun.objects.create(project=project, requested_by=member, components_total=3, components_done=1)

    other = ProjectFactory(team=other_team, name="Ticket triage", slug="ticket-triage", stage="production")
    expired = seed_scored_project(other, reviewer=reviewer)["maturity"]
    expired.expires_at = timezone.now() - dt.timedelta(days=3)
    expired.save(update_fields=["expires_at"])
    ProjectFactory(team=team, name="Old chatbot", slug="old-chatbot", archived_at=timezone.now())

    draft = assessments.assessment_start(project=project, kind="maturity", actor=member)
    assert draft.questionnaire == maturity
    question_id = maturity.definition["sections"][0]["questions"][0]["id"]
    assessments.answer_save(assessment=draft, question_id=question_id, value="yes", expected_version=0, actor=member)

    job = ReportJob.objects.create(
        params={"team": team.slug},
        status=ReportJob.Status.RUNNING,
        progress=40,
        message="Rendering 3 of 7 projects",
        requested_by=reviewer,
    )
    token_create(user=member, name="CI pipeline", scope="write", project=project, expires_in_days=30)
    token_create(user=member, name="Laptop", expires_in_days=None)
    return {
        "project": project,
        "component": project.components.get(name="answer-model"),
        "draft": draft,
        "submitted": submitted,
        "earlier": scored["earlier"],
        "maturity": scored["maturity"],
        "questionnaire": maturity,
        "job": job,
        "members": {"member": member, "reviewer": reviewer, "admin": make_user(User.Role.ADMIN, username="admin")},
    }


def submit_empty_project_form(page):
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.locator(".has-error").count() > 0, "expected the form to show validation errors"


def submit_a_bad_password_change(page):
    page.get_by_label("Old password").fill("wrong")
    page.get_by_role("button", name="Change password").click()
    page.wait_for_load_state()


def save_a_broken_gate_policy(page):
    page.get_by_label("Rules (JSON)").fill("{not json")
    page.get_by_role("button", name="Save as version").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").count() > 0, "expected the policy form to show its error"


def webhook_with_a_delivery_log(seeded):
    """A webhook of the team whose one event failed twice, then went through."""
    import uuid

    from webhooks import services as webhooks
    from webhooks.models import Delivery, DeliveryAttempt

    endpoint, _secret = webhooks.endpoint_create(
        actor=seeded["members"]["member"], team=seeded["project"].team, url="https://93.184.216.34/plumbline"
    )
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        project=seeded["project"],
        event="check.failed",
        event_id=uuid.uuid4(),
        dedupe_key="a11y",
        body="{}",
        status="delivered",
        attempts=3,
    )
    now = timezone.now()
    for number, status, error, retry in ((1, 503, "The receiver answered HTTP 503.", 30), (2, None, "No answer.", 60)):
        DeliveryAttempt.objects.create(
            delivery=delivery, number=number, started_at=now, status_code=status, error=error, retry_in_seconds=retry
        )
    DeliveryAttempt.objects.create(delivery=delivery, number=3, started_at=now, status_code=200, manual=True)
    return f"/webhooks/{endpoint.pk}/"


def add_a_webhook(page):
    page.locator("#id_team").select_option("search")
    page.get_by_label("URL").fill("https://93.184.216.34/plumbline")
    page.get_by_role("button", name="Add webhook").click()
    page.wait_for_load_state()
    assert page.get_by_label("Signing secret").count() == 1, "expected the new secret to be shown once"


def add_a_webhook_with_a_bad_address(page):
    page.get_by_label("URL").fill("http://example.com/hook")
    page.get_by_role("button", name="Add webhook").click()
    page.wait_for_load_state()
    assert page.locator(".has-error").count() > 0, "expected the form to show validation errors"


# (id, user, url built from the seeded data, optional action once the page is loaded)
PAGES = [
    ("login", None, lambda s: "/login/", None),
    ("inventory", "member", lambda s: "/projects/", None),
    ("inventory-filtered", "member", lambda s: "/projects/?q=docs&stage=poc&tag=rag&ordering=-name", None),
    ("inventory-bad-filter", "member", lambda s: "/projects/?stage=someday&team=0", None),
    ("inventory-archived", "member", lambda s: "/projects/?archived=true", None),
    ("project", "member", lambda s: "/projects/docs-qa/", None),
    ("project-as-reviewer", "reviewer", lambda s: "/projects/docs-qa/", None),
    ("project-create", "member", lambda s: "/projects/new/", None),
    ("project-create-errors", "member", lambda s: "/projects/new/", submit_empty_project_form),
    ("project-edit", "member", lambda s: "/projects/docs-qa/edit/", None),
    ("component-create", "member", lambda s: "/projects/docs-qa/components/new/", None),
    ("component-edit", "member", lambda s: f"/projects/docs-qa/components/{s['component'].pk}/edit/", None),
    ("team-list", "member", lambda s: "/teams/", None),
    ("team", "member", lambda s: "/teams/search/", None),
    ("import", "member", lambda s: "/import/", None),
    ("attention", "reviewer", lambda s: "/attention/", None),
    ("questionnaires", "member", lambda s: "/questionnaires/", None),
    (
        "questionnaire",
        "member",
        lambda s: f"/questionnaires/{s['questionnaire'].slug}/{s['questionnaire'].version}/",
        None,
    ),
    ("assessment-form", "member", lambda s: f"/assessments/{s['draft'].pk}/", None),
    ("assessment-history", "member", lambda s: "/projects/docs-qa/assessments/", None),
    (
        "assessment-compare",
        "member",
        lambda s: f"/projects/docs-qa/assessments/compare/?a={s['earlier'].pk}&b={s['maturity'].pk}",
        None,
    ),
    ("assessment-record", "reviewer", lambda s: f"/assessments/{s['submitted'].pk}/", None),
    ("assessment-record-approved", "member", lambda s: f"/assessments/{s['maturity'].pk}/", None),
    ("assessment-review", "reviewer", lambda s: f"/assessments/{s['submitted'].pk}/review/", None),
    ("assessment-submit", "member", lambda s: f"/assessments/{s['draft'].pk}/submit/", None),
    ("gate-policies", "reviewer", lambda s: "/gate-policies/", None),
    ("gate-policies-as-admin", "admin", lambda s: "/gate-policies/", None),
    ("gate-policies-errors", "admin", lambda s: "/gate-policies/", save_a_broken_gate_policy),
    ("gate", "member", lambda s: "/projects/docs-qa/gate/", None),
    ("checks", "member", lambda s: "/checks/", None),
    ("portfolio", "reviewer", lambda s: "/reports/portfolio/", None),
    ("team-dashboard", "member", lambda s: "/reports/teams/search/", None),
    ("report-job", "reviewer", lambda s: f"/reports/jobs/{s['job'].pk}/", None),
    ("tokens", "member", lambda s: "/tokens/", None),
    ("webhooks", "member", lambda s: "/webhooks/", None),
    ("webhooks-created", "member", lambda s: "/webhooks/", add_a_webhook),
    ("webhooks-errors", "member", lambda s: "/webhooks/", add_a_webhook_with_a_bad_address),
    ("webhook", "member", webhook_with_a_delivery_log, None),
    ("password", "member", lambda s: "/password/", None),
    ("password-errors", "member", lambda s: "/password/", submit_a_bad_password_change),
]


def describe(violations):
    return "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(map(str, v["nodes"])) for v in violations
    )


@pytest.mark.parametrize(("user", "url", "action"), [p[1:] for p in PAGES], ids=[p[0] for p in PAGES])
def test_the_page_has_no_serious_accessibility_violations(page, login, seeded, axe_violations, user, url, action):
    if user:
        login(page, seeded["members"][user])
    response = page.goto(url(seeded))
    assert response.ok, f"{response.status} on {page.url}"
    if action:
        action(page)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    violations = axe_violations(page, review=("aria-valid-attr-value",))
    assert not violations, f"{page.url}:\n{describe(violations)}"


@pytest.mark.parametrize("kind", ["impact", "risk", "maturity"])
def test_every_section_of_the_shipped_questionnaires_has_no_serious_accessibility_violations(
    page, login, seeded, member, axe_violations, kind
):
    """Each section of the real questionnaires, with its conditional questions shown, so that every question type
    (choices, money, dates, group tables) and the evidence and comment forms are checked."""
    from assessments import services as assessments
    from questionnaires.services import questionnaire_load_file

    questionnaire_load_file(path=settings.BASE_DIR / "questionnaires" / "definitions" / f"{kind}.yaml")
    draft = assessments.assessment_start(project=seeded["project"], kind=kind, actor=member)
    login(page, member)
    found = []
    for section in draft.questionnaire.definition["sections"]:
        page.goto(f"/assessments/{draft.pk}/?section={section['id']}")
        page.evaluate(
            "() => { document.querySelectorAll('.section-body [hidden]').forEach(e => { e.hidden = false; });"
            " document.querySelectorAll('details').forEach(d => { d.open = true; }); }"
        )
        violations = axe_violations(page, review=("aria-valid-attr-value",))
        found += [f"{section['id']}: {describe([v])}" for v in violations]
    assert not found, "\n".join(found)

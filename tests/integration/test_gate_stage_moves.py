"""Gate verdicts from the database: query counts, stage moves with exact reasons, the gate page and policy page."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gates import services
from gates.models import GatePolicy
from gates.selectors import gate_verdict
from registry.models import ChangeRecord
from tests.factories import ProjectFactory, make_approved_assessment, make_check_result, make_gate_ready

pytestmark = pytest.mark.integration


def _count_queries(project):
    with CaptureQueriesContext(connection) as ctx:
        gate_verdict(project=project, stage="production")
    return len(ctx.captured_queries)


def _portfolio(n):
    projects = ProjectFactory.create_batch(n)
    for p in projects:
        make_gate_ready(p)
    return projects


@pytest.mark.django_db
def test_gate_verdict_query_count_is_the_same_for_10_and_200_projects():
    small = _count_queries(_portfolio(10)[0])
    large = _count_queries(_portfolio(190)[-1])
    assert small == large
    assert small <= 7


@pytest.mark.django_db
def test_the_shipped_default_policy_v2_is_in_force_above_version_1():
    assert list(GatePolicy.objects.values_list("version", "is_active")) == [(2, True), (1, True)]
    checks = GatePolicy.objects.get(version=2).rules["stages"]["production"]["checks"]
    assert {"any_of": ["traces.present", "prometheus.llm_metrics_present"]} in checks
    assert {"id": "vectorstore.chunk_source_metadata", "only_if": "uses_rag"} in checks


@pytest.mark.django_db
def test_a_move_to_poc_is_refused_with_exact_reasons_then_allowed_once_assessments_are_approved(project, member):
    with pytest.raises(services.GateRefused) as refused:
        services.project_move_stage(project=project, stage="poc", actor=member)
    assert refused.value.verdict.refusal_lines == (
        "Missing: no approved impact assessment.",
        "Missing: no approved risk assessment.",
    )
    project.refresh_from_db()
    assert project.stage == "idea"

    make_approved_assessment(project, "impact", {"recommendation": "proceed"})
    make_approved_assessment(project, "risk", {"tier": "low"})
    services.project_move_stage(project=project, stage="poc", actor=member)
    project.refresh_from_db()
    assert project.stage == "poc"
    change = ChangeRecord.objects.get(project=project, action=ChangeRecord.Action.STAGE)
    assert change.changes == {"stage": ["idea", "poc"]}
    assert change.note == "Gate policy v2"
    assert change.actor == member


@pytest.mark.django_db
def test_a_move_to_production_names_the_missing_maturity_level(project, member):
    make_approved_assessment(project, "impact", {"recommendation": "proceed"})
    make_approved_assessment(project, "risk", {"tier": "high"})
    make_approved_assessment(project, "maturity", {"verified_level": 1, "claimed_level": 3, "blocking": []})
    with pytest.raises(services.GateRefused) as refused:
        services.project_move_stage(project=project, stage="production", actor=member)
    assert "Verified maturity level 1 is below level 3 required for high risk." in refused.value.verdict.reasons


@pytest.mark.django_db
def test_moving_back_needs_no_gate(project, member):
    project.stage = "pilot"
    project.save()
    services.project_move_stage(project=project, stage="idea", actor=member)
    project.refresh_from_db()
    assert project.stage == "idea"


@pytest.mark.django_db
def test_the_gate_page_shows_reasons_and_a_refused_move_says_why(client, project, member):
    client.force_login(member)
    page = client.get(reverse("gates:project-gate", args=[project.slug]))
    assert page.status_code == 200
    assert "Missing: no approved impact assessment." in page.content.decode()
    response = client.post(reverse("gates:project-move-stage", args=[project.slug]), {"stage": "poc"}, follow=True)
    body = response.content.decode()
    assert "Not moved to Proof of concept" in body
    assert "Missing: no approved risk assessment." in body


@pytest.mark.django_db
def test_only_editors_can_move_a_project(client, project, outsider):
    client.force_login(outsider)
    response = client.post(reverse("gates:project-move-stage", args=[project.slug]), {"stage": "poc"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_project_panel_keeps_its_query_count_constant(project, member, rf):
    from django.template import Context, Template

    make_gate_ready(project)
    make_check_result(project, "vectorstore.index_fresh", "fail")
    template = Template("{% load gate_panels %}{% project_gate_panel project %}")
    request = rf.get("/")
    request.user = member
    with CaptureQueriesContext(connection) as ctx:
        html = template.render(Context({"project": project, "user": member, "request": request}))
    assert "Check vectorstore.index_fresh fails" in html
    assert "Move to Proof of concept" in html
    assert len(ctx.captured_queries) <= 8


@pytest.mark.django_db
def test_an_admin_saves_a_new_policy_version_from_the_page(client, admin_user):
    client.force_login(admin_user)
    rules = GatePolicy.objects.get(version=2).rules
    rules["stages"]["production"]["required_level"]["low"] = 2
    response = client.post(reverse("gates:policy-list"), {"rules": json.dumps(rules), "note": "stricter for low"})
    assert response.status_code == 302
    assert GatePolicy.objects.order_by("-version").first().version == 3
    assert GatePolicy.objects.get(version=2).rules["stages"]["production"]["required_level"]["low"] == 1


@pytest.mark.django_db
def test_an_invalid_policy_is_refused_with_the_path_of_each_error(client, admin_user):
    client.force_login(admin_user)
    rules = GatePolicy.objects.get(version=2).rules
    rules["stages"]["production"]["required_level"]["high"] = 9
    response = client.post(reverse("gates:policy-list"), {"rules": json.dumps(rules)})
    assert response.status_code == 400
    assert "stages.production.required_level.high" in response.content.decode()
    bad_json = client.post(reverse("gates:policy-list"), {"rules": "{not json"})
    assert "Not valid JSON at line 1" in bad_json.content.decode()
    assert GatePolicy.objects.count() == 2


@pytest.mark.django_db
def test_only_admins_can_save_a_policy(client, member):
    client.force_login(member)
    response = client.post(reverse("gates:policy-list"), {"rules": "{}"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_project_page_offers_no_move_the_gate_refuses_and_says_why(client, project, member):
    client.force_login(member)
    body = client.get(project.get_absolute_url()).content.decode()
    assert 'id="h-gate"' in body
    assert "Why it is refused" in body
    assert "Missing: no approved impact assessment." in body
    assert "Move to Proof of concept" not in body
    assert "Moving to Proof of concept opens once the gate allows it." in body


@pytest.mark.django_db
def test_the_project_page_offers_a_move_the_gate_allows(client, project, member):
    make_gate_ready(project)
    client.force_login(member)
    body = client.get(project.get_absolute_url()).content.decode()
    assert "Move to Proof of concept" in body


@pytest.mark.django_db
def test_the_admin_site_adds_a_new_version_and_never_edits_one(client, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    rules = GatePolicy.objects.get(version=1).rules
    response = client.post("/admin/gates/gatepolicy/add/", {"rules": json.dumps(rules), "note": "same again"})
    assert response.status_code == 302
    assert list(GatePolicy.objects.values_list("version", flat=True)) == [3, 2, 1]
    change = client.get(f"/admin/gates/gatepolicy/{GatePolicy.objects.get(version=1).pk}/change/")
    assert change.status_code == 200
    assert 'name="rules"' not in change.content.decode()


@pytest.mark.django_db
def test_seed_gates_is_idempotent_and_its_demo_token_reads_the_gate(client):
    from gates.demo import DEMO_CI_PROJECT, DEMO_CI_TOKEN, seed_gates
    from registry.demo import seed_inventory

    seed_inventory()
    seed_gates()
    seed_gates()
    from connectors.models import PushedEvaluation

    assert PushedEvaluation.objects.count() == 2
    response = client.get(f"/api/v1/projects/{DEMO_CI_PROJECT}/gate", HTTP_AUTHORIZATION=f"Bearer {DEMO_CI_TOKEN}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_project_already_in_production_shows_whether_it_still_meets_production(client, project, member):
    """A project in production below its required verified level is told so on its page, not "nothing ahead"."""
    from registry.models import Project

    make_gate_ready(project)
    Project.objects.filter(pk=project.pk).update(stage="production")
    client.force_login(member)
    body = client.get(project.get_absolute_url()).content.decode()
    assert "Production (current stage)" in body
    assert "requirements not met" in body
    assert "What it lacks" in body

"""Inventory pages: list filters and query counts, forms that validate, detail with components and history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.models import Project
from tests.factories import ComponentFactory, ProjectFactory, TagFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture
def browser(client, member):
    client.force_login(member)
    return client


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def make_projects(team, count, start=0):
    for n in range(start, start + count):
        project = ProjectFactory(team=team, name=f"Project {n:03}", slug=f"project-{n:03}")
        project.tags.add(TagFactory(name=f"tag{n % 5}", slug=f"tag{n % 5}"))
        ComponentFactory(project=project)


def test_list_query_count_is_the_same_for_few_and_many_projects(browser, team):
    make_projects(team, 3)
    few = queries_for(browser, "/projects/?page_size=100")
    make_projects(team, 60, start=3)

    assert queries_for(browser, "/projects/?page_size=100") == few


def test_list_hides_archived_projects_unless_asked(browser, project, member):
    services.project_archive(actor=member, project=project)

    assert "Docs Q&amp;A" not in browser.get("/projects/").content.decode()
    assert "Docs Q&amp;A" in browser.get("/projects/?archived=true").content.decode()


def test_list_searches_and_filters(browser, project, other_team):
    ProjectFactory(team=other_team, name="HR agent", slug="hr-agent", stage="pilot")

    page = browser.get("/projects/?q=agent&stage=pilot").content.decode()

    assert "HR agent" in page and "Docs Q&amp;A" not in page


def test_list_sorts_by_column(browser, project):
    ProjectFactory(team=project.team, name="Another", slug="another")

    names = [p.name for p in browser.get("/projects/?ordering=-name").context["projects"]]

    assert names == ["Docs Q&A", "Another"]


def test_create_form_validates_slug_costs_and_links(browser, project, team):
    response = browser.post(
        "/projects/new/",
        {
            "name": "Copy",
            "slug": "docs-qa",
            "team": team.pk,
            "archetype": "chatbot",
            "llm_usage": "foundation_api",
            "exposure": "internal",
            "stage": "idea",
            "run_cost_per_month": "-3",
            "links": "Runbook | ftp://nowhere",
        },
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"slug", "run_cost_per_month", "links"}


def test_create_form_creates_the_project(browser, team, member):
    response = browser.post(
        "/projects/new/",
        {
            "name": "Shopping chatbot",
            "slug": "shopping-chatbot",
            "team": team.pk,
            "technical_owner": member.pk,
            "archetype": "chatbot",
            "llm_usage": "foundation_api",
            "exposure": "public",
            "stage": "idea",
            "tags": "chat, rag",
            "regions": "EU, UK",
            "links": "Wiki | https://wiki.example.com/chatbot",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/projects/shopping-chatbot/"
    project = Project.objects.get(slug="shopping-chatbot")
    assert project.regions == ["EU", "UK"] and project.links == [
        {"label": "Wiki", "url": "https://wiki.example.com/chatbot"}
    ]


def test_member_cannot_create_a_project_in_another_team(browser, other_team):
    response = browser.post(
        "/projects/new/",
        {"name": "X", "slug": "x", "team": other_team.pk, "archetype": "other", "llm_usage": "foundation_api",
         "exposure": "internal", "stage": "idea"},
    )  # fmt: skip

    assert response.status_code == 400 and "team" in response.context["form"].errors


def test_detail_shows_components_connector_secret_marker_and_history(browser, project, member):
    services.component_create(
        actor=member, project=project, kind="vector_store", name="Vectors", connector="qdrant",
        attributes={"location": "https://qdrant.example.com", "collection": "docs"},
        secrets={"api_key": "sk-do-not-show"},
    )  # fmt: skip
    services.project_update(actor=member, project=project, stage="retired")

    page = browser.get("/projects/docs-qa/").content.decode()

    assert "Vectors" in page and "<code>qdrant</code>" in page and "secret set" in page
    assert "sk-do-not-show" not in page
    assert "<del>idea</del> → <ins>retired</ins>" in page


def test_component_form_keeps_secrets_when_left_empty(browser, project, member):
    component = services.component_create(
        actor=member, project=project, kind="vector_store", name="Vectors", secrets={"api_key": "k"}
    )

    response = browser.post(
        f"/projects/docs-qa/components/{component.pk}/edit/",
        {"kind": "vector_store", "name": "Vectors", "attr_collection": "docs", "secrets": ""},
    )

    assert response.status_code == 302
    component.refresh_from_db()
    assert component.has_secrets and component.attributes == {"collection": "docs"}


def test_component_form_rejects_bad_connector_settings(browser, project):
    response = browser.post(
        "/projects/docs-qa/components/new/",
        {"kind": "mlflow", "name": "M", "connector": "", "connector_settings": "{not json"},
    )

    assert response.status_code == 400 and "connector_settings" in response.context["form"].errors


def test_detail_includes_every_app_panel(browser, project):
    used = {t.name for t in browser.get("/projects/docs-qa/").templates}

    assert {
        "assessments/_project_assessments_panel.html",
        "connectors/_project_evidence_panel.html",
        "gates/_project_gate_panel.html",
        "reports/_project_reports_panel.html",
    } <= used


def test_export_links_keep_the_filters(browser, project, other_team):
    ProjectFactory(team=other_team, slug="translation-agent")

    csv_text = browser.get("/projects/export.csv?team=search").content.decode()

    assert "docs-qa" in csv_text and "translation-agent" not in csv_text


def test_home_redirects_to_the_inventory(browser):
    assert browser.get("/")["Location"] == "/projects/"


def test_team_page_lists_members_and_projects(browser, project):
    page = browser.get("/teams/search/").content.decode()

    assert "Docs Q&amp;A" in page and "Team member" in page


def edit_form_data(project, **changes):
    data = {
        "name": project.name,
        "slug": project.slug,
        "team": project.team_id,
        "archetype": project.archetype,
        "llm_usage": project.llm_usage,
        "exposure": project.exposure,
        "stage": project.stage,
        "kpis": project.kpis,
        "uses_rag": "on" if project.uses_rag else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_edit_form_records_before_and_after_in_the_history(browser, project):
    response = browser.post("/projects/docs-qa/edit/", edit_form_data(project, kpis="CSAT +5"))

    assert response.status_code == 302
    record = project.changes.get(action="update")
    assert record.changes["kpis"] == ["Average handling time -20%", "CSAT +5"]


def test_edit_form_cannot_move_the_stage_past_the_gate(browser, project):
    response = browser.post("/projects/docs-qa/edit/", edit_form_data(project, stage="production"))

    assert response.status_code == 400
    assert response.context["form"].errors["stage"]
    project.refresh_from_db()
    assert project.stage == "idea"


def test_detail_shows_the_latest_changes_and_links_to_the_full_history(browser, project, member):
    for n in range(12):
        services.project_update(actor=member, project=project, kpis=f"KPI {n}")

    page = browser.get("/projects/docs-qa/").content.decode()
    full = browser.get("/projects/docs-qa/?history=all").content.decode()

    assert "KPI 11" in page and "<ins>KPI 1</ins>" not in page and "Show the full history (12 changes)" in page
    assert "<ins>KPI 1</ins>" in full and "Show the full history" not in full


def test_a_refused_page_says_why_in_words(client, outsider, project):
    client.force_login(outsider)

    response = client.get("/projects/docs-qa/edit/")

    assert response.status_code == 403
    assert "You can only change projects of your own team." in response.content.decode()

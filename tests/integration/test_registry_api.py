"""The inventory API: validation errors in the shared shape, write-only secrets, filters, archive, history."""

import pytest

from registry.models import Component, Project
from tests.factories import ProjectFactory, TagFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture
def api(client, member):
    client.force_login(member)
    return client


def post(api, url, data):
    return api.post(url, data, content_type="application/json")


def test_create_answers_400_with_field_errors(api, team):
    response = post(
        api,
        "/api/v1/projects/",
        {
            "name": "X",
            "slug": "not a slug",
            "team": "search",
            "run_cost_per_month": "-1",
            "links": [{"label": "Docs", "url": "javascript:alert(1)"}],
            "stage": "someday",
        },
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The request has invalid fields; see errors."
    assert set(body["errors"]) == {"slug", "run_cost_per_month", "links", "stage"}


def test_create_rejects_an_existing_slug(api, project):
    response = post(api, "/api/v1/projects/", {"name": "Again", "slug": "docs-qa", "team": "search"})

    assert response.status_code == 400 and "slug" in response.json()["errors"]


def test_create_rejects_an_unknown_owner(api, team):
    response = post(api, "/api/v1/projects/", {"name": "X", "slug": "x", "team": "search", "technical_owner": "ghost"})

    assert response.status_code == 400 and "technical_owner" in response.json()["errors"]


def test_create_records_history_with_the_actor(api, team, member):
    response = post(api, "/api/v1/projects/", {"name": "X", "slug": "x", "team": "search", "tags": ["rag"]})

    assert response.status_code == 201 and response.json()["tags"] == ["rag"]
    history = api.get("/api/v1/projects/x/history/").json()
    assert history[0]["actor"] == "member" and history[0]["action"] == "create"


def test_patch_changes_only_given_fields(api, project):
    response = api.patch("/api/v1/projects/docs-qa/", {"exposure": "public"}, content_type="application/json")

    assert response.status_code == 200
    project.refresh_from_db()
    assert (project.exposure, project.uses_rag) == ("public", True)


def test_patch_of_stage_forward_is_refused_by_the_gate_with_reasons(api, project):
    response = api.patch("/api/v1/projects/docs-qa/", {"stage": "production"}, content_type="application/json")

    assert response.status_code == 409  # as POST /projects/<slug>/stage answers the same refusal
    assert response.json()["errors"]["stage"]
    project.refresh_from_db()
    assert project.stage == "idea"


def test_archive_hides_the_project_from_the_default_list(api, project):
    assert post(api, "/api/v1/projects/docs-qa/archive/", None).json()["is_archived"] is True

    assert api.get("/api/v1/projects/").json()["count"] == 0
    assert api.get("/api/v1/projects/?archived=true").json()["count"] == 1


def test_list_filters_by_team_tag_and_search(api, project, other_team):
    ProjectFactory(team=other_team, name="Translation agent", slug="translation-agent")
    project.tags.add(TagFactory(name="rag", slug="rag"))

    assert [p["slug"] for p in api.get("/api/v1/projects/?team=support").json()["results"]] == ["translation-agent"]
    assert [p["slug"] for p in api.get("/api/v1/projects/?tag=rag").json()["results"]] == ["docs-qa"]
    assert [p["slug"] for p in api.get("/api/v1/projects/?q=transl").json()["results"]] == ["translation-agent"]


def test_paging_through_a_sort_with_ties_shows_each_project_once(api, team):
    for name in ("Delta", "Alpha", "Charlie", "Bravo", "Echo"):
        ProjectFactory(team=team, name=name, stage="pilot")

    seen = [
        item["name"]
        for page in range(1, 6)
        for item in api.get(f"/api/v1/projects/?ordering=stage&page_size=1&page={page}").json()["results"]
    ]

    assert sorted(seen) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]


def test_an_empty_ordering_falls_back_to_the_name(api, team):
    for name in ("Bravo", "Alpha"):
        ProjectFactory(team=team, name=name)

    names = [item["name"] for item in api.get("/api/v1/projects/?ordering=,").json()["results"]]

    assert names == ["Alpha", "Bravo"]


def test_list_orders_and_paginates(api, project):
    for n in range(3):
        ProjectFactory(team=project.team, name=f"Z{n}", slug=f"z{n}")

    page = api.get("/api/v1/projects/?ordering=-name&page_size=2").json()

    assert page["count"] == 4 and [p["slug"] for p in page["results"]] == ["z2", "z1"]


def test_component_secrets_are_write_only(api, project):
    response = post(
        api,
        "/api/v1/components/",
        {"project": "docs-qa", "kind": "vector_store", "name": "Vectors", "secrets": {"api_key": "sk-secret-1"}},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["has_secrets"] is True and "secrets" not in body and "sk-secret-1" not in response.content.decode()
    assert "sk-secret-1" not in api.get(f"/api/v1/components/{body['id']}/").content.decode()


def test_component_rejects_an_unknown_connector(api, project):
    response = post(
        api, "/api/v1/components/", {"project": "docs-qa", "kind": "mlflow", "name": "M", "connector": "nope"}
    )

    assert response.status_code == 400 and "connector" in response.json()["errors"]


def test_component_rejects_attributes_of_another_kind(api, project):
    response = post(
        api,
        "/api/v1/components/",
        {"project": "docs-qa", "kind": "model_endpoint", "name": "E", "attributes": {"x": "1"}},
    )

    assert response.status_code == 400
    assert response.json()["errors"]["attributes"][0].startswith("Unknown attribute(s) for this kind: x.")


def test_components_filter_by_project(api, project, other_team):
    other = ProjectFactory(team=other_team, slug="other")
    Component.objects.create(project=project, kind="prompt_set", name="Mine")
    Component.objects.create(project=other, kind="prompt_set", name="Theirs")

    names = [c["name"] for c in api.get("/api/v1/components/?project=docs-qa").json()["results"]]

    assert names == ["Mine"]


def test_me_describes_the_user(api, member, team):
    body = api.get("/api/v1/me").json()

    assert (body["username"], body["role"], body["teams"], body["token"]) == ("member", "member", ["search"], None)


def test_unauthenticated_requests_get_401_in_words(client):
    response = client.get("/api/v1/projects/")

    assert response.status_code == 401 and response.json() == {
        "detail": "Authentication credentials were not provided.",
        "errors": {},
    }


def test_unknown_project_is_404_in_words(api):
    response = api.get("/api/v1/projects/nope/")

    assert response.status_code == 404 and response.json() == {"detail": "Not found.", "errors": {}}


def test_list_query_count_does_not_grow_with_projects(api, team, django_assert_max_num_queries):
    for n in range(30):
        project = ProjectFactory(team=team, slug=f"p{n}", name=f"P{n}")
        project.tags.add(TagFactory(name=f"t{n}", slug=f"t{n}"))
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/projects/?page_size=30").json()["count"] == 30
    assert Project.objects.count() == 30


def test_archive_works_without_a_trailing_slash(api, project):
    response = api.post("/api/v1/projects/docs-qa/archive")

    assert response.status_code == 200 and response.json()["is_archived"] is True

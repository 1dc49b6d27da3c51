"""Every ``/api/`` address answers JSON in the shared error shape, whatever went wrong and wherever: unknown paths,
parameters that match no route, wrong methods, bad paging; and the schema documents the errors it answers."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture
def api(client, member):
    client.force_login(member)
    return client


def assert_error_shape(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail", "errors"}


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "url", ["/api/nothing-here", "/api/v1/nothing-here/", "/api/v1/projects/%C2%84/gate", "/api/v1/assessments/x/"]
)
def test_an_unknown_api_address_answers_json_404_even_in_debug(api, settings, debug, url):
    settings.DEBUG = debug

    assert_error_shape(api.get(url), 404)


def test_an_unknown_api_address_answers_json_to_anonymous_users_too(client):
    assert_error_shape(client.get("/api/v1/nothing-here/"), 404)


def test_a_wrong_method_answers_json_405_with_allow(api):
    response = api.delete("/api/v1/projects/")

    assert_error_shape(response, 405)
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("page_size", ["null", "0", "-3", "ten", "501"])
def test_a_bad_page_size_is_refused_not_ignored(api, project, page_size):
    response = api.get(f"/api/v1/projects/?page_size={page_size}")

    assert_error_shape(response, 400)
    assert response.json()["errors"]["page_size"]


def test_every_operation_documents_the_shared_errors():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            wanted = {"400", "401", "403"} | ({"404"} if "{" in path else set())
            lacking = wanted - {str(code) for code in operation["responses"]}
            if lacking:
                missing.append(f"{method.upper()} {path}: {sorted(lacking)}")
    assert not missing, missing


def test_a_project_create_refused_by_the_gate_is_documented_as_409():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    assert "409" in schema["paths"]["/api/v1/projects/"]["post"]["responses"]
    assert "409" in schema["paths"]["/api/v1/projects/{slug}/"]["patch"]["responses"]


# --- Requests the schema calls invalid are refused with 400, not quietly read as something else.


def test_an_unknown_filter_value_is_refused(api, project):
    assert_error_shape(api.get("/api/v1/assessments/?state=AAA"), 400)
    assert_error_shape(api.get("/api/v1/projects/?archived=null"), 400)


def test_an_empty_filter_filters_nothing(api, project):
    assert api.get("/api/v1/projects/?stage=&archived=").json()["count"] == 1


def test_members_must_be_a_list_not_an_object(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/api/v1/teams/", {"name": "Legal", "slug": "legal", "members": {}}, content_type="application/json"
    )

    assert_error_shape(response, 400)
    assert response.json()["errors"]["members"]


def test_an_empty_string_is_not_read_as_no_project(api, project):
    response = api.post(
        "/api/v1/tokens/", {"name": "script", "scope": "read", "project": ""}, content_type="application/json"
    )

    assert_error_shape(response, 400)
    assert api.post("/api/v1/tokens/", {"name": "script", "scope": "read", "project": None},
                    content_type="application/json").status_code == 201  # fmt: skip


def test_blank_and_null_values_are_documented_as_such():
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    assert {"type": "string", "maxLength": 0} in components["PushedEvaluation"]["properties"]["run_url"]["oneOf"]
    assert components["Waiver"]["properties"]["component"]["nullable"] is True


def test_a_number_is_not_text_in_the_json_api(client, admin_user, project):
    client.force_login(admin_user)
    team = client.post(
        "/api/v1/teams/", {"name": "Legal", "slug": "legal", "description": 0}, content_type="application/json"
    )
    renamed = client.patch("/api/v1/projects/docs-qa/", {"name": 42}, content_type="application/json")

    assert_error_shape(team, 400)
    assert_error_shape(renamed, 400)
    assert team.json()["errors"]["description"] == ["Send text (a JSON string)."]


def test_an_imported_yaml_number_in_a_text_field_is_still_read_as_text(team):
    from registry.importers import import_files
    from registry.models import Project

    result = import_files([("inventory.yaml", b"projects:\n  - {slug: y2024, name: 2024, team: search}\n")])

    assert result.ok, result.errors
    assert Project.objects.get(slug="y2024").name == "2024"


def test_an_empty_page_number_is_an_invalid_page(api, project):
    assert_error_shape(api.get("/api/v1/projects/?page="), 404)


@pytest.mark.parametrize(("archived", "status"), [("true", 200), ("false", 200), ("", 200), ("1", 400), ("True", 400)])
def test_a_yes_no_filter_takes_the_values_its_schema_lists(api, project, archived, status):
    parameter = next(
        p
        for p in SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/v1/projects/"]["get"][
            "parameters"
        ]
        if p["name"] == "archived"
    )

    assert (archived in parameter["schema"]["enum"]) == (status == 200)
    assert api.get(f"/api/v1/projects/?archived={archived}").status_code == status


def test_an_empty_ordering_is_documented_as_the_default_order(api, project):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ordering = next(p for p in schema["paths"]["/api/v1/projects/"]["get"]["parameters"] if p["name"] == "ordering")

    assert "" in ordering["schema"]["items"]["enum"]
    assert api.get("/api/v1/projects/?ordering=").status_code == 200
    assert_error_shape(api.get("/api/v1/projects/?ordering=nonsense"), 400)

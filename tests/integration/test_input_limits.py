"""Bounded input: YAML, CSV, JSON and numbers a user sends cost bounded work and get a 400 naming the limit.

Before these limits a 476-byte YAML alias bomb cost 13 s and 1.2 GB in an import dry run, a 100,000-deep JSON
body raised ``RecursionError`` (500), ``"1e1000000"`` as a numeric answer froze the server for 24 s, and
malformed Backstage files and over-long CSV fields ended in 500s. Each test here failed before the change.
"""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services as account_services
from assessments import services as assessment_services
from assessments.models import Answer
from config import limits
from questionnaires.validation import validate_text
from registry.importers import import_files
from registry.models import Project

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def alias_bomb(levels, width=9):
    """Each level lists the previous one ``width`` times: ``width ** levels`` values once expanded."""
    lines = ['l0: &l0 ["lol"]']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + f"\nprojects: *l{levels}\n"


def nested(depth):
    return "projects:\n  - slug: deep\n    links: " + "[" * depth + "]" * depth + "\n"


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def api(member):
    _, raw = account_services.token_create(user=member, name="limits", scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def impact(project, member, assessment_questionnaires):
    return assessment_services.assessment_start(project=project, kind="impact", actor=member)


def autosave(client, assessment, qid, body):
    return client.post(
        reverse("assessments:answer-save", args=[assessment.pk, qid]), data=body, content_type="application/json"
    )


def deep_json(depth):
    return '{"value": ' + "[" * depth + "]" * depth + ', "expected_version": 0}'


# --- YAML ---------------------------------------------------------------------------------------------------------


def test_an_alias_bomb_in_an_inventory_import_is_refused_naming_the_limit(team):
    result = import_files([("bomb.yaml", alias_bomb(6).encode())], dry_run=True)

    assert len(result.errors) == 1
    assert result.errors[0].startswith("bomb.yaml:")
    assert "PLUMBLINE_INPUT_MAX_NODES" in result.errors[0]


def test_a_few_aliases_within_the_budget_still_import(team):
    text = (
        "defaults: &defaults {team: search, exposure: internal}\n"
        "projects:\n"
        "  - {<<: *defaults, slug: one, name: One}\n"
        "  - {<<: *defaults, slug: two, name: Two}\n"
    )
    result = import_files([("aliases.yaml", text.encode())])

    assert result.ok, result.errors
    assert sorted(Project.objects.values_list("slug", flat=True)) == ["one", "two"]


def test_an_alias_bomb_in_a_questionnaire_is_a_located_problem():
    report = validate_text(alias_bomb(6), "bomb.yaml")

    assert report.definition is None
    assert any("PLUMBLINE_INPUT_MAX_NODES" in p.message for p in report.problems)


def test_deep_yaml_nesting_is_refused_naming_the_limit(team):
    result = import_files([("deep.yaml", nested(5000).encode())])

    assert len(result.errors) == 1 and "PLUMBLINE_INPUT_MAX_DEPTH" in result.errors[0]
    assert result.errors[0].startswith("deep.yaml:3:")


def test_deep_nesting_in_a_questionnaire_is_a_located_problem():
    report = validate_text("slug: x\nsections: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")

    assert any("PLUMBLINE_INPUT_MAX_DEPTH" in p.message and p.line == 2 for p in report.problems)


def test_an_oversized_yaml_value_is_refused_naming_the_limit(team, settings):
    settings.PLUMBLINE_INPUT_MAX_FIELD_CHARS = 1000
    text = "projects:\n  - slug: big\n    description: " + "x" * 1001 + "\n"

    result = import_files([("big.yaml", text.encode())])

    assert len(result.errors) == 1 and "PLUMBLINE_INPUT_MAX_FIELD_CHARS" in result.errors[0]
    assert result.errors[0].startswith("big.yaml:3:")


# --- Malformed Backstage and CSV imports ----------------------------------------------------------------------------


BACKSTAGE = """apiVersion: backstage.io/v1alpha1
kind: System
metadata: {metadata}
spec:
  owner: group:default/search
"""


@pytest.mark.parametrize(
    "metadata, message",
    [
        ("[1, 2]", "metadata: must be a mapping"),
        ("{name: shop, annotations: oops}", "metadata.annotations: must be a mapping"),
        ("{name: shop, links: oops}", "metadata.links: must be a list"),
        ("{name: shop, tags: 7}", "metadata.tags: must be a list"),
    ],
)
def test_malformed_backstage_metadata_is_a_located_error(team, metadata, message):
    result = import_files([("catalog-info.yaml", BACKSTAGE.format(metadata=metadata).encode())])

    assert any(e.startswith("catalog-info.yaml:1:") and message in e for e in result.errors), result.errors


def test_malformed_backstage_spec_and_child_are_located_errors(team):
    text = (
        "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: shop}\nspec: [1]\n---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata: {name: vectors, annotations: 3}\n"
        "spec: {system: shop, type: vector-store, dependencyOf: oops}\n"
    )
    result = import_files([("catalog-info.yaml", text.encode())])

    assert any(e.startswith("catalog-info.yaml:1:") and "spec: must be a mapping" in e for e in result.errors)


def test_a_csv_field_over_the_limit_names_file_line_and_limit(team):
    text = "slug,name,team,description\nok,OK,search,fine\nbig,Big,search," + "x" * 140_000 + "\n"

    result = import_files([("inventory.csv", text.encode())])

    assert len(result.errors) == 1
    assert result.errors[0].startswith("inventory.csv:3:") and "PLUMBLINE_INPUT_MAX_FIELD_CHARS" in result.errors[0]


def test_the_import_page_answers_400_with_the_error_for_a_malformed_file(member_client, team):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("catalog-info.yaml", BACKSTAGE.format(metadata="[1, 2]").encode())
    response = member_client.post(reverse("registry:import"), {"files": upload, "dry_run": "on"})

    assert response.status_code == 400
    assert "catalog-info.yaml:1: metadata: must be a mapping" in response.content.decode()


def test_the_import_page_answers_400_to_an_alias_bomb(member_client, team):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bomb.yaml", alias_bomb(6).encode())
    response = member_client.post(reverse("registry:import"), {"files": upload, "dry_run": "on"})

    assert response.status_code == 400
    assert "PLUMBLINE_INPUT_MAX_NODES" in response.content.decode()


# --- JSON depth ---------------------------------------------------------------------------------------------------


def test_a_deeply_nested_api_body_is_a_400_naming_the_limit(api, impact):
    response = api.put(
        f"/api/v1/assessments/{impact.pk}/answers/i.cost.build", deep_json(100_000), content_type="application/json"
    )

    assert response.status_code == 400
    assert "PLUMBLINE_INPUT_MAX_DEPTH" in response.json()["detail"]


def test_a_deeply_nested_api_body_on_another_endpoint_is_a_400(api, project):
    body = '{"description": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api.patch(f"/api/v1/projects/{project.slug}/", body, content_type="application/json")

    assert response.status_code == 400 and "PLUMBLINE_INPUT_MAX_DEPTH" in response.json()["detail"]


def test_a_deeply_nested_autosave_body_is_a_400_naming_the_limit(member_client, impact):
    response = autosave(member_client, impact, "i.cost.build", deep_json(100_000))

    assert response.status_code == 400
    assert "PLUMBLINE_INPUT_MAX_DEPTH" in response.json()["detail"]
    assert not Answer.objects.filter(assessment=impact).exists()


def test_deep_json_in_the_component_form_is_a_field_error(member_client, project):
    response = member_client.post(
        reverse("registry:component-create", args=[project.slug]),
        {"kind": "vector_store", "name": "Vectors", "connector_settings": "[" * 100_000 + "]" * 100_000},
    )

    assert response.status_code in (200, 400)
    assert "PLUMBLINE_INPUT_MAX_DEPTH" in response.content.decode()


# --- Numbers ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e1000000", "9" * 5000, 10**400, "1e-1000000"])
def test_a_huge_number_answer_through_the_api_is_a_field_error_naming_the_limit(api, impact, value):
    response = api.put(
        f"/api/v1/assessments/{impact.pk}/answers/i.cost.build", {"value": value, "expected_version": 0}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "PLUMBLINE_NUMBER_MAX_DIGITS" in json.dumps(response.json())
    assert not Answer.objects.filter(assessment=impact).exists()


def test_a_huge_number_in_autosave_is_a_field_error_naming_the_limit(member_client, impact):
    response = autosave(member_client, impact, "i.cost.build", json.dumps({"value": "1e1000000"}))

    assert response.status_code == 400
    assert "PLUMBLINE_NUMBER_MAX_DIGITS" in response.json()["errors"]["value"][0]


def test_a_huge_number_in_a_group_answer_row_is_refused(member_client, impact):
    response = autosave(
        member_client, impact, "i.uses.intended", json.dumps({"value": [{"use": "search", "share": "1e1000000"}]})
    )

    assert response.status_code == 400 and "PLUMBLINE_NUMBER_MAX_DIGITS" in response.json()["detail"]


def test_ordinary_numbers_are_still_accepted(member_client, impact):
    response = autosave(member_client, impact, "i.cost.build", json.dumps({"value": "1,250,000.50"}))

    assert response.status_code == 200, response.content
    assert Answer.objects.get(assessment=impact, question_id="i.cost.build").value == 1250000.5


def test_a_huge_number_in_an_imported_money_field_is_a_located_error(team):
    text = "slug,name,team,run_cost_per_month\nbig,Big,search,1e1000000\n"

    result = import_files([("inventory.csv", text.encode())])

    assert len(result.errors) == 1 and result.errors[0].startswith("inventory.csv:2: run_cost_per_month:")
    assert "PLUMBLINE_NUMBER_MAX_DIGITS" in result.errors[0]


def test_a_huge_id_in_the_compare_query_string_is_not_a_500(member_client, project):
    url = reverse("assessments:compare", args=[project.slug])
    response = member_client.get(url, {"a": "9" * 30, "b": "1"})

    assert response.status_code == 302


# --- Surrogates ---------------------------------------------------------------------------------------------------


def test_a_lone_surrogate_in_an_api_answer_is_refused_like_nul(api, impact):
    response = api.put(
        f"/api/v1/assessments/{impact.pk}/answers/i.cost.build",
        '{"value": "12", "comment": "bad \\ud800 half", "expected_version": 0}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"comment": [limits.SURROGATE_MESSAGE]}
    assert not Answer.objects.filter(assessment=impact).exists()


def test_a_lone_surrogate_in_autosave_is_refused_and_the_page_still_renders(member_client, impact):
    response = autosave(member_client, impact, "i.cost.build", '{"value": "12", "comment": "x \\udfff"}')

    assert response.status_code == 400 and response.json()["errors"] == {"comment": [limits.SURROGATE_MESSAGE]}
    assert member_client.get(impact.get_absolute_url()).status_code == 200


def test_a_proper_surrogate_pair_is_an_ordinary_character(member_client, impact):
    response = autosave(member_client, impact, "i.cost.build", '{"value": "12", "comment": "ok \\ud83d\\ude00"}')

    assert response.status_code == 200
    assert Answer.objects.get(assessment=impact).comment == "ok \U0001f600"


def test_answers_stored_with_lone_surrogates_before_the_rule_are_repaired_so_the_page_renders(
    member_client, impact, member
):
    """Before the rule a lone surrogate reached the database in JSON values; the data migration replaces it.

    Only SQLite (the default) stored one: PostgreSQL's jsonb refuses a lone surrogate, so there it was a 500 at save.
    """
    import importlib

    from django.apps import apps
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("only SQLite ever stored a lone surrogate; PostgreSQL's jsonb refuses one")

    answer = Answer.objects.create(assessment=impact, question_id="i.cost.link", value="see \ud800 here", version=1)
    answer.revisions.create(version=1, value={"rows": ["\udfff"]}, by=member)
    repair = importlib.import_module("assessments.migrations.0003_replace_lone_surrogates")

    repair.replace_lone_surrogates(apps, None)

    answer.refresh_from_db()
    assert answer.value == "see \ufffd here"
    assert answer.revisions.get().value == {"rows": ["\ufffd"]}
    assert member_client.get(impact.get_absolute_url() + "?section=i.cost").status_code == 200

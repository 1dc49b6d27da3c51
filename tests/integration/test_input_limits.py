"""Bounded input: YAML, CSV, JSON and numbers a user sends cost bounded work and get a 400 naming the limit.

Before these limits a 476-byte YAML alias bomb cost 13 s and 1.2 GB in an import dry run, a 100,000-deep JSON
body raised ``RecursionError`` (500), ``"1e1000000"`` as a numeric answer froze the server for 24 s, and
malformed Backstage files and over-long CSV fields ended in 500s. Each test here failed before the change.
"""


import pytest
from django.urls import reverse

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

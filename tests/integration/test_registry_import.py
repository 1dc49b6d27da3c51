"""Import and export of the inventory: located errors, all-or-nothing, Backstage catalogs, round trips."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from registry import exporters, selectors
from registry.importers import import_files
from registry.models import ChangeRecord, Component, Project
from tests.factories import ComponentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

DATA = Path(__file__).resolve().parent.parent / "data" / "import"


def load(name):
    return (name, (DATA / name).read_bytes())


def test_bad_rows_are_reported_with_file_and_line(team):
    result = import_files([load("bad_rows.csv")])

    assert not result.ok
    assert "bad_rows.csv:3: run_cost_per_month: Ensure this value is greater than or equal to 0." in result.errors
    assert any(e.startswith("bad_rows.csv:4: team:") and "nowhere" in e for e in result.errors)
    assert any(e.startswith("bad_rows.csv:5: links") and "ftp://example.com" in e for e in result.errors)
    assert "bad_rows.csv:6: uses_rag: write true or false, not 'maybe'." in result.errors


def test_a_bad_row_imports_nothing(team):
    import_files([load("bad_rows.csv")])

    assert not Project.objects.filter(slug="good-one").exists()


def test_yaml_import_creates_projects_with_components_and_history(team, member):
    result = import_files([load("inventory.yaml")], actor=member)

    assert result.ok, result.errors
    project = Project.objects.get(slug="ticket-summariser")
    assert sorted(c.name for c in project.components.all()) == ["Endpoint", "Repository"]
    assert sorted(t.name for t in project.tags.all()) == ["pii", "support"]
    assert (
        project.changes.filter(action=ChangeRecord.Action.IMPORT, object_type="project")
        .get()
        .note.startswith("Imported from inventory.yaml:2")
    )


def test_dry_run_validates_but_imports_nothing(team):
    result = import_files([load("inventory.yaml")], dry_run=True)

    assert result.ok and result.created == ["ticket-summariser"]
    assert not Project.objects.exists()


def test_member_cannot_import_into_another_team(other_team, member, team):
    result = import_files([load("inventory.yaml")], actor=make_outsider(other_team))

    assert any("cannot create or move projects into team 'search'" in e for e in result.errors)
    assert not Project.objects.exists()


def make_outsider(other_team):
    from accounts.models import User
    from tests.factories import make_user

    return make_user(User.Role.MEMBER, teams=[other_team], username="importer")


def test_backstage_catalog_maps_systems_components_and_resources(team):
    from gates.services import policy_create

    policy = policy_create(
        rules={"format": 1, "stages": {}}, note="No requirements, so the lifecycle stage may be entered", actor=None
    )
    result = import_files([load("catalog-info.yaml")])

    assert result.ok, result.errors
    assistant = Project.objects.get(slug="shopping-assistant")
    assert (assistant.name, assistant.team, assistant.exposure, assistant.uses_rag) == (
        "Shopping assistant",
        team,
        "public",
        True,
    )
    assert assistant.links == [{"label": "Wiki", "url": "https://wiki.example.com/shopping-assistant"}]
    kinds = {c.name: (c.kind, c.attributes.get("url")) for c in assistant.components.all()}
    assert kinds == {
        "shopping-assistant-api": ("code_repository", "https://github.com/example/shopping-assistant-api"),
        "catalogue-vectors": ("vector_store", None),
    }
    summariser = Project.objects.get(slug="review-summariser")
    assert summariser.stage == "poc"
    assert summariser.changes.get(action=ChangeRecord.Action.STAGE).note == f"Gate policy v{policy.version}"
    assert summariser.components.get().attributes["url"] == "https://github.com/example/review-summariser"


def test_backstage_groups_are_reported_as_skipped(team):
    result = import_files([load("catalog-info.yaml")])

    assert any("kind Group skipped" in w for w in result.warnings)


def test_yaml_syntax_error_names_the_line():
    result = import_files([("broken.yaml", b"projects:\n  - slug: x\n   name: [unclosed\n")])

    assert result.errors and result.errors[0].startswith("broken.yaml:")


@pytest.mark.parametrize("fmt", ["csv", "yaml"])
def test_export_then_import_round_trips(fmt, project, member):
    ComponentFactory(project=project, name="Endpoint", connector="", attributes={"provider": "OpenAI", "model": "m"})
    project.tags.create(name="rag", slug="rag")
    exported = (exporters.export_csv if fmt == "csv" else exporters.export_yaml)(
        selectors.project_list().prefetch_related("components")
    )
    Project.objects.all().delete()

    result = import_files([(f"inventory.{fmt}", exported.encode())])

    assert result.ok, result.errors
    again = Project.objects.get(slug="docs-qa")
    assert (again.technical_owner, again.uses_rag, [t.name for t in again.tags.all()]) == (member, True, ["rag"])
    assert again.components.get().attributes == {"provider": "OpenAI", "model": "m"}


def test_reimporting_an_export_changes_nothing(project):
    exported = exporters.export_yaml(selectors.project_list().prefetch_related("components"))
    before = ChangeRecord.objects.count()

    result = import_files([("inventory.yaml", exported.encode())])

    assert result.ok and result.updated == ["docs-qa"]
    assert ChangeRecord.objects.count() == before


def test_export_never_contains_secrets(project):
    from registry import services

    services.component_create(
        actor=None, project=project, kind="vector_store", name="Vectors", secrets={"api_key": "sk-very-secret"}
    )
    exported = exporters.export_yaml(selectors.project_list().prefetch_related("components"))

    assert "sk-very-secret" not in exported and "encrypted" not in exported


def test_import_command_fails_with_located_errors(team, capsys):
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_inventory", str(DATA / "bad_rows.csv"))

    assert "bad_rows.csv:3: run_cost_per_month" in capsys.readouterr().err


def test_import_command_dry_run_imports_nothing(team, capsys):
    call_command("import_inventory", str(DATA / "inventory.yaml"), "--dry-run")

    assert "Would import 1 new" in capsys.readouterr().out
    assert not Component.objects.exists()


def test_export_command_writes_csv(project, capsys):
    call_command("export_inventory", "--format", "csv")

    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("slug,name,team") and "docs-qa" in out


def test_import_page_previews_errors(client, member):
    client.force_login(member)
    with open(DATA / "bad_rows.csv", "rb") as upload:
        response = client.post("/import/", {"files": upload, "dry_run": ""})

    assert response.status_code == 400
    assert "bad_rows.csv:3: run_cost_per_month" in response.content.decode()
    assert not Project.objects.exists()


def test_import_page_imports_a_valid_file(client, member):
    client.force_login(member)
    with open(DATA / "inventory.yaml", "rb") as upload:
        response = client.post("/import/", {"files": upload})

    assert response.status_code == 302
    assert Project.objects.filter(slug="ticket-summariser").exists()

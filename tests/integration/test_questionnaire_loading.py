"""Loading, immutability, version selection, carry-forward and the two management commands (database)."""

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from questionnaires import selectors
from questionnaires.models import QuestionnaireVersion
from questionnaires.services import QuestionnaireLoadError, questionnaire_load_file
from registry.models import ChangeRecord

DATA = Path(__file__).resolve().parents[1] / "data" / "questionnaires"
MATURITY = DATA / "maturity_small.yaml"


@pytest.fixture
def edited(tmp_path):
    """Write a copy of the maturity fixture with ``replace`` applied, returning its path."""

    def write(*replacements, name="maturity.yaml"):
        text = MATURITY.read_text()
        for old, new in replacements:
            assert old in text
            text = text.replace(old, new)
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


def test_loading_stores_the_version_with_its_hash_and_an_audit_record(db):
    outcome = questionnaire_load_file(path=MATURITY)
    version = outcome.version
    assert outcome.created
    assert (version.slug, version.version, version.kind, len(version.content_hash)) == (
        "test-maturity",
        "1.0.0",
        "maturity",
        64,
    )
    assert version.definition["sections"][0]["questions"][0]["weight"] == 1
    assert ChangeRecord.objects.filter(object_type="questionnaireversion", object_id=str(version.pk)).exists()


def test_loading_identical_content_again_is_a_no_op(db, edited):
    first = questionnaire_load_file(path=MATURITY).version
    reformatted = edited(("title: Test maturity", "title:   Test maturity   # same text"))
    again = questionnaire_load_file(path=reformatted)
    assert (again.created, again.version.pk) == (False, first.pk)
    assert QuestionnaireVersion.objects.count() == 1


def test_loading_changed_content_under_the_same_version_is_refused(db, edited):
    questionnaire_load_file(path=MATURITY)
    changed = edited(("Business goals are documented.", "Business goals are written down."))
    with pytest.raises(
        QuestionnaireLoadError, match=r"already loaded with different content.*give the changed file a new version"
    ):
        questionnaire_load_file(path=changed)
    assert (
        QuestionnaireVersion.objects.get().definition["sections"][0]["questions"][0]["text"]
        == "Business goals are documented."
    )


def test_an_invalid_file_is_not_loaded(db):
    with pytest.raises(QuestionnaireLoadError) as info:
        questionnaire_load_file(path=DATA / "broken" / "cycle.yaml")
    assert "cycle in conditions" in info.value.problems[0].message
    assert not QuestionnaireVersion.objects.exists()


def test_latest_version_is_the_highest_version_of_a_kind_or_slug(db, edited):
    questionnaire_load_file(path=edited(('version: "1.0.0"', 'version: "1.10.0"'), name="b.yaml"))
    questionnaire_load_file(path=edited(('version: "1.0.0"', 'version: "1.9.0"'), name="a.yaml"))
    assert selectors.latest_version("maturity").version == "1.10.0"
    assert selectors.latest_version("test-maturity").version == "1.10.0"
    assert selectors.latest_version("risk") is None


def test_version_diff_and_carry_forward_by_question_id(db, edited):
    old = questionnaire_load_file(path=MATURITY).version
    new_path = edited(
        ('version: "1.0.0"', 'version: "1.1.0"'),
        ("      - id: mat.docs.release_notes\n", "      - id: mat.docs.changelog\n"),
        ("{value: release, label: Before each release, points: 1}", "{value: weekly, label: Weekly, points: 1}"),
    )
    new = questionnaire_load_file(path=new_path).version
    assert selectors.version_diff(old, new) == {
        "new": ["mat.docs.changelog"],
        "removed": ["mat.docs.release_notes"],
        "changed": ["mat.eval.frequency"],
    }
    answers = {
        "mat.docs.goals": "yes",
        "mat.docs.release_notes": "yes",
        "mat.eval.frequency": "release",
        "mat.eval.coverage": 3,
    }
    kept, dropped = selectors.carry_forward(answers, old.definition, new.definition)
    assert kept == {"mat.docs.goals": "yes", "mat.eval.coverage": 3}
    assert dropped == ["mat.docs.release_notes", "mat.eval.frequency"]


def test_validate_command_prints_located_errors_and_fails(capsys):
    with pytest.raises(CommandError) as info:
        call_command("validate_questionnaires", str(DATA / "broken" / "duplicate_id.yaml"))
    out = capsys.readouterr().out
    assert f"{DATA / 'broken' / 'duplicate_id.yaml'}:32:13: sections[1].questions[1].id: duplicate id" in out
    assert info.value.returncode == 1


def test_validate_command_passes_on_valid_files(capsys):
    call_command("validate_questionnaires", str(DATA / "maturity_small.yaml"), str(DATA / "risk_small.yaml"))
    assert "2 questionnaire file(s) valid." in capsys.readouterr().out


def test_validate_command_exits_1_as_a_process():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "validate_questionnaires", str(DATA / "broken")],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2],
        env={"DJANGO_SETTINGS_MODULE": "config.test_settings", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 1
    assert len(result.stdout.strip().splitlines()) == len(list((DATA / "broken").glob("*.yaml")))
    assert "Traceback" not in result.stderr


def test_shipped_definitions_validate():
    shipped = Path(__file__).resolve().parents[2] / "questionnaires" / "definitions"
    if not any(shipped.glob("*.yaml")):
        pytest.skip("no shipped definitions yet")
    call_command("validate_questionnaires")


def test_load_command_loads_then_reports_unchanged(db, tmp_path, capsys):
    shutil.copy(MATURITY, tmp_path / "m.yaml")
    call_command("load_questionnaires", str(tmp_path))
    call_command("load_questionnaires", str(tmp_path))
    out = capsys.readouterr().out
    assert "loaded: test-maturity 1.0.0" in out and "unchanged: test-maturity 1.0.0" in out


def test_load_command_loads_nothing_when_any_file_is_invalid(db, tmp_path):
    shutil.copy(MATURITY, tmp_path / "a.yaml")
    shutil.copy(DATA / "broken" / "tab_indentation.yaml", tmp_path / "b.yaml")
    with pytest.raises(CommandError, match="Nothing loaded"):
        call_command("load_questionnaires", str(tmp_path))
    assert not QuestionnaireVersion.objects.exists()

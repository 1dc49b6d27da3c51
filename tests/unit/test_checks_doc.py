"""docs/checks.md is generated; a check or binding added without regenerating it would mislead readers."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

DOC = Path(__file__).resolve().parents[2] / "docs" / "checks.md"


def test_docs_checks_md_matches_the_generated_catalogue():
    out = StringIO()
    call_command("list_checks", "--markdown", stdout=out)

    assert out.getvalue().strip() == DOC.read_text().strip(), (
        "docs/checks.md is out of date: run manage.py list_checks --markdown > docs/checks.md"
    )


def test_every_check_states_what_makes_it_pass_and_fail():
    from connectors.loading import all_check_specs

    vague = [check_id for check_id, (spec, _) in all_check_specs().items() if not (spec.passes and spec.fails)]
    assert vague == []


def test_the_checks_doc_states_pass_fail_warn_and_unknown_for_every_check():
    from connectors.loading import all_check_specs

    text = DOC.read_text()
    for check_id, (spec, _) in all_check_specs().items():
        section = text.split(f"### `{check_id}`", 1)[1].split("\n### ", 1)[0]
        for state in ("pass", "fail", "warn", "unknown"):
            assert f"- **{state}**: " in section, (check_id, state)
        assert spec.passes in section
        assert spec.fails in section

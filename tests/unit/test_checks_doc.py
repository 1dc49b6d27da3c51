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

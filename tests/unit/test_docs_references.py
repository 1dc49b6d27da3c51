"""The architecture and style docs refer only to files inside the repository, and every file they name exists."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILE = re.compile(r"`([\w./<>-]+\.(?:py|md|html|js|json|toml|txt))`|\]\(([\w./-]+\.md)\)")


@pytest.mark.parametrize("doc", ["docs/architecture.md", "docs/style.md"])
def test_the_doc_names_only_files_of_the_repository(doc):
    text = (ROOT / doc).read_text()
    assert "/work/" not in text and "../" not in text
    named = {a or b for a, b in FILE.findall(text)}
    missing = sorted(
        name
        for name in named
        if ("/" in name or name.endswith(".md"))
        and "<" not in name
        and not (ROOT / name).exists()
        and not (ROOT / "docs" / name).exists()
    )
    assert missing == []

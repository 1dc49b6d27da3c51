"""The dependency direction between apps is locked by import-linter contracts (pyproject.toml, run by `make lint`):
the tree keeps them, and an app importing upwards breaks the lint."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "config", "accounts", "registry", "questionnaires", "assessments", "connectors", "gates", "frameworks", "reports",
    "webhooks", "packs",
)  # fmt: skip
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root):
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def tree(tmp_path):
    """A copy of the Python sources and the contracts, to break on purpose."""
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "*.html", "*.yaml"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_import_contract():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_copy_keeps_them_too(tree):
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("registry/selectors.py", "from assessments.models import Assessment"),
        ("questionnaires/definition.py", "from registry.models import Project"),
        ("questionnaires/types.py", "import django.db"),
        ("assessments/selectors.py", "from gates.selectors import policy_in_force"),
        ("connectors/selectors.py", "from assessments.models import Assessment"),
        ("gates/selectors.py", "from reports.selectors import portfolio_snapshot"),
        ("gates/selectors.py", "from frameworks.selectors import project_frameworks"),
        ("frameworks/selectors.py", "from reports.framework_reports import project_framework_files"),
        ("frameworks/status.py", "from frameworks.catalog import frameworks"),
        ("reports/selectors.py", "from connectors.backends.git import GitRepositoryConnector"),
    ],
)
def test_an_upward_import_breaks_the_lint(tree, module, upward):
    path = tree / module
    path.write_text(f"{upward}  # noqa\n{path.read_text()}")
    result = lint(tree)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout

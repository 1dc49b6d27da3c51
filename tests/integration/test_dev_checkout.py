"""A fresh checkout runs `manage.py` with development defaults and nothing exported; production still refuses to
start without a SECRET_KEY. Each test copies the working tree (tracked and new files, no var/ or .env) to a
temporary folder, as `git clone` would give, and runs manage.py there in a process with an empty environment."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    target = tmp_path_factory.mktemp("fresh-clone")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    assert not (target / "var").exists()
    return target


def manage(checkout, *args, **env):
    """manage.py in the checkout with nothing exported but PATH and HOME (and what a test adds)."""
    environment = {"PATH": os.environ["PATH"], "HOME": str(checkout), "LANG": "C.UTF-8", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=checkout, env=environment, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def test_check_migrate_and_validate_questionnaires_run_in_a_fresh_checkout(checkout):
    for command in (["check"], ["migrate", "--noinput", "-v0"], ["validate_questionnaires"]):
        result = manage(checkout, *command)
        assert result.returncode == 0, f"manage.py {' '.join(command)}:\n{result.stdout}{result.stderr}"
    assert (checkout / "var" / "plumbline.sqlite3").is_file()


def test_production_refuses_to_start_without_a_secret_key(checkout):
    result = manage(checkout, "check", PLUMBLINE_ENV="production")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_production_variable_alone_means_production(checkout):
    """Setting a host name is deploying: the development defaults (DEBUG, a known key) must not apply."""
    result = manage(checkout, "check", ALLOWED_HOSTS="plumbline.example.com")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr

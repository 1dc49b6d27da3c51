"""The default database, SQLite, under concurrent writes: requests wait their turn instead of failing with
"database is locked", and a many-clicked "start assessment" opens one draft.

A real file-backed database in its own process (``tests/sqlite_races.py``), configured by ``config.settings`` from
``DATABASE_URL`` as in production; the suite's own in-memory database has one connection and cannot show this.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    database = tmp_path_factory.mktemp("sqlite") / "plumbline.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_races"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_many_clicked_start_assessment_opens_one_draft_and_no_error(report):
    assert report["start"]["statuses"] == [302] * len(report["start"]["statuses"])
    assert report["start"]["assessments"] == 1


def test_concurrent_autosaves_all_land(report):
    assert report["autosave"]["statuses"] == [200] * 4
    assert report["autosave"]["answered"] == 4


def test_concurrent_project_edits_wait_instead_of_failing(report):
    assert report["edits"]["statuses"] == [200] * 4
    assert report["edits"]["description"].startswith("Edit ")


def test_concurrent_stage_moves_move_once_and_refuse_the_rest_in_words(report):
    statuses = report["moves"]["statuses"]
    assert sorted(statuses) == [200, 400, 400, 400], statuses
    assert report["moves"]["stage"] == "retired"

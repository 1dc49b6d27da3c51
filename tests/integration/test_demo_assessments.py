"""The demo portfolio tells a believable story on the day it is loaded: only the projects meant to be overdue are.

The demo is what a first-time user judges Plumbline by. Approvals are dated relative to today; a date older than
a questionnaire's validity made every production project look overdue and none on track.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command

from assessments import selectors
from assessments.demo import AGED, seed_assessments
from registry.demo import seed_inventory
from reports.selectors import portfolio_snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_questionnaires", verbosity=0)
    seed_inventory()
    assert seed_assessments() > 0


def test_only_the_deliberately_aged_projects_are_overdue(demo):
    overdue = {item["slug"] for item in portfolio_snapshot().overdue}
    due = {a.project.slug for a in selectors.due_for_reassessment(within=timedelta(0))}

    assert overdue == due == set(AGED)


def test_the_portfolio_has_projects_on_track_and_a_retired_one_counted_apart(demo):
    counts = portfolio_snapshot().counts

    assert counts["on_track"] >= 1
    assert counts["retired"] == 1

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


def test_the_portfolio_counts_a_retired_project_apart(demo):
    counts = portfolio_snapshot().counts

    assert counts["retired"] == 1


def test_a_production_project_below_its_required_verified_level_is_at_risk(demo):
    """Without evidence nothing is verified: every production project in the demo is below its required level."""
    production = [p for p in portfolio_snapshot().projects if p["stage_value"] == "production"]

    assert production
    assert {p["status"] for p in production} == {"at_risk"}


def test_demo_approvals_are_signed_off_by_every_domain_and_never_by_an_owner(demo):
    from assessments.models import Assessment, Review

    approved = Assessment.objects.filter(state="approved").select_related("project")
    assert approved.exists() and not Assessment.objects.filter(state="submitted").exists()
    for assessment in approved:
        status = selectors.approval_status(selectors.assessment_with_answers(assessment.pk))
        assert status.complete, (assessment, status.summary())
    owners = Review.objects.filter(reviewer__username__in=["bruno", "maria", "tomas", "priya", "lukas"])
    assert not owners.exists()
    assert set(Review.objects.values_list("domain", flat=True)) >= {"security", "legal", "privacy"}

"""Page 1 of the portfolio PDF is the leadership one-pager, read back with poppler from the demo portfolio:
the decisions needed with their owners, top risks, spend and value with the currency, what changed since the
last report, and a page full of content (no empty navy cover). Questions and check titles, never check ids."""

import datetime as dt
import re
import subprocess

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from assessments.demo import seed_assessments
from assessments.models import Assessment
from connectors.loading import all_check_specs
from registry.demo import seed_inventory
from registry.models import Project
from reports import services

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def run(*args, data):
    return subprocess.run(args, input=data, check=True, capture_output=True).stdout


def text_of(pdf, *pages):
    first_last = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return re.sub(r"\s+", " ", run("pdftotext", "-layout", *first_last, "-", "-", data=pdf).decode())


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo portfolio with one assessment waiting 10 days for a reviewer, reported twice: before and after a
    project is archived. Built once for the module and rolled back after."""
    folder = tmp_path_factory.mktemp("one-pager")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=folder), transaction.atomic():
        call_command("load_questionnaires", verbosity=0)
        seed_inventory()
        seed_assessments()
        waiting = Assessment.objects.filter(state=Assessment.State.APPROVED, kind="impact").order_by("id").first()
        Assessment.objects.filter(pk=waiting.pk).update(
            state=Assessment.State.SUBMITTED, submitted_at=timezone.now() - dt.timedelta(days=10), decided_at=None
        )
        first, _ = services.report_portfolio(params={})
        active = Project.objects.filter(archived_at__isnull=True).exclude(stage="retired")
        facts = {
            "first": first.file.read(),
            "production": sorted(active.filter(stage="production").values_list("name", flat=True)),
            "waiting": waiting.project.name,
            "build": active.aggregate(total=Sum("estimated_build_cost"))["total"],
        }
        gone = Project.objects.filter(archived_at__isnull=True).order_by("name").first()
        Project.objects.filter(pk=gone.pk).update(archived_at=timezone.now())
        second, _ = services.report_portfolio(params={})
        facts |= {"second": second.file.read(), "gone": gone.name}
        transaction.set_rollback(True)
    return facts


def test_page_one_names_the_production_projects_below_their_required_verified_level(demo):
    page = text_of(demo["first"], 1)

    assert "Decisions needed" in page
    assert f"({len(demo['production'])} in production)" in page
    for name in demo["production"][:3]:
        assert name in page


def test_page_one_names_the_approval_waiting_past_its_due_date_with_its_owners(demo):
    page = text_of(demo["first"], 1)

    assert "Approvals overdue (waiting more than 7 days for a reviewer): 1 of 1 waiting" in page
    assert re.search(rf"{re.escape(demo['waiting'])} Impact \S+ 10 \(overdue\)", page)


def test_page_one_has_gates_waiting_top_risks_and_spend_and_value_in_the_currency(demo):
    page = text_of(demo["first"], 1)

    assert "Stage gates waiting:" in page and "First unmet requirement" in page
    assert "Top risks" in page and "Score (1–25)" in page
    assert f"{demo['build']:,.0f}" in page and "EUR, estimated" in page and "EXPECTED VALUE" in page


def test_page_one_says_what_changed_since_the_last_report(demo):
    first, second = text_of(demo["first"], 1), text_of(demo["second"], 1)

    assert "First portfolio report for these filters" in first
    assert "What changed since the report of" in second
    assert f"No longer listed: {demo['gone']}." in second


def test_page_one_is_full_and_not_a_dark_cover(demo):
    pgm = run("pdftoppm", "-r", "20", "-gray", "-f", "1", "-l", "1", "-", data=demo["first"])
    _, width, height, _, pixels = re.match(rb"(P5)\s+(\d+)\s+(\d+)\s+(\d+)\s(.*)", pgm, re.S).groups()
    width, height = int(width), int(height)
    rows = [pixels[i * width : (i + 1) * width] for i in range(height)]
    inked = [i for i, row in enumerate(rows) if min(row) < 240]

    assert sum(pixels) / len(pixels) > 200, "page 1 is mostly dark: a cover, not a summary"
    assert len(inked) / height > 0.5, f"only {len(inked)} of {height} pixel rows carry anything"
    assert inked[-1] - inked[0] > 0.85 * height, "the content fills only part of the page"


def test_trends_are_drawn_per_assessment_kind_with_what_the_score_means(demo):
    text = text_of(demo["first"])

    for kind in ("Impact", "Risk", "Maturity"):
        assert f"{kind} trend by quarter" in text
    assert "Higher is better" in text and "Lower is better" in text
    assert "Average score" not in text


def test_no_check_id_is_shown_where_a_person_reads(demo):
    text = text_of(demo["first"])

    shown = [check_id for check_id in all_check_specs() if check_id in text]
    assert shown == []

"""The leadership portfolio PDF, read back with poppler."""

import re
import subprocess

import pytest

from reports import services
from tests.factories import ProjectFactory
from tests.reports_factories import impact_result, maturity_result, risk_result, seed_scored_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Rendered reports go to a temporary media directory, not the shared var/test-media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def portfolio_pdf(project, other_team, tmp_path):
    project.stage = "pilot"
    project.save()
    seed_scored_project(project)
    triage = ProjectFactory(team=other_team, name="Ticket triage", slug="ticket-triage", stage="production")
    seed_scored_project(
        triage,
        risk=risk_result(tier="critical", category="high_risk"),
        impact=impact_result(recommendation="proceed"),
        maturity=maturity_result(section_pcts=(100.0, 90.0, 70.0, 55.0), claimed=2, verified=2),
    )
    ProjectFactory(team=other_team, name="New idea", slug="new-idea")
    report, _ = services.report_portfolio(params={})
    path = tmp_path / "portfolio.pdf"
    path.write_bytes(report.file.read())
    return path


def text_of(path):
    raw = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return raw, re.sub(r"\s+", " ", raw)


def test_it_counts_projects_by_status(portfolio_pdf):
    raw, text = text_of(portfolio_pdf)
    # Page 1, the executive summary: two of three projects at risk (both below the level their stage needs), none
    # on track; the projects table names each status, the new idea "Not assessed".
    assert "AT RISK NEEDS ATTENTION BUILD COST RUN COST EXPECTED VALUE 2 0 " in text
    assert "of 3 projects 0 on track" in text
    statuses = {line.split()[0]: line for line in raw.splitlines() if "At risk" in line or "Not assessed" in line}
    assert "Not assessed" in statuses["New"] and "At risk" in statuses["Docs"] and "At risk" in statuses["Ticket"]


def test_it_counts_risk_tiers(portfolio_pdf):
    raw, _ = text_of(portfolio_pdf)
    header = next(i for i, line in enumerate(raw.splitlines()) if "Critical" in line and "Unassessed" in line)
    assert raw.splitlines()[header + 2].split() == ["1", "1", "0", "0", "1"]


def test_it_draws_the_section_heat_map_with_each_projects_scores(portfolio_pdf):
    _, text = text_of(portfolio_pdf)
    assert re.search(r"Ticket triage 100 90 70 55", text)
    assert re.search(r"Docs Q&A 80 60 40 20", text)


def test_it_lists_the_claimed_versus_verified_gap(portfolio_pdf):
    _, text = text_of(portfolio_pdf)
    assert "Docs Q&A Search 3 2 1 1" in text


def test_it_lists_the_projects_blocked_at_their_next_gate(portfolio_pdf):
    _, text = text_of(portfolio_pdf)
    blocked = text[text.index("Projects blocked at their next gate") :]
    assert re.search(r"Docs Q&A Search Pilot Production [1-9]", blocked)
    assert re.search(r"New idea Support Idea Proof of concept [1-9]", blocked)
    assert "Ticket triage" not in blocked


def test_its_fonts_are_embedded_and_page_one_renders(portfolio_pdf, tmp_path):
    fonts = subprocess.run(["pdffonts", str(portfolio_pdf)], check=True, capture_output=True, text=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(portfolio_pdf), str(tmp_path / "p")], check=True
    )
    assert next(tmp_path.glob("p*.png")).stat().st_size > 2000

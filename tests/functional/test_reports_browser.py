"""The portfolio dashboard in headless Chromium: accessible, and "Generate PDF" ends with a download link."""

import pytest

from tests.reports_factories import seed_scored_project

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(page, login, viewer, project):
    seed_scored_project(project)
    login(page, viewer)
    return page


def test_the_portfolio_dashboard_has_no_serious_accessibility_violations(signed_in, axe_violations):
    signed_in.goto("/reports/portfolio/")
    assert signed_in.get_by_role("heading", name="LLM portfolio").is_visible()
    assert axe_violations(signed_in) == []


def test_generate_pdf_shows_progress_then_a_download_link(signed_in, eager_celery):
    signed_in.goto("/reports/portfolio/")
    signed_in.get_by_role("button", name="Generate PDF report").click()
    signed_in.wait_for_url("**/reports/jobs/*/")
    link = signed_in.get_by_role("link", name="Download the PDF")
    link.wait_for(state="visible")
    assert signed_in.locator("#job-progress").get_attribute("value") == "100"
    with signed_in.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("plumbline-portfolio-portfolio-")

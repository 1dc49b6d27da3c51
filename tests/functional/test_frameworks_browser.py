"""The framework pages in headless Chromium: readable by assistive technology (axe-core), and a reader gets from
the project page to a control's status and why."""

import pytest

from tests.factories import make_check_result, make_recorded_assessment

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(page, login, reviewer, project):
    from assessments import selectors as assessment_selectors

    assessment_selectors._DEFINITIONS.clear()  # ids are reused across transactional tests
    make_recorded_assessment(project, "maturity", {"maturity.documentation.model_choice": "yes"})
    make_check_result(project, "git.model_choice_doc_present", "fail")
    login(page, reviewer)
    return page


def test_a_reader_follows_the_project_page_to_a_contradicted_control(signed_in, axe_violations):
    signed_in.goto("/projects/docs-qa/")
    signed_in.get_by_role("link", name="Where this project stands, control by control").click()
    assert signed_in.get_by_role("heading", name="Docs Q&A: frameworks").is_visible()
    assert axe_violations(signed_in) == []
    signed_in.get_by_role("link", name="ISO/IEC 42001:2023 Annex A").click()
    row = signed_in.get_by_role("row").filter(has_text="A.6.2.3")
    assert "Contradicted" in row.inner_text() and "git.model_choice_doc_present" in row.inner_text()
    assert axe_violations(signed_in) == []


def test_the_portfolio_coverage_page_is_accessible(signed_in, axe_violations):
    signed_in.goto("/frameworks/portfolio/")
    assert signed_in.get_by_role("heading", name="Framework coverage across the portfolio").is_visible()
    assert axe_violations(signed_in) == []

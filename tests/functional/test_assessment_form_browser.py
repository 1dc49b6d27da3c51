"""A form that never misleads (issue #16, item 4), in real headless Chromium: a refused number says "Not saved"
beside the field, which gets the focus; a double-clicked submit is one submission and a success page; evidence
refusals and an empty Attach are explained next to the input; a group answer reads as a table in the record."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments import services
from registry.models import ChangeRecord
from tests.factories import COMPLETE_MATURITY_ANSWERS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture
def impact(project, member, assessment_questionnaires):
    return services.assessment_start(project=project, kind="impact", actor=member)


@pytest.fixture
def maturity(project, member, assessment_questionnaires, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return services.assessment_start(project=project, kind="maturity", actor=member)


def test_a_refused_number_in_a_group_says_not_saved_beside_the_field_with_the_focus(
    page, login, member, impact, axe_violations
):
    login(page, member)
    page.goto(f"/assessments/{impact.pk}/?section=i.uses")
    group = page.locator('[id="q-i.uses.intended"]')
    share = group.get_by_role("spinbutton", name="Share of requests (%)").last
    expect(share).to_have_attribute("min", "0")
    expect(share).to_have_attribute("max", "100")
    group.get_by_role("textbox", name="Use").last.fill("Answer policy questions")
    share.fill("150")
    share.press("Tab")

    status = page.locator("#save-status")
    expect(status).to_have_text(re.compile(r"^Not saved: 1 answer was refused"))
    expect(group.locator(".save-error")).to_have_text("Row 1, Share of requests (%): Enter 100 or less.")
    expect(share).to_be_focused()
    expect(share).to_have_attribute("aria-invalid", "true")
    expect(share).to_have_accessible_description("Row 1, Share of requests (%): Enter 100 or less.")
    assert axe_violations(page) == []

    share.fill("70")
    share.press("Tab")
    expect(status).to_have_text("All answers saved.", timeout=15_000)
    expect(share).not_to_have_attribute("aria-invalid", "true")
    assert impact.answers.get(question_id="i.uses.intended").value == [{"use": "Answer policy questions", "share": 70}]


def test_a_refused_amount_is_not_reported_as_saved(page, login, member, impact):
    login(page, member)
    page.goto(f"/assessments/{impact.pk}/?section=i.cost")
    build = page.get_by_role("spinbutton", name="Build cost")
    build.fill("-5")
    build.press("Tab")
    expect(page.locator("#save-status")).to_contain_text("Not saved")
    expect(page.locator('[id="q-i.cost.build"] .save-error')).to_have_text("Enter 0 or more.")
    expect(build).to_be_focused()
    page.wait_for_timeout(1500)  # nothing later turns the refusal into "All answers saved."
    expect(page.locator("#save-status")).to_contain_text("Not saved")
    assert not impact.answers.filter(question_id="i.cost.build").exists()


def test_something_that_is_not_a_number_is_not_saved_as_an_empty_answer(page, login, member, impact):
    services.answer_save(assessment=impact, question_id="i.cost.run", value=100, expected_version=0, actor=member)
    login(page, member)
    page.goto(f"/assessments/{impact.pk}/?section=i.cost")
    run = page.get_by_role("spinbutton", name="Run cost per month")
    run.fill("")
    run.press_sequentially("1e")
    run.press("Tab")
    expect(page.locator("#save-status")).to_contain_text("Not saved")
    expect(page.locator('[id="q-i.cost.run"] .save-error')).to_contain_text("Enter a number")
    expect(run).to_be_focused()
    page.wait_for_timeout(1500)  # no save of an empty value follows
    assert impact.answers.get(question_id="i.cost.run").value == 100
    run.fill("120")
    run.press("Tab")
    expect(page.locator("#save-status")).to_have_text("All answers saved.", timeout=15_000)
    assert impact.answers.get(question_id="i.cost.run").value == 120


def test_a_double_clicked_submit_makes_one_submission_and_shows_success(
    page, login, member, maturity, axe_violations, monkeypatch
):
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        services.answer_save(assessment=maturity, question_id=qid, value=value, expected_version=0, actor=member)
    submit = services.assessment_submit

    def slow_submit(**kwargs):  # a big assessment takes a moment to score: the second click comes meanwhile
        submitted = submit(**kwargs)
        time.sleep(1)
        return submitted

    monkeypatch.setattr(services, "assessment_submit", slow_submit)
    login(page, member)
    page.goto(f"/assessments/{maturity.pk}/submit/")
    assert axe_violations(page) == []
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/submit/" in r.url else None)

    box = page.get_by_role("button", name="Submit for review").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_request(lambda r: r.method == "POST" and "/submit/" in r.url):
        page.mouse.click(x, y)
    page.wait_for_timeout(200)
    page.mouse.click(x, y)  # the second click, while the first submission is on its way

    expect(page.get_by_text("Submitted for review. The record is frozen")).to_be_visible()
    expect(page.get_by_text("no longer a draft")).to_have_count(0)
    expect(page.locator(".message-error")).to_have_count(0)
    assert len(posts) == 1
    maturity.refresh_from_db()
    assert maturity.state == "submitted"
    assert ChangeRecord.objects.filter(note__startswith=f"Submitted maturity assessment #{maturity.pk}").count() == 1


def test_a_renamed_executable_is_refused_next_to_the_file_input_with_the_focus(
    page, login, member, maturity, tmp_path, axe_violations
):
    fake = Path(tmp_path) / "fake.pdf"
    fake.write_bytes(EXE)
    login(page, member)
    page.goto(f"/assessments/{maturity.pk}/?section=m.docs")
    question = page.locator('[id="q-m.docs.architecture"]')
    question.locator("summary", has_text="Evidence").click()
    question.get_by_label("or a file").set_input_files(str(fake))
    question.get_by_role("button", name="Attach").click()

    question = page.locator('[id="q-m.docs.architecture"]')
    file_input = question.get_by_label("or a file")
    expect(file_input).to_be_focused()
    expect(file_input).to_have_accessible_description(re.compile("fake.pdf does not look like a PDF"))
    expect(question.locator(".field-error")).to_be_in_viewport()
    assert not maturity.answers.filter(evidence__isnull=False).exists()
    assert axe_violations(page) == []


def test_an_empty_attach_says_what_to_do(page, login, member, maturity):
    login(page, member)
    page.goto(f"/assessments/{maturity.pk}/?section=m.docs")
    question = page.locator('[id="q-m.docs.readme"]')
    question.locator("summary", has_text="Evidence").click()
    question.get_by_role("button", name="Attach").click()

    question = page.locator('[id="q-m.docs.readme"]')
    link = question.get_by_label("Link")
    expect(link).to_be_focused()
    expect(question.locator(".field-error")).to_have_text(
        "Not attached: Nothing to attach: paste a link or choose a file, then press Attach."
    )
    expect(question.locator(".field-error")).to_be_in_viewport()


def test_a_group_answer_reads_as_a_table_in_the_record(page, login, member, impact, axe_violations):
    answers = {
        "i.problem.defined": "yes",
        "i.problem.users": ["staff"],
        "i.cost.build": 1000,
        "i.cost.run": 100,
        "i.value.annual": 5000,
        "i.uses.intended": [{"use": "Answer policy questions", "share": 70}, {"use": "Draft replies", "share": 30}],
    }
    for qid, value in answers.items():
        services.answer_save(assessment=impact, question_id=qid, value=value, expected_version=0, actor=member)
    services.assessment_submit(assessment=impact, actor=member)
    login(page, member)
    page.goto(f"/assessments/{impact.pk}/")

    table = page.get_by_role("table", name="Intended uses", exact=True)
    expect(table.get_by_role("columnheader")).to_have_text(["Use", "Share of requests (%)"])
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table.get_by_role("row").nth(2).get_by_role("cell")).to_have_text(["Draft replies", "30"])
    expect(page.get_by_text("row(s)")).to_have_count(0)
    assert axe_violations(page) == []

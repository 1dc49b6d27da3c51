"""The assessment form never misleads (issue #16, item 4), as the pages render it: numbers as number inputs with
the question's bounds (group fields too), group answers as tables in the frozen record, one submission however
often "Submit" is sent, evidence refusals next to the input they are about."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services
from assessments.models import Assessment
from questionnaires import types
from registry.models import ChangeRecord
from tests.factories import COMPLETE_MATURITY_ANSWERS

pytestmark = pytest.mark.django_db
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def impact(project, member, assessment_questionnaires):
    return services.assessment_start(project=project, kind="impact", actor=member)


@pytest.fixture
def maturity(project, member, assessment_questionnaires, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return services.assessment_start(project=project, kind="maturity", actor=member)


def inputs(html, **attrs):
    """The ``<input>`` tags of ``html`` whose attributes include ``attrs`` (name -> exact value)."""
    tags = re.findall(r"<input\b[^>]*>", html)
    return [t for t in tags if all(f'{k.replace("_", "-")}="{v}"' in t for k, v in attrs.items())]


def test_number_fields_of_a_group_are_number_inputs_with_the_question_bounds(member_client, impact):
    html = member_client.get(impact.get_absolute_url() + "?section=i.uses").content.decode()
    shares = inputs(html, data_field="share")
    uses = inputs(html, data_field="use")
    assert shares and all('type="number"' in t and 'min="0"' in t and 'max="100"' in t for t in shares)
    assert uses and all('type="text"' in t for t in uses)


def test_a_money_input_refuses_negative_amounts_in_the_browser_as_the_server_does(member_client, impact):
    html = member_client.get(impact.get_absolute_url() + "?section=i.cost").content.decode()
    (build,) = inputs(html, name="i.cost.build")
    assert 'type="number"' in build and 'min="0"' in build and 'step="any"' in build
    (link,) = inputs(html, name="i.cost.link")
    assert 'type="url"' in link and "min=" not in link


def test_a_group_answer_reads_as_its_rows_not_a_count():
    question = {
        "id": "kpis",
        "type": "group",
        "fields": [
            {"id": "name", "type": "text", "text": "KPI"},
            {"id": "baseline", "type": "number", "text": "Baseline"},
            {"id": "target", "type": "number", "text": "Target"},
        ],
    }
    value = [{"name": "Handling time", "baseline": 12, "target": 8}, {"name": "CSAT", "target": 4.5}]
    assert types.display(question, value) == "KPI: Handling time, Baseline: 12, Target: 8; KPI: CSAT, Target: 4.5"
    assert types.table(question, value) == (
        ["KPI", "Baseline", "Target"],
        [["Handling time", "12", "8"], ["CSAT", "—", "4.5"]],
    )
    assert types.table(question, None) is None
    assert types.table({"id": "x", "type": "text"}, "words") is None


def test_the_frozen_record_shows_a_group_answer_as_a_table(member_client, impact, member):
    for qid, value in {
        "i.problem.defined": "yes",
        "i.problem.users": ["staff"],
        "i.cost.build": 1000,
        "i.cost.run": 100,
        "i.value.annual": 5000,
        "i.uses.intended": [{"use": "Answer policy questions", "share": 70}, {"use": "Draft replies", "share": 30}],
    }.items():
        services.answer_save(assessment=impact, question_id=qid, value=value, expected_version=0, actor=member)
    services.assessment_submit(assessment=impact, actor=member)

    html = member_client.get(impact.get_absolute_url()).content.decode()
    assert "row(s)" not in html
    table = re.search(r'<table class="answer-rows">.*?</table>', html, re.S).group(0)
    assert re.findall(r"<th scope=\"col\">(.*?)</th>", table) == ["Use", "Share of requests (%)"]
    cells = re.findall(r"<td>(.*?)</td>", table)
    assert cells == ["Answer policy questions", "70", "Draft replies", "30"]


def test_submitting_twice_is_one_submission_and_the_second_sees_success(member_client, maturity, member):
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        services.answer_save(assessment=maturity, question_id=qid, value=value, expected_version=0, actor=member)
    url = reverse("assessments:submit", args=[maturity.pk])

    first = member_client.post(url)
    maturity.refresh_from_db()
    submitted_at, content_hash = maturity.submitted_at, maturity.content_hash
    second = member_client.post(url, follow=True)

    assert first.status_code == 302
    html = second.content.decode()
    assert "no longer a draft" not in html
    assert "Submitted for review." in html
    maturity.refresh_from_db()
    assert (maturity.state, maturity.submitted_at, maturity.content_hash) == ("submitted", submitted_at, content_hash)
    assert ChangeRecord.objects.filter(note__startswith=f"Submitted maturity assessment #{maturity.pk}").count() == 1


def test_someone_else_submitting_a_submitted_assessment_is_still_told_it_is_no_longer_a_draft(
    maturity, member, team, assessment_questionnaires
):
    from accounts.models import User
    from tests.factories import make_user

    colleague = make_user(User.Role.MEMBER, teams=[team], username="colleague")
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        services.answer_save(assessment=maturity, question_id=qid, value=value, expected_version=0, actor=member)
    services.assessment_submit(assessment=maturity, actor=member)
    with pytest.raises(services.AssessmentError, match="no longer a draft"):
        services.assessment_submit(assessment=Assessment.objects.get(pk=maturity.pk), actor=colleague)


def attach(client, assessment, question_id, **data):
    return client.post(
        reverse("assessments:evidence-add", args=[assessment.pk, question_id]), data=data, follow=True
    ).content.decode()


def evidence_form(html, question_id):
    question = re.search(rf'<div class="question[^"]*" id="q-{re.escape(question_id)}".*?</fieldset>', html, re.S)
    return re.search(r'<form [^>]*class="evidence-form">.*?</form>', question.group(0), re.S).group(0)


def test_an_empty_attach_says_what_to_do_next_to_the_link_input(member_client, maturity):
    html = attach(member_client, maturity, "m.docs.architecture")
    form = evidence_form(html, "m.docs.architecture")
    assert "Nothing to attach: paste a link or choose a file, then press Attach." in form
    (link,) = inputs(form, name="url")
    assert 'aria-invalid="true"' in link and "autofocus" in link
    assert 'aria-describedby="ev-err-m.docs.architecture"' in link
    assert 'class="messages"' not in html  # not at the top of the page, out of sight


def test_an_executable_renamed_to_pdf_is_refused_next_to_the_file_input(member_client, maturity):
    upload = SimpleUploadedFile("fake.pdf", EXE, content_type="application/pdf")
    html = attach(member_client, maturity, "m.docs.architecture", file=upload)
    form = evidence_form(html, "m.docs.architecture")
    assert "fake.pdf does not look like a PDF" in form
    (file_input,) = inputs(form, name="file")
    assert 'aria-invalid="true"' in file_input and "autofocus" in file_input
    assert not maturity.answers.filter(evidence__isnull=False).exists()
    # Shown once: the next visit is a clean form.
    again = member_client.get(maturity.get_absolute_url() + "?section=m.docs").content.decode()
    assert "does not look like a PDF" not in again


def test_the_error_is_shown_only_beside_the_question_it_is_about(member_client, maturity):
    html = attach(member_client, maturity, "m.docs.architecture")
    other = evidence_form(html, "m.docs.readme")
    assert "Nothing to attach" not in other and "autofocus" not in other


def test_a_number_question_with_a_step_takes_only_values_on_that_step():
    from questionnaires.validation import validate_text

    question = {"id": "n", "type": "number", "text": "Reviewers", "min": 1, "max": 9, "step": 1}
    assert types.validate(question, 3) == 3
    with pytest.raises(types.AnswerError, match=r"Enter a value in steps of 1 from 1, e.g. 1 or 2."):
        types.validate(question, 2.5)
    assert types.type_of(question).input_attrs(question) == {"min": 1, "max": 9, "step": 1, "inputmode": "decimal"}
    money = {"id": "m", "type": "money", "text": "Budget", "step": 0.01}
    assert types.validate(money, "12.34") == 12.34
    with pytest.raises(types.AnswerError, match=r"steps of 0.01"):
        types.validate(money, "12.345")

    definition = (
        "slug: s\nversion: '1.0.0'\nkind: impact\ntitle: S\nscoring: {model: impact}\nsections:\n"
        "  - id: s.a\n    title: A\n    questions:\n"
        "      - {id: s.a.n, type: number, text: N, min: 0, step: 0.5}\n"
        "      - id: s.a.g\n        type: group\n        text: G\n"
        "        fields: [{id: v, type: number, text: V, step: 1}]\n"
    )
    report = validate_text(definition)
    assert not [p for p in report.problems if "step" in str(p)], report.problems


def test_an_evidence_error_waits_for_its_own_assessment(member_client, maturity, project, member):
    other = services.assessment_start(project=project, kind="impact", actor=member)
    member_client.post(reverse("assessments:evidence-add", args=[maturity.pk, "m.docs.architecture"]), data={})
    elsewhere = member_client.get(other.get_absolute_url()).content.decode()
    assert "Nothing to attach" not in elsewhere
    html = member_client.get(maturity.get_absolute_url() + "?section=m.docs").content.decode()
    assert "Nothing to attach" in evidence_form(html, "m.docs.architecture")

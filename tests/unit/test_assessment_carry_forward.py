"""Starting a new assessment from the last one: comments, evidence and group rows come along; what cannot is said."""

import copy

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import services
from assessments.models import Answer
from questionnaires.definition import content_hash, normalise
from questionnaires.models import QuestionnaireVersion
from tests.factories import COMPLETE_MATURITY_ANSWERS
from tests.unit.test_assessment_services import DATA, answer_all, save

# One reviewer approves: these tests are about the workflow, not approvals by domain.
pytestmark = pytest.mark.usefixtures("one_reviewer_policy")


@pytest.fixture
def maturity(project, member, assessment_questionnaires):
    return services.assessment_start(project=project, kind="maturity", actor=member)


def reopen(assessment, member, reviewer):
    services.assessment_submit(assessment=assessment, actor=member)
    services.assessment_review(assessment=assessment, reviewer=reviewer, decision="approved")
    return services.assessment_reopen(assessment=assessment, actor=member)


def answers_of(assessment):
    return {a.question_id: a for a in Answer.objects.filter(assessment=assessment).prefetch_related("evidence")}


def test_a_comment_given_without_a_value_is_carried_forward(maturity, member, reviewer):
    answer_all(maturity, member)
    save(maturity, "m.docs.architecture", None, member, comment="Being written, due in May")

    new = reopen(maturity, member, reviewer)

    assert answers_of(new)["m.docs.architecture"].comment == "Being written, due in May"
    assert "m.docs.architecture" in new.prefill["carried"]


def test_evidence_links_are_carried_forward_and_satisfy_required_evidence(maturity, member, reviewer):
    answer_all(maturity, member, {**COMPLETE_MATURITY_ANSWERS, "m.docs.architecture": "yes"})
    services.evidence_add(
        assessment=maturity, question_id="m.docs.architecture", actor=member, url="https://wiki.example.com/arch"
    )

    new = reopen(maturity, member, reviewer)

    assert [e.url for e in answers_of(new)["m.docs.architecture"].evidence.all()] == ["https://wiki.example.com/arch"]
    assert services.assessment_submit(assessment=new, actor=member).state == "submitted"


def test_removing_a_carried_evidence_file_from_the_new_draft_keeps_the_old_records_file(
    maturity, member, reviewer, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    answer_all(maturity, member, {**COMPLETE_MATURITY_ANSWERS, "m.docs.architecture": "yes"})
    upload = SimpleUploadedFile("design.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    original = services.evidence_add(
        assessment=maturity, question_id="m.docs.architecture", actor=member, upload=upload
    )
    new = reopen(maturity, member, reviewer)
    carried = answers_of(new)["m.docs.architecture"].evidence.get()
    assert (carried.file.name, carried.sha256) == (original.file.name, original.sha256)

    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(evidence=carried, actor=member)

    assert original.file.storage.exists(original.file.name)


def impact_version(change):
    """A new version of the small impact questionnaire, changed by ``change(definition)``."""
    definition = yaml.safe_load((DATA / "impact-small.yaml").read_text())
    definition = copy.deepcopy(definition)
    definition["version"] = "2.0.0"
    change(definition)
    definition = normalise(definition)
    return QuestionnaireVersion.objects.create(
        slug=definition["slug"],
        version=definition["version"],
        kind="impact",
        title=definition["title"],
        definition=definition,
        content_hash=content_hash(definition),
    )


def question(definition, qid):
    return next(q for s in definition["sections"] for q in s["questions"] if q["id"] == qid)


@pytest.fixture
def impact(project, member, assessment_questionnaires):
    draft = services.assessment_start(project=project, kind="impact", actor=member)
    answer_all(
        draft,
        member,
        {
            "i.problem.defined": "yes",
            "i.problem.users": ["staff", "customers"],
            "i.cost.build": 40000,
            "i.cost.run": 1500,
            "i.value.annual": 90000,
            "i.uses.intended": [{"use": "Search", "share": 70}, {"use": "Chat", "share": 30}],
            "i.uses.split": "By product area",
        },
    )
    return draft


def test_group_rows_are_carried_forward_when_the_new_version_drops_one_of_their_fields(impact, member, reviewer):
    def drop_share(definition):
        group = question(definition, "i.uses.intended")
        group["fields"] = [f for f in group["fields"] if f["id"] != "share"]

    services.assessment_submit(assessment=impact, actor=member)
    services.assessment_review(assessment=impact, reviewer=reviewer, decision="approved")
    impact_version(drop_share)

    new = services.assessment_reopen(assessment=impact, actor=member)

    assert answers_of(new)["i.uses.intended"].value == [{"use": "Search"}, {"use": "Chat"}]


def test_an_answer_that_no_longer_fits_the_new_version_is_named_in_the_form(impact, member, reviewer, client):
    def drop_customers(definition):
        users = question(definition, "i.problem.users")
        users["options"] = [o for o in users["options"] if o["value"] != "customers"]

    services.assessment_submit(assessment=impact, actor=member)
    services.assessment_review(assessment=impact, reviewer=reviewer, decision="approved")
    impact_version(drop_customers)

    new = services.assessment_reopen(assessment=impact, actor=member)

    assert "i.problem.users" not in answers_of(new)
    assert new.prefill["dropped"] == ["i.problem.users"]
    client.force_login(member)
    page = client.get(new.get_absolute_url()).content.decode()
    assert "Who uses it?" in page.split("How this draft was pre-filled")[1].split("</details>")[0]

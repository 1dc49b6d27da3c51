"""Submit and review racing answers, evidence and each other on real PostgreSQL: the record always verifies, and
nothing lands in an assessment once it is submitted."""

import pytest

from accounts.models import User
from assessments import services
from assessments.models import Answer, AnswerEvidence, Assessment, Review
from tests.concurrency import run_at_once
from tests.factories import COMPLETE_MATURITY_ANSWERS, make_user

pytestmark = [
    pytest.mark.usefixtures("one_reviewer_policy"),
    pytest.mark.postgres,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

THREADS = 12


@pytest.fixture
def complete_draft(project, member, assessment_questionnaires):
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        services.answer_save(assessment=draft, question_id=qid, value=value, expected_version=0, actor=member)
    return draft


def assert_record_matches_the_rows(assessment):
    """The record verifies and every stored answer, comment and evidence link is exactly what the record froze."""
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED
    assert services.assessment_verify(assessment)
    recorded = assessment.record["answers"]
    for answer in Answer.objects.filter(assessment=assessment).prefetch_related("evidence"):
        frozen = recorded.get(answer.question_id, {"value": None, "comment": "", "evidence": []})
        assert (answer.value, answer.comment) == (frozen["value"], frozen["comment"]), answer.question_id
        assert sorted(e.pk for e in answer.evidence.all()) == sorted(e["id"] for e in frozen["evidence"])


def test_answers_and_comments_saved_while_submitting_are_in_the_record_or_refused(complete_draft, member):
    def saver(i):
        def work():
            answer = Answer.objects.get(assessment=complete_draft, question_id="m.docs.owner")
            return services.answer_save(
                assessment=complete_draft,
                question_id="m.docs.owner",
                value="Alice",
                comment=f"comment {i}",
                expected_version=answer.version,
                actor=member,
            )

        return work

    works = [saver(i) for i in range(THREADS - 1)]
    works.insert(THREADS // 2, lambda: services.assessment_submit(assessment=complete_draft, actor=member))
    outcomes = run_at_once(works)

    assert not isinstance(outcomes[THREADS // 2], Exception), outcomes[THREADS // 2]
    for outcome in outcomes:
        assert not isinstance(outcome, Exception) or isinstance(
            outcome, (services.AssessmentError, services.AnswerConflict)
        ), repr(outcome)
    assert_record_matches_the_rows(complete_draft)


def test_evidence_added_while_submitting_is_in_the_record_or_refused(complete_draft, member):
    def adder(i):
        return lambda: services.evidence_add(
            assessment=complete_draft, question_id="m.docs.readme", actor=member, url=f"https://wiki.example.com/{i}"
        )

    works = [adder(i) for i in range(THREADS - 1)]
    works.insert(THREADS // 2, lambda: services.assessment_submit(assessment=complete_draft, actor=member))
    outcomes = run_at_once(works)

    assert not isinstance(outcomes[THREADS // 2], Exception), outcomes[THREADS // 2]
    assert all(not isinstance(o, Exception) or isinstance(o, services.AssessmentError) for o in outcomes)
    assert_record_matches_the_rows(complete_draft)
    added = [o for o in outcomes if isinstance(o, AnswerEvidence)]
    assert AnswerEvidence.objects.filter(answer__assessment=complete_draft).count() == len(added)


def test_two_reviewers_approving_and_returning_at_once_leave_one_decision(complete_draft, member, team):
    submitted = services.assessment_submit(assessment=complete_draft, actor=member)
    reviewers = [make_user(User.Role.REVIEWER, username=f"reviewer{i}") for i in range(THREADS)]

    def review(i):
        decision = "approved" if i % 2 else "returned"
        return lambda: services.assessment_review(
            assessment=submitted, reviewer=reviewers[i], decision=decision, comment="Add the runbook"
        )

    outcomes = run_at_once([review(i) for i in range(THREADS)])

    won = [o for o in outcomes if isinstance(o, Review)]
    assert len(won) == 1
    assert all(isinstance(o, (Review, services.AssessmentError)) for o in outcomes)
    submitted.refresh_from_db()
    assert Review.objects.filter(assessment=submitted).count() == 1
    assert submitted.state == won[0].decision
    assert (submitted.expires_at is not None) == (won[0].decision == "approved")


def test_a_record_with_a_very_large_amount_still_verifies_after_postgresql_stored_it(
    project, member, assessment_questionnaires
):
    """jsonb keeps numbers as decimals: 1.2345678901234568e16 comes back as the integer 12345678901234568."""
    impact = services.assessment_start(project=project, kind="impact", actor=member)
    answers = {
        "i.problem.defined": "yes",
        "i.problem.users": ["staff"],
        "i.cost.build": "12345678901234567.5",
        "i.cost.run": 1500,
        "i.value.annual": 5000,
    }
    for qid, value in answers.items():
        services.answer_save(assessment=impact, question_id=qid, value=value, expected_version=0, actor=member)
    services.assessment_submit(assessment=impact, actor=member)

    stored = Assessment.objects.get(pk=impact.pk)
    assert services.assessment_verify(stored)

"""Twenty people saving answers to one assessment at the same moment, on real PostgreSQL: nothing is lost."""

from functools import partial

import pytest

from accounts.models import User
from assessments import services
from assessments.models import Answer, AnswerRevision
from questionnaires.definition import content_hash, normalise
from questionnaires.models import QuestionnaireVersion
from tests.concurrency import errors_of, run_at_once
from tests.factories import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

THREADS = 20


def run_in_threads(work):
    """Run ``work(i)`` in THREADS threads released together; return the exceptions they raised."""
    return errors_of(run_at_once([partial(work, i) for i in range(THREADS)]))


@pytest.fixture
def draft(project, member, assessment_questionnaires):
    return services.assessment_start(project=project, kind="maturity", actor=member)


@pytest.fixture
def colleagues(team):
    return [make_user(User.Role.MEMBER, teams=[team], username=f"colleague{i}") for i in range(THREADS)]


@pytest.fixture
def wide_draft(project, member):
    """A draft of a questionnaire with one text question per thread."""
    definition = normalise(
        {
            "slug": "wide-maturity",
            "version": "9.0.0",
            "kind": "maturity",
            "title": "Wide",
            "scoring": {"model": "maturity", "levels": [{"level": 0, "name": "Ad hoc"}]},
            "sections": [
                {
                    "id": "w.s",
                    "title": "All",
                    "questions": [{"id": f"w.s.q{i}", "type": "text", "text": f"Q{i}"} for i in range(THREADS)],
                }
            ],
        }
    )
    QuestionnaireVersion.objects.create(
        slug="wide-maturity",
        version="9.0.0",
        kind="maturity",
        title="Wide",
        definition=definition,
        content_hash=content_hash(definition),
    )
    return services.assessment_start(project=project, kind="maturity", actor=member)


def test_twenty_concurrent_saves_to_different_answers_are_all_stored(wide_draft, colleagues):
    def work(i):
        services.answer_save(
            assessment=wide_draft, question_id=f"w.s.q{i}", value=f"answer {i}", expected_version=0, actor=colleagues[i]
        )

    assert run_in_threads(work) == []
    stored = dict(Answer.objects.filter(assessment=wide_draft).values_list("question_id", "value"))
    assert stored == {f"w.s.q{i}": f"answer {i}" for i in range(THREADS)}
    assert AnswerRevision.objects.filter(answer__assessment=wide_draft).count() == THREADS


def test_twenty_concurrent_evidence_links_on_one_answer_are_all_kept(draft, colleagues):
    def work(i):
        services.evidence_add(
            assessment=draft,
            question_id="m.docs.architecture",
            actor=colleagues[i],
            url=f"https://wiki.example.com/{i}",
        )

    assert run_in_threads(work) == []
    assert Answer.objects.get(assessment=draft, question_id="m.docs.architecture").evidence.count() == THREADS


def test_twenty_concurrent_saves_of_one_answer_lose_no_update(draft, colleagues):
    """All start from version 0: exactly one wins, nineteen get a conflict carrying the winner's value."""
    conflicts = []

    def work(i):
        try:
            services.answer_save(
                assessment=draft,
                question_id="m.docs.owner",
                value=f"owner {i}",
                expected_version=0,
                actor=colleagues[i],
            )
        except services.AnswerConflict as exc:
            conflicts.append(exc)

    assert run_in_threads(work) == []
    answer = Answer.objects.get(assessment=draft, question_id="m.docs.owner")
    assert answer.version == 1
    assert len(conflicts) == THREADS - 1
    assert {c.theirs["value"] for c in conflicts} == {answer.value}
    assert AnswerRevision.objects.filter(answer=answer).count() == 1


def test_twenty_people_retrying_after_conflicts_all_get_their_save_recorded(draft, colleagues):
    """Each thread saves with the version it last read and retries on conflict, as the form does."""

    def work(i):
        version = 0
        while True:
            try:
                services.answer_save(
                    assessment=draft,
                    question_id="m.docs.owner",
                    value=f"owner {i}",
                    expected_version=version,
                    actor=colleagues[i],
                )
                return
            except services.AnswerConflict as exc:
                version = exc.theirs["version"]

    assert run_in_threads(work) == []
    answer = Answer.objects.get(assessment=draft, question_id="m.docs.owner")
    revisions = AnswerRevision.objects.filter(answer=answer)
    assert answer.version == THREADS
    assert sorted(revisions.values_list("version", flat=True)) == list(range(1, THREADS + 1))
    assert {r.value for r in revisions} == {f"owner {i}" for i in range(THREADS)}

"""Submit sent several times at once by the same person (double click, a resent form, a retrying client) on real
PostgreSQL: one submission, one record and hash, one audit entry; everyone who sent it sees it submitted."""

import pytest

from assessments import services
from assessments.models import Assessment
from registry.models import ChangeRecord
from tests.concurrency import run_at_once
from tests.factories import COMPLETE_MATURITY_ANSWERS

pytestmark = [pytest.mark.postgres, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_submits_sent_at_once_by_the_same_person_are_one_submission(project, member, assessment_questionnaires):
    draft = services.assessment_start(project=project, kind="maturity", actor=member)
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        services.answer_save(assessment=draft, question_id=qid, value=value, expected_version=0, actor=member)

    outcomes = run_at_once(
        [lambda: services.assessment_submit(assessment=Assessment.objects.get(pk=draft.pk), actor=member)] * 4
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    draft.refresh_from_db()
    assert {(o.state, o.content_hash, o.submitted_at) for o in outcomes} == {
        ("submitted", draft.content_hash, draft.submitted_at)
    }
    assert services.assessment_verify(draft)
    assert ChangeRecord.objects.filter(note__startswith=f"Submitted maturity assessment #{draft.pk}").count() == 1

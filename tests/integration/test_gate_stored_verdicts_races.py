"""PostgreSQL: concurrent first reads of a project never judged before store one verdict per stage, without error."""

import pytest

from gates import services
from gates.models import StoredVerdict, VerdictChange
from tests.concurrency import errors_of, run_at_once
from tests.factories import make_gate_ready

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_first_reads_at_once_store_one_verdict_per_stage(project):
    make_gate_ready(project)
    StoredVerdict.objects.all().delete()
    VerdictChange.objects.all().delete()

    outcomes = run_at_once([lambda: services.verdict_current(project=project, stage="production")] * 6)

    assert errors_of(outcomes) == []
    assert StoredVerdict.objects.filter(project=project).count() == 3
    assert VerdictChange.objects.filter(project=project, stage="production").count() == 1

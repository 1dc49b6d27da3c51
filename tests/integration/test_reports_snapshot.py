"""A report reads one consistent snapshot: evidence refreshed mid-read does not mix old and new figures."""

import psycopg
import pytest
from django.db import connection

from reports import selectors
from tests.reports_factories import seed_scored_project


def _refresh_evidence_elsewhere():
    """Another process (a connector run) commits a new result while the report is being read."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname=settings["NAME"]
    ) as other:
        other.execute("UPDATE connectors_checkresult SET state = 'pass', reason = 'fixed' WHERE state = 'fail'")


@pytest.mark.postgres
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_evidence_committed_mid_read_does_not_reach_the_snapshot(project, monkeypatch):
    seed_scored_project(project)
    read_checks = selectors.check_readings

    def refresh_then_read(**kwargs):
        _refresh_evidence_elsewhere()
        return read_checks(**kwargs)

    monkeypatch.setattr(selectors, "check_readings", refresh_then_read)
    during = selectors.scorecard_snapshot(project)
    monkeypatch.setattr(selectors, "check_readings", read_checks)
    after = selectors.scorecard_snapshot(project)

    assert during.evidence_counts["fail"] == 1
    assert during.status["code"] == after.status["code"] == "at_risk"
    assert after.evidence_counts["fail"] == 0

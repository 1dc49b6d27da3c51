"""Writes of the frameworks app: issuing a portfolio coverage report stores a snapshot, so the next report can
say what changed. A snapshot is itself the record (who, when, the figures); no governance data changes."""

from django.db import transaction

from . import selectors
from .models import CoverageSnapshot


def _compact(coverage) -> dict:
    return {
        "frameworks": {
            f["key"]: {
                "totals": f["totals"],
                "projects": {
                    p["slug"]: {"verified_pct": p["verified_pct"], "claimed_pct": p["claimed_pct"]}
                    for p in f["projects"]
                },
            }
            for f in coverage["frameworks"]
        }
    }


def coverage_snapshot_create(*, user=None, now=None) -> tuple[CoverageSnapshot, dict]:
    """Issue the portfolio coverage report: the figures now, their change since the previous snapshot, stored."""
    coverage = selectors.portfolio_coverage_with_change(now=now)
    with transaction.atomic():
        snapshot = CoverageSnapshot.objects.create(
            created_by=user, projects=coverage["projects"], data=_compact(coverage)
        )
    return snapshot, coverage

"""Reads for the audit packs: the inventory with its current check readings (ML-BOM), and a project's evidence."""

from django.db.models import Prefetch
from django.utils import timezone

from assessments.models import Assessment
from connectors.models import CheckResult
from connectors.selectors import check_readings
from gates.selectors import project_standings
from registry.models import Component
from reports.selectors import consistent_snapshot


def _iso(value):
    return value.isoformat() if value else None


def _reading(r):
    return {"check_id": r.check_id, "state": r.state, "reason": r.shown_reason, "checked_at": _iso(r.checked_at)}


def bom_projects(projects, *, now=None) -> list[dict]:
    """Plain data for ``packs.bom.build``: each project with its components and their current readings (the
    same readings the gate and the reports use). Never a component's connector settings or secrets."""
    now = now or timezone.now()
    with consistent_snapshot():
        projects = list(
            projects.select_related("team")
            .prefetch_related(
                Prefetch(
                    "components",
                    queryset=Component.objects.only(
                        "id", "project_id", "kind", "name", "description", "attributes", "connector"
                    ).order_by("kind", "name", "id"),
                )
            )
            .order_by("name")
        )
        readings = check_readings(project_ids=[p.pk for p in projects], now=now)
        standings = project_standings(projects, now=now)
    out = []
    for p in projects:
        by_component, own = {}, []
        for items in readings.get(p.pk, {}).values():
            for r in items:
                (by_component.setdefault(r.component_id, []) if r.component_id else own).append(_reading(r))
        standing = standings.get(p.pk)
        out.append(
            {
                "slug": p.slug,
                "name": p.name,
                "description": p.description,
                "team": p.team.name,
                "stage": p.get_stage_display(),
                "verified_level": standing.verified_level if standing else None,
                "claimed_level": standing.claimed_level if standing else None,
                "readings": own,
                "components": [
                    {
                        "id": c.pk,
                        "kind": c.kind,
                        "name": c.name,
                        "description": c.description,
                        "attributes": dict(c.attributes or {}),
                        "connector": c.connector,
                        "readings": by_component.get(c.pk, []),
                    }
                    for c in p.components.all()
                ],
            }
        )
    return out


def pack_records(project) -> list[dict]:
    """Every submitted assessment's frozen record with the hash taken at submission, oldest first."""
    rows = (
        Assessment.objects.filter(project=project, record__isnull=False)
        .exclude(content_hash="")
        .order_by("submitted_at", "id")
        .values("id", "kind", "state", "submitted_at", "decided_at", "content_hash", "record")
    )
    return [
        {
            "assessment_id": r["id"],
            "kind": r["kind"],
            "state": r["state"],
            "submitted_at": _iso(r["submitted_at"]),
            "decided_at": _iso(r["decided_at"]),
            "content_hash": r["content_hash"],
            "record": r["record"],
        }
        for r in rows
    ]


def pack_checks(project, *, now=None) -> list[dict]:
    """Every current check result with its facts, its stored state and the state it reads as today."""
    now = now or timezone.now()
    readings = {
        (r.check_id, r.component_id): r
        for items in check_readings(project_ids=[project.pk], now=now).get(project.pk, {}).values()
        for r in items
    }
    out = []
    for result in (
        CheckResult.objects.filter(project=project)
        .select_related("component")
        .order_by("check_id", "component__name", "id")
    ):
        reading = readings.get((result.check_id, result.component_id))
        out.append(
            {
                "check_id": result.check_id,
                "component": result.component.name if result.component_id else None,
                "state": reading.state if reading else result.state,
                "stored_state": result.state,
                "reason": reading.shown_reason if reading else result.reason,
                "facts": result.facts,
                "checked_at": _iso(result.checked_at),
                "expires_at": _iso(result.expires_at),
                "connector_version": result.connector_version,
            }
        )
    return out

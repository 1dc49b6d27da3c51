"""Reads of the connectors app: current evidence with its effective state, per project and per question.

Every result is read with the one rule of ``connectors.reading`` (stale, waived, ...), here for the evidence
panel and scoring, and through ``check_readings`` for the gate and the reports. Every function runs a constant
number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from questionnaires.definition import check_bindings
from questionnaires.selectors import questions_by_check

from . import reading
from .base import CheckSpec
from .check_ids import aliases_of, canonical
from .loading import all_check_specs
from .models import CheckResult, RefreshRun, Waiver

PUSH_SOURCE = "CI push"
READING_FIELDS = (
    "project_id", "check_id", "state", "reason", "checked_at", "expires_at", "component_id", "component__name",
)  # fmt: skip
WAIVER_FIELDS = ("project_id", "check_id", "component_id", "expires_at")


@dataclass(frozen=True)
class Evidence:
    """One current result as people should read it."""

    result: CheckResult
    reading: reading.Reading
    waiver: Waiver | None
    spec: CheckSpec | None

    @property
    def state(self) -> str:
        return self.reading.state

    @property
    def stale(self) -> bool:
        return self.reading.stale

    @property
    def state_label(self) -> str:
        return self.reading.label

    @property
    def source(self) -> str:
        return self.reading.source

    @property
    def title(self) -> str:
        return self.spec.title if self.spec else self.result.check_id

    @property
    def fix(self) -> str:
        return self.spec.fix if self.spec else ""

    @property
    def old_ids(self) -> list[str]:
        return aliases_of(self.result.check_id)


def _source(component_name) -> str:
    return component_name or PUSH_SOURCE


def _active_waivers(project, now) -> list[Waiver]:
    return list(
        Waiver.objects.filter(project=project, revoked_at__isnull=True, expires_at__gt=now).select_related(
            "approved_by"
        )
    )


def _waiver_for(waivers, result) -> Waiver | None:
    matching = [w for w in waivers if w.check_id == result.check_id and w.component_id in (None, result.component_id)]
    return max(matching, key=lambda w: w.expires_at) if matching else None


def _evidence(result, waivers, specs, now) -> Evidence:
    waiver = _waiver_for(waivers, result)
    item = reading.read(
        check_id=result.check_id,
        state=result.state,
        reason=result.reason,
        checked_at=result.checked_at,
        expires_at=result.expires_at,
        now=now,
        source=_source(result.component.name if result.component_id else ""),
        component_id=result.component_id,
        waived_until=waiver.expires_at if waiver else None,
    )
    entry = specs.get(result.check_id)
    return Evidence(
        result=result,
        reading=item,
        waiver=waiver if item.state == reading.WAIVED else None,
        spec=entry[0] if entry else None,
    )


def project_checks(project, *, check_ids=None, now=None) -> list[Evidence]:
    """Every current result of the project (two queries), ordered by check id then component."""
    now = now or timezone.now()
    results = (
        CheckResult.objects.filter(project=project).select_related("component").order_by("check_id", "component__name")
    )
    if check_ids is not None:
        results = results.filter(check_id__in=[canonical(c) for c in check_ids])
    results = list(results)
    waivers = _active_waivers(project, now) if results else []
    specs = all_check_specs()
    return [_evidence(r, waivers, specs, now) for r in results]


def unknown_check_ids(check_ids) -> list[str]:
    """The ids among ``check_ids`` that name no check, old or new (for a 400 naming them)."""
    known = all_check_specs()
    return sorted({c for c in check_ids if canonical(c) not in known})


def readings_from_rows(check_rows, waiver_rows, *, now) -> dict[int, dict[str, list[reading.Reading]]]:
    """``{project_id: {check_id: [Reading]}}`` from ``READING_FIELDS`` / ``WAIVER_FIELDS`` rows (no query)."""
    waivers = defaultdict(list)
    for w in waiver_rows:
        if w["expires_at"] > now:
            waivers[w["project_id"]].append(w)
    out: dict[int, dict[str, list[reading.Reading]]] = defaultdict(lambda: defaultdict(list))
    for r in check_rows:
        out[r["project_id"]][r["check_id"]].append(
            reading.read(
                check_id=r["check_id"],
                state=r["state"],
                reason=r["reason"],
                checked_at=r["checked_at"],
                expires_at=r["expires_at"],
                now=now,
                source=_source(r["component__name"]),
                component_id=r["component_id"],
                waived_until=reading.waiver_until(waivers[r["project_id"]], r["check_id"], r["component_id"]),
            )
        )
    # A waiver of a check nothing reports (no component provides it) is the approver accepting its absence.
    for project_id, items in waivers.items():
        for w in items:
            if w["component_id"] is None and not out[project_id].get(w["check_id"]):
                until = reading.waiver_until(items, w["check_id"], None)
                out[project_id][w["check_id"]] = [
                    reading.Reading(
                        check_id=w["check_id"],
                        state=reading.WAIVED,
                        stored_state="",
                        reason="No result: the check is waived for the whole project.",
                        checked_at=None,
                        expires_at=until,
                        source="waiver",
                        waived_until=until,
                    )
                ]
    return out


def check_readings(*, project_ids=None, projects_qs=None, now=None) -> dict[int, dict[str, list[reading.Reading]]]:
    """Every project's current readings (two queries whatever the portfolio size).

    Pass ``project_ids`` (an iterable) or ``projects_qs`` (a Project queryset used as a subquery).
    """
    now = now or timezone.now()
    results = CheckResult.objects.all()
    waivers = Waiver.objects.filter(revoked_at__isnull=True, expires_at__gt=now)
    if project_ids is not None:
        ids = list(project_ids)
        results, waivers = results.filter(project_id__in=ids), waivers.filter(project_id__in=ids)
    elif projects_qs is not None:
        results, waivers = results.filter(project__in=projects_qs), waivers.filter(project__in=projects_qs)
    return readings_from_rows(list(results.values(*READING_FIELDS)), list(waivers.values(*WAIVER_FIELDS)), now=now)


def project_result(*, project, check_id, now=None) -> reading.Reading | None:
    """The reading of the project's own result of ``check_id`` (no component: the CI push), if any."""
    now = now or timezone.now()
    readings = check_readings(project_ids=[project.pk], now=now).get(project.pk, {})
    return next((r for r in readings.get(check_id, ()) if r.component_id is None), None)


def project_waivers(project) -> list[Waiver]:
    """Every waiver of the project, active first, with who approved and revoked it (one query)."""
    return list(
        Waiver.objects.filter(project=project)
        .select_related("approved_by", "revoked_by", "component")
        .order_by("revoked_at", "-expires_at")
    )


def _as_dict(item: reading.QuestionEvidence) -> dict:
    return {
        "state": item.state,
        "check_id": item.check_id,
        "reason": item.reason,
        "checked_at": item.checked_at,
        "stale": item.stale,
        "component": item.source,
    }


def bindings(definition) -> dict[str, tuple[str, ...]]:
    """Question id -> bound check ids, old ids resolved to the ids results are stored under, so a questionnaire
    version loaded before a check was renamed (``mlflow.traces_present`` -> ``traces.present``) still finds it."""
    return {
        qid: tuple(dict.fromkeys(canonical(c) for c in checks)) for qid, checks in check_bindings(definition).items()
    }


def question_evidence_from_readings(definition, readings_by_check) -> dict[str, dict]:
    """``evidence_by_question`` over readings already gathered (the gate and the reports; no query)."""
    return {
        qid: _as_dict(item)
        for qid, item in reading.question_evidence(bindings(definition), readings_by_check or {}).items()
    }


def evidence_by_question(project, definition, *, now=None) -> dict[str, dict]:
    """``{question_id: {"state", "check_id", "reason", "checked_at", "stale", "component"}}`` (two queries).

    Only questions whose bound check has at least one result appear. With several components the worst
    conclusive state wins (one failing vector store fails "chunks carry their source"), and the reason says so;
    with several bound checks (``any_of``) the most favourable check wins, and the reason names it.
    """
    bound = bindings(definition)
    if not bound:
        return {}
    wanted = {check_id for checks in bound.values() for check_id in checks}
    by_check: dict[str, list[reading.Reading]] = defaultdict(list)
    for item in project_checks(project, check_ids=wanted, now=now):
        by_check[item.result.check_id].append(item.reading)
    return {qid: _as_dict(item) for qid, item in reading.question_evidence(bound, by_check).items()}


def evidence_states_for_scoring(project, definition) -> dict[str, str]:
    """``{question_id: state}`` for ``assessments.scoring.score(..., evidence=...)`` (effective states)."""
    return {qid: item["state"] for qid, item in evidence_by_question(project, definition).items()}


def refresh_run_progress(run: RefreshRun) -> dict:
    return {
        "run_id": run.pk,
        "status": run.status,
        "components_total": run.components_total,
        "components_done": run.components_done,
        "done": run.status in (RefreshRun.Status.DONE, RefreshRun.Status.FAILED),
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def latest_refresh_run(project) -> RefreshRun | None:
    return RefreshRun.objects.filter(project=project).order_by("-created_at").first()


@dataclass(frozen=True)
class CatalogueEntry:
    spec: CheckSpec
    connectors: list[str]
    questions: list[str]
    ttl_hours: float
    old_ids: list[str]  # ids the check had before, which still resolve to it
    capability: str  # "traces", "evaluations", ... for vendor-neutral checks; "" for a back-end's own


def check_catalogue() -> list[CatalogueEntry]:
    """Every check the installed back-ends implement: what it verifies, the questions it can verify, the fix."""
    from .capabilities import MODULES

    bound = questions_by_check()
    capability_of = {spec.id: name for name, module in MODULES.items() for spec in module.CHECKS}
    return [
        CatalogueEntry(
            spec=spec,
            connectors=aliases,
            questions=sorted(set(spec.questions).union(*(bound.get(i, []) for i in [check_id, *aliases_of(check_id)]))),
            ttl_hours=spec.ttl.total_seconds() / 3600,
            old_ids=aliases_of(check_id),
            capability=capability_of.get(check_id, ""),
        )
        for check_id, (spec, aliases) in all_check_specs().items()
    ]

"""Reads of the connectors app: current evidence with its effective state, per project and per question.

Effective state: a result past ``expires_at`` reads ``unknown`` (stale) until refreshed; a result that is not
passing and has an active waiver reads ``waived``. Every function runs a constant number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from questionnaires.definition import check_bindings
from questionnaires.selectors import questions_by_check

from .base import ERROR, FAIL, NOT_APPLICABLE, PASS, UNKNOWN, WAIVED, WARN, CheckSpec
from .loading import all_check_specs
from .models import CheckResult, CheckState, RefreshRun, Waiver

# When several components answer the same question and none is conclusive, the most telling state is shown.
INCONCLUSIVE_ORDER = (WAIVED, WARN, ERROR, UNKNOWN, NOT_APPLICABLE)


@dataclass(frozen=True)
class Evidence:
    """One current result as people should read it."""

    result: CheckResult
    state: str  # effective state
    stale: bool
    waiver: Waiver | None
    spec: CheckSpec | None

    @property
    def state_label(self) -> str:
        return CheckState(self.state).label

    @property
    def title(self) -> str:
        return self.spec.title if self.spec else self.result.check_id

    @property
    def fix(self) -> str:
        return self.spec.fix if self.spec else ""


def _active_waivers(project, now) -> list[Waiver]:
    return list(
        Waiver.objects.filter(project=project, revoked_at__isnull=True, expires_at__gt=now).select_related(
            "approved_by"
        )
    )


def _waiver_for(waivers, result) -> Waiver | None:
    for waiver in waivers:
        if waiver.check_id == result.check_id and waiver.component_id in (None, result.component_id):
            return waiver
    return None


def _evidence(result, waivers, specs, now) -> Evidence:
    stale = result.expires_at <= now
    state = UNKNOWN if stale else result.state
    waiver = _waiver_for(waivers, result)
    if waiver and state not in (PASS, NOT_APPLICABLE):
        state = WAIVED
    else:
        waiver = None
    entry = specs.get(result.check_id)
    return Evidence(result=result, state=state, stale=stale, waiver=waiver, spec=entry[0] if entry else None)


def project_checks(project, *, check_ids=None) -> list[Evidence]:
    """Every current result of the project (two queries), ordered by check id then component."""
    now = timezone.now()
    results = (
        CheckResult.objects.filter(project=project).select_related("component").order_by("check_id", "component__name")
    )
    if check_ids is not None:
        results = results.filter(check_id__in=list(check_ids))
    results = list(results)
    waivers = _active_waivers(project, now) if results else []
    specs = all_check_specs()
    return [_evidence(r, waivers, specs, now) for r in results]


def project_waivers(project) -> list[Waiver]:
    """Every waiver of the project, active first, with who approved and revoked it (one query)."""
    return list(
        Waiver.objects.filter(project=project)
        .select_related("approved_by", "revoked_by", "component")
        .order_by("revoked_at", "-expires_at")
    )


def _combine(items: list[Evidence]) -> tuple[Evidence, str]:
    """The evidence that speaks for the question, and the reason to show, when several components answer."""
    conclusive = [e for e in items if e.state in (PASS, FAIL)]
    if conclusive:
        failing = [e for e in conclusive if e.state == FAIL]
        chosen = failing[0] if failing else conclusive[0]
    else:
        chosen = min(items, key=lambda e: INCONCLUSIVE_ORDER.index(e.state) if e.state in INCONCLUSIVE_ORDER else 99)
    reason = chosen.result.reason
    if len(items) > 1:
        if conclusive:
            failing = sum(1 for e in conclusive if e.state == FAIL)
            summary = (
                f"{failing} of {len(items)} components fail this check; the worst conclusive result counts. "
                if failing
                else f"All {len(conclusive)} conclusive results of {len(items)} components pass. "
            )
        else:
            summary = f"None of the {len(items)} components gave a conclusive result. "
        reason = f"{summary}{chosen.result.component.name}: {reason}"
    return chosen, reason


# For an ``any_of`` binding the most favourable check speaks for the question: one pass verifies it, and it
# reads fail only when every bound check that answered failed (an unknown one might still pass).
ANY_OF_ORDER = (PASS, WAIVED, WARN, UNKNOWN, ERROR, NOT_APPLICABLE, FAIL)


def evidence_by_question(project, definition) -> dict[str, dict]:
    """``{question_id: {"state", "check_id", "reason", "checked_at", "stale", "component"}}`` (two queries).

    Only questions whose bound check has at least one result appear. With several components the worst
    conclusive state wins (one failing vector store fails "chunks carry their source"), and the reason says so;
    with several bound checks (``any_of``) the most favourable check wins, and the reason names it.
    """
    bound = check_bindings(definition)
    if not bound:
        return {}
    by_check: dict[str, list[Evidence]] = {}
    wanted = {check_id for checks in bound.values() for check_id in checks}
    for item in project_checks(project, check_ids=wanted):
        by_check.setdefault(item.result.check_id, []).append(item)
    evidence = {}
    for question_id, check_ids in bound.items():
        candidates = [(check_id, *_combine(by_check[check_id])) for check_id in check_ids if by_check.get(check_id)]
        if not candidates:
            continue
        check_id, chosen, reason = min(candidates, key=lambda c: ANY_OF_ORDER.index(c[1].state))
        if len(check_ids) > 1:
            reason = f"{check_id} (any of {', '.join(check_ids)}): {reason}"
        evidence[question_id] = {
            "state": chosen.state,
            "check_id": check_id,
            "reason": reason,
            "checked_at": chosen.result.checked_at,
            "stale": chosen.stale,
            "component": chosen.result.component.name,
        }
    return evidence


def evidence_states_for_scoring(project, definition) -> dict[str, str]:
    """``{question_id: state}`` for ``assessments.scoring.score(..., evidence=...)``; stale reads unknown."""
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


def check_catalogue() -> list[CatalogueEntry]:
    """Every check the installed back-ends implement: what it verifies, the questions it can verify, the fix."""
    bound = questions_by_check()
    return [
        CatalogueEntry(
            spec=spec,
            connectors=aliases,
            questions=sorted(set(spec.questions) | set(bound.get(check_id, []))),
            ttl_hours=spec.ttl.total_seconds() / 3600,
        )
        for check_id, (spec, aliases) in all_check_specs().items()
    ]

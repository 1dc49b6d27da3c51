"""Reads for the stage gate: gather one project's facts in a fixed number of queries, then evaluate the policy.

The number of queries never depends on the portfolio size nor on how many stages are evaluated: the policy,
the approved assessments, the check results, the waivers and the latest CI push.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assessments.models import Assessment
from assessments.selectors import current_maturity_results
from connectors.models import PushedEvaluation
from connectors.selectors import check_readings
from registry.choices import STAGE_ORDER, Stage
from registry.models import Project

from .facts import ASSESSMENT_FIELDS, PROJECT_FIELDS, build_gate_facts, newest_approved, project_flags
from .models import EvaluationThresholds, GatePolicy, VerdictChange
from .policy import DEFAULT_RULES, GATED_STAGES, default_thresholds, evaluate


def active_policy():
    """The newest active policy version, or ``None`` before the data migration has run (see ``policy_in_force``)."""
    return GatePolicy.objects.filter(is_active=True).order_by("-version").first()


class PolicyInForce(NamedTuple):
    rules: dict
    version: int | None  # None: no saved version, the defaults apply


def policy_in_force() -> PolicyInForce:
    """The rules every gate verdict uses: the newest active policy version, else the defaults (one query)."""
    policy = active_policy()
    return PolicyInForce(policy.rules, policy.version) if policy else PolicyInForce(DEFAULT_RULES, None)


def expected_kinds_by_stage() -> dict:
    """``{stage: (kind, ...)}``: the approved assessments the policy in force requires to enter a stage, so a
    project in that stage is expected to hold them (one query). Registered with assessments in gates/apps.py."""
    return {
        stage: tuple(item["kind"] for item in spec.get("assessments", []))
        for stage, spec in policy_in_force().rules.get("stages", {}).items()
        if spec.get("assessments")
    }


def policy_list():
    return GatePolicy.objects.select_related("created_by").order_by("-version")


def scorecard_url_for(slug) -> str:
    try:
        return reverse("reports:project-scorecard", args=[slug])
    except NoReverseMatch:
        return f"/reports/projects/{slug}/scorecard.pdf"


def scorecard_url(project) -> str:
    return scorecard_url_for(project.slug)


def facts_for(projects, *, assessment_rows, readings, now):
    """``{project_id: GateFacts}`` for project rows (``PROJECT_FIELDS``), their assessment rows
    (``ASSESSMENT_FIELDS``, any state) and their readings (``connectors.selectors.check_readings``).

    The one place that turns rows into facts, for one project and for the portfolio: the newest approved maturity
    assessment of each project is scored again against the same readings (one query for their records).
    """
    approved = newest_approved(assessment_rows)
    maturity_ids = [kinds["maturity"]["id"] for kinds in approved.values() if "maturity" in kinds]
    records = dict(Assessment.objects.filter(pk__in=maturity_ids).values_list("pk", "record")) if maturity_ids else {}
    maturity_rows = [
        {**kinds["maturity"], "record": records.get(kinds["maturity"]["id"])}
        for kinds in approved.values()
        if "maturity" in kinds
    ]
    return build_gate_facts(
        projects,
        approved=approved,
        readings=readings,
        maturity_now=current_maturity_results(maturity_rows, readings),
        now=now,
        scorecard_url=scorecard_url_for,
    )


def gate_facts(*, project, now=None):
    """``(rules, policy_version, facts)`` for one project, in a fixed number of queries whatever the portfolio."""
    now = now or timezone.now()
    rules, version = policy_in_force()
    # Every approved assessment of the project (a handful a year, light columns); the builder keeps the newest of
    # each kind. Cheaper than a window function, whose SQL Django compiles anew on every call.
    assessment_rows = list(
        Assessment.objects.filter(project=project, state=Assessment.State.APPROVED).values(*ASSESSMENT_FIELDS)
    )
    row = {field: getattr(project, field) for field in PROJECT_FIELDS}
    facts = facts_for(
        [row], assessment_rows=assessment_rows, readings=check_readings(project_ids=[project.pk], now=now), now=now
    )[project.pk]
    return rules, version, facts


def gate_verdict(*, project, stage):
    """May ``project`` enter ``stage`` under the policy in force? See ``gates.policy.evaluate``."""
    rules, version, facts = gate_facts(project=project)
    return evaluate(rules, facts, stage=stage, policy_version=version)


def stage_refusals(*, project) -> dict[str, tuple[str, ...]]:
    """``{stage: the gate's reasons}`` for each move forward the policy in force refuses now, nearest first: what
    the project form leaves out (the gate itself still decides every move, ``services.project_move_stage``)."""
    from .services import is_forward

    rules, version, facts = gate_facts(project=project)
    refused = {}
    for stage in (s.value for s in STAGE_ORDER):
        if stage == project.stage or not is_forward(project.stage, stage):
            continue
        verdict = evaluate(rules, facts, stage=stage, policy_version=version)
        if not verdict.allowed:
            refused[stage] = verdict.refusal_lines
    return refused


def next_stages(stage) -> list[str]:
    """The gated stages after the current one, nearest first; production is always among them when ahead."""
    order = [s.value for s in STAGE_ORDER]
    position = order.index(stage) if stage in order else 0
    return [s for s in order[position + 1 :] if s in GATED_STAGES]


def summary_stages(stage) -> list[str]:
    """The stages the project page and the scorecard judge: the next gated one, and production when ahead."""
    stages = next_stages(stage)
    return stages[:1] + ([Stage.PRODUCTION.value] if Stage.PRODUCTION.value in stages[1:] else [])


def current_stage_verdict(rules, facts, *, version=None):
    """The verdict for the gated stage the project is already in (is it still where it may be?), else None."""
    if facts.project_stage in GATED_STAGES:
        return evaluate(rules, facts, stage=facts.project_stage, policy_version=version)
    return None


def project_gate_summary(*, project, with_current=False):
    """Verdicts for the next gated stage and for production, from one gathering of facts (panel and page); with
    ``with_current``, the verdict for the gated stage the project is already in comes first (may it stay there?)."""
    rules, version, facts = gate_facts(project=project)
    verdicts = [evaluate(rules, facts, stage=s, policy_version=version) for s in summary_stages(project.stage)]
    current = current_stage_verdict(rules, facts, version=version) if with_current else None
    return ([current] if current else []) + verdicts


def pushed_evaluations(*, project, limit=20):
    return (
        PushedEvaluation.objects.filter(project=project)
        .select_related("token", "pushed_by")
        .order_by(*PushedEvaluation.NEWEST_FIRST)[:limit]
    )


@dataclass(frozen=True)
class Standing:
    """How one project stands, as the inventory list shows it (the same facts as the gate and the reports)."""

    tier: str | None
    verified_level: int | None
    claimed_level: int | None
    next_stage: str | None
    next_allowed: bool | None
    required_level: int | None
    next_review: object  # date of the earliest expiry among the approved assessments in force


def project_standings(projects, *, now=None) -> dict[int, Standing]:
    """``{project_id: Standing}`` for a page of projects, in a fixed number of queries whatever its size."""
    now = now or timezone.now()
    projects = list(projects)
    if not projects:
        return {}
    ids = [p.pk for p in projects]
    rules, version = policy_in_force()
    rows = list(
        Assessment.objects.filter(project_id__in=ids, state=Assessment.State.APPROVED).values(*ASSESSMENT_FIELDS)
    )
    facts = facts_for(
        [{field: getattr(p, field) for field in PROJECT_FIELDS} for p in projects],
        assessment_rows=rows,
        readings=check_readings(project_ids=ids, now=now),
        now=now,
    )
    out = {}
    for p in projects:
        f = facts[p.pk]
        upcoming = next_stages(p.stage)[:1]
        verdict = evaluate(rules, f, stage=upcoming[0], policy_version=version) if upcoming else None
        maturity = f.assessments.get("maturity")
        risk = f.assessments.get("risk")
        expiries = [a.expires_at for a in f.assessments.values() if a.expires_at]
        out[p.pk] = Standing(
            tier=(risk.result or {}).get("tier") if risk else None,
            verified_level=(maturity.result or {}).get("verified_level") if maturity else None,
            claimed_level=(maturity.result or {}).get("claimed_level") if maturity else None,
            next_stage=upcoming[0] if upcoming else None,
            next_allowed=verdict.allowed if verdict else None,
            required_level=verdict.required_level if verdict else None,
            next_review=min(expiries) if expiries else None,
        )
    return out


def verdict_history(*, project, stage=None):
    """The changes of the project's stored verdicts, newest first (of one stage when given)."""
    rows = VerdictChange.objects.filter(project=project)
    if stage:
        rows = rows.filter(stage=stage)
    return rows.order_by("-changed_at", "-id")


class ThresholdsInForce(NamedTuple):
    thresholds: list[dict]
    source: str  # "project" (an approved version) or "policy" (the policy's defaults for the tier)
    version: int | None  # the project's approved version, or the policy version
    tier: str | None


def thresholds_in_force(*, project_id) -> ThresholdsInForce:
    """The evaluation thresholds that judge the project's CI pushes: its newest approved version, else the policy
    in force's defaults for its risk tier and flags (a RAG project needs faithfulness). Three queries at most."""
    approved = (
        EvaluationThresholds.objects.filter(project_id=project_id, state=EvaluationThresholds.State.APPROVED)
        .order_by("-version")
        .values("thresholds", "version")
        .first()
    )
    if approved:
        return ThresholdsInForce(approved["thresholds"], "project", approved["version"], None)
    rules, version = policy_in_force()
    row = Project.objects.filter(pk=project_id).values(*PROJECT_FIELDS).first()
    risk = (
        Assessment.objects.filter(project_id=project_id, kind="risk", state=Assessment.State.APPROVED)
        .order_by("-decided_at", "-id")
        .values_list("result", flat=True)
        .first()
    )
    tier = (risk or {}).get("tier")
    flags = project_flags(row) if row else {}
    return ThresholdsInForce(default_thresholds(rules, tier=tier, flags=flags), "policy", version, tier)


def threshold_versions(*, project):
    """Every version of the project's own thresholds, newest first, with who proposed and decided."""
    return (
        EvaluationThresholds.objects.filter(project=project)
        .select_related("proposed_by", "decided_by")
        .order_by("-version")
    )

"""Reads for the stage gate: gather one project's facts in a fixed number of queries, then evaluate the policy.

The number of queries never depends on the portfolio size nor on how many stages are evaluated: the policy,
the approved assessments (two queries), the check results, the waivers and the latest CI push.
"""

from __future__ import annotations

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assessments.models import Assessment
from connectors.backends.pushed import CHECK_ID as PUSHED_CHECK_ID
from connectors.backends.pushed import SPEC as PUSHED_SPEC
from connectors.backends.pushed import outcome_for
from connectors.models import CheckResult, PushedEvaluation, Waiver
from registry.choices import STAGE_ORDER, Stage

from .models import GatePolicy
from .policy import DEFAULT_RULES, GATED_STAGES, AssessmentFact, CheckFact, GateFacts, evaluate


def active_policy():
    """The policy in force: the newest active version (``None`` before the data migration has run)."""
    return GatePolicy.objects.filter(is_active=True).order_by("-version").first()


def policy_list():
    return GatePolicy.objects.select_related("created_by").order_by("-version")


def scorecard_url(project) -> str:
    try:
        return reverse("reports:project-scorecard", args=[project.slug])
    except NoReverseMatch:
        return f"/reports/projects/{project.slug}/scorecard.pdf"


def _assessment_facts(project) -> dict[str, AssessmentFact]:
    """The latest approved assessment of each kind, in one query (a window over the project's approved ones)."""
    latest = (
        Assessment.objects.filter(project=project, state=Assessment.State.APPROVED)
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("kind")], order_by=[F("decided_at").desc(nulls_last=True), F("id").desc()]
            )
        )
        .filter(rank=1)
        .values_list("id", "kind", "decided_at", "expires_at", "result")
    )
    return {
        kind: AssessmentFact(id=pk, decided_at=decided, expires_at=expires, result=result or {})
        for pk, kind, decided, expires, result in latest
    }


def _check_facts(project, now) -> dict[str, tuple[CheckFact, ...]]:
    waivers = list(
        Waiver.objects.filter(project=project, revoked_at__isnull=True, expires_at__gt=now).values_list(
            "check_id", "component_id", "expires_at"
        )
    )

    def waived_until(check_id, component_id):
        dates = [exp for cid, comp, exp in waivers if cid == check_id and comp in (None, component_id)]
        return max(dates) if dates else None

    checks: dict[str, list[CheckFact]] = {}
    rows = CheckResult.objects.filter(project=project).values_list(
        "check_id", "state", "reason", "checked_at", "expires_at", "component_id", "component__name"
    )
    for check_id, state, reason, checked_at, expires_at, component_id, component_name in rows:
        if check_id == PUSHED_CHECK_ID:
            continue  # computed below from the pushed evaluations themselves, which are always current
        checks.setdefault(check_id, []).append(
            CheckFact(
                check_id, state, reason, checked_at, expires_at, component_name, waived_until(check_id, component_id)
            )
        )

    latest = (
        PushedEvaluation.objects.filter(project=project)
        .order_by("-evaluated_at", "-id")
        .values("metrics", "dataset_name", "dataset_version", "git_commit", "run_url", "evaluated_at")
        .first()
    )
    if latest is not None:
        outcome = outcome_for(latest)
        checks[PUSHED_CHECK_ID] = [
            CheckFact(
                PUSHED_CHECK_ID,
                outcome.state,
                outcome.reason,
                latest["evaluated_at"],
                latest["evaluated_at"] + PUSHED_SPEC.ttl,
                "CI push",
                waived_until(PUSHED_CHECK_ID, None),
            )
        ]
    return {k: tuple(v) for k, v in checks.items()}


def gate_facts(*, project, now=None):
    """``(rules, policy_version, facts)`` for one project."""
    now = now or timezone.now()
    policy = active_policy()
    rules, version = (policy.rules, policy.version) if policy else (DEFAULT_RULES, None)
    flags = {
        "uses_rag": project.uses_rag,
        "fine_tuned": project.llm_usage in ("fine_tuned", "from_scratch"),
        "customer_facing": project.exposure in ("customer_facing", "public"),
        "handles_pii": project.handles_pii,
        "handles_sensitive": project.handles_sensitive,
        "handles_confidential": project.handles_confidential,
    }
    facts = GateFacts(
        project_slug=project.slug,
        project_stage=project.stage,
        project_flags=flags,
        assessments=_assessment_facts(project),
        checks=_check_facts(project, now),
        now=now,
        scorecard_url=scorecard_url(project),
    )
    return rules, version, facts


def gate_verdict(*, project, stage):
    """May ``project`` enter ``stage`` under the policy in force? See ``gates.policy.evaluate``."""
    rules, version, facts = gate_facts(project=project)
    return evaluate(rules, facts, stage=stage, policy_version=version)


def next_stages(stage) -> list[str]:
    """The gated stages after the current one, nearest first; production is always among them when ahead."""
    order = [s.value for s in STAGE_ORDER]
    position = order.index(stage) if stage in order else 0
    return [s for s in order[position + 1 :] if s in GATED_STAGES]


def project_gate_summary(*, project):
    """Verdicts for the next gated stage and for production, from one gathering of facts (panel and page)."""
    rules, version, facts = gate_facts(project=project)
    stages = next_stages(project.stage)
    wanted = stages[:1] + ([Stage.PRODUCTION.value] if Stage.PRODUCTION.value in stages[1:] else [])
    return [evaluate(rules, facts, stage=s, policy_version=version) for s in wanted]


def pushed_evaluations(*, project, limit=20):
    return (
        PushedEvaluation.objects.filter(project=project)
        .select_related("token", "pushed_by")
        .order_by("-evaluated_at", "-id")[:limit]
    )

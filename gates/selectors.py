"""Reads for the stage gate: gather one project's facts in a fixed number of queries, then evaluate the policy.

The number of queries never depends on the portfolio size nor on how many stages are evaluated: the policy,
the approved assessments, the check results, the waivers and the latest CI push.
"""

from __future__ import annotations

from typing import NamedTuple

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assessments.models import Assessment
from connectors.models import CheckResult, PushedEvaluation, Waiver
from registry.choices import STAGE_ORDER, Stage

from .facts import (
    ASSESSMENT_FIELDS,
    CHECK_FIELDS,
    PROJECT_FIELDS,
    PUSHED_FIELDS,
    WAIVER_FIELDS,
    build_gate_facts,
)
from .models import GatePolicy
from .policy import DEFAULT_RULES, GATED_STAGES, evaluate


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


def gate_facts(*, project, now=None):
    """``(rules, policy_version, facts)`` for one project, in six queries whatever the portfolio size."""
    now = now or timezone.now()
    rules, version = policy_in_force()
    # Every approved assessment of the project (a handful a year, light columns); the builder keeps the newest of
    # each kind. Cheaper than a window function, whose SQL Django compiles anew on every call.
    assessment_rows = Assessment.objects.filter(project=project, state=Assessment.State.APPROVED).values(
        *ASSESSMENT_FIELDS
    )
    check_rows = CheckResult.objects.filter(project=project).values(*CHECK_FIELDS)
    waiver_rows = Waiver.objects.filter(project=project, revoked_at__isnull=True, expires_at__gt=now).values(
        *WAIVER_FIELDS
    )
    pushed_rows = (
        PushedEvaluation.objects.filter(project=project).order_by("-evaluated_at", "-id").values(*PUSHED_FIELDS)[:1]
    )
    row = {field: getattr(project, field) for field in PROJECT_FIELDS}
    facts = build_gate_facts(
        [row],
        assessment_rows=list(assessment_rows),
        check_rows=list(check_rows),
        waiver_rows=list(waiver_rows),
        pushed_rows=list(pushed_rows),
        now=now,
        scorecard_url=scorecard_url_for,
    )[project.pk]
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

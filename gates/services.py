"""Writes of the gates app: stage moves through the gate, new policy versions, evidence pushed by CI."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from connectors.models import PushedEvaluation
from connectors.pushed import SPEC as PUSHED_SPEC
from connectors.pushed import outcome_for as pushed_outcome
from connectors.services import project_result_store
from registry.audit import record_change
from registry.choices import STAGE_ORDER, Stage
from registry.models import ChangeRecord, Project
from registry.stage_gate import StageRefused

from . import evidence
from .models import GatePolicy
from .policy import validate_rules
from .selectors import gate_verdict


class GateRefused(StageRefused):
    """The gate refused a stage move; ``verdict`` says exactly what is missing (also a field error on ``stage``)."""

    def __init__(self, verdict):
        super().__init__(verdict, verdict.refusal_lines)

    def __str__(self):
        lines = "; ".join(self.verdict.refusal_lines)
        return f"{self.verdict.project} may not move to {Stage(self.verdict.stage).label}: {lines}"


def is_forward(current: str, target: str) -> bool:
    """Moving towards production needs the gate; stepping back or retiring never does."""
    order = [s.value for s in STAGE_ORDER]
    return target != Stage.RETIRED and order.index(target) > order.index(current)


@transaction.atomic
def project_move_stage(*, project, stage, actor):
    """Move ``project`` to ``stage`` if the gate allows it; record the change with the policy version used.

    Raises ``GateRefused`` (carrying the verdict) when the policy refuses, ``ValidationError`` for a bad stage.
    """
    if stage not in Stage.values:
        raise ValidationError({"stage": [f"Unknown stage {stage!r}; use one of {', '.join(Stage.values)}."]})
    locked = Project.objects.select_for_update().get(pk=project.pk)
    before = locked.stage
    if before == stage:
        raise ValidationError({"stage": [f"The project is already in {Stage(stage).label}."]})
    verdict = gate_verdict(project=locked, stage=stage) if is_forward(before, stage) else None
    if verdict is not None and not verdict.allowed:
        raise GateRefused(verdict)
    locked.stage = stage
    locked.save(update_fields=["stage", "updated_at"])
    note = f"Gate policy v{verdict.policy_version}" if verdict is not None else "No gate: not a move forward"
    record_change(
        instance=locked,
        project=locked,
        action=ChangeRecord.Action.STAGE,
        actor=actor,
        changes={"stage": [before, stage]},
        note=note,
    )
    project.stage = stage
    return locked


@transaction.atomic
def policy_create(*, rules, note, actor):
    """Save ``rules`` as the next policy version (versions are never edited); raises ``ValidationError``."""
    errors = validate_rules(rules)
    if errors:
        raise ValidationError({f"rules: {path}": messages for path, messages in errors.items()})
    version = (GatePolicy.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    return GatePolicy.objects.create(version=version, rules=rules, note=note[:250], created_by=actor, is_active=True)


@transaction.atomic
def evidence_push(*, project, payload, fmt=None, token=None, user=None):
    """Validate and store one pushed evaluation whole, with its provenance; raises ``evidence.EvidenceError``."""
    fmt, fields = evidence.parse(payload, fmt=fmt, now=timezone.now())
    pushed = PushedEvaluation.objects.create(
        project=project, token=token, pushed_by=user, format=fmt, payload=payload, **fields
    )
    # The newest push by arrival is the project's ``ci.eval_results_recent`` result, written with the push.
    project_result_store(
        project=project,
        outcome=pushed_outcome(fields),
        ttl=PUSHED_SPEC.ttl,
        checked_at=fields["evaluated_at"],
    )
    record_change(
        instance=pushed,
        project=project,
        action=ChangeRecord.Action.CREATE,
        actor=user,
        note=f"Evaluation results pushed by CI ({fmt})" + (f" with token {token.prefix}…" if token else ""),
    )
    return pushed

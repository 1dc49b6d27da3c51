"""Writes of the gates app: stage moves through the gate, new policy versions, evidence pushed by CI, and the
stored verdicts (recomputed whenever an input changes, with their history)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from connectors import corroboration
from connectors.models import PushedEvaluation
from connectors.pushed import SPEC as PUSHED_SPEC
from connectors.pushed import outcome_for as pushed_outcome
from connectors.selectors import project_result
from connectors.services import project_result_store
from registry.audit import record_change
from registry.choices import STAGE_ORDER, Stage
from registry.models import ChangeRecord, Project
from registry.stage_gate import StageRefused

from . import evidence, signals
from .models import EvaluationThresholds, GatePolicy, StoredVerdict, VerdictChange
from .policy import GATED_STAGES, evaluate, validate_rules, validate_thresholds
from .selectors import gate_facts, gate_verdict, thresholds_in_force
from .validity import valid_until


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
    verdicts_refresh(project=locked, cause=f"Stage moved from {before} to {stage}")
    project.stage = stage
    return locked


@transaction.atomic
def policy_create(*, rules, note, actor):
    """Save ``rules`` as the next policy version (versions are never edited); raises ``ValidationError``."""
    errors = validate_rules(rules)
    if errors:
        raise ValidationError({f"rules: {path}": messages for path, messages in errors.items()})
    version = (GatePolicy.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    policy = GatePolicy.objects.create(version=version, rules=rules, note=note[:250], created_by=actor, is_active=True)
    transaction.on_commit(lambda: _enqueue_refresh_all(f"Gate policy v{version} saved"))
    return policy


def _enqueue_refresh_all(cause):
    from .tasks import refresh_all_verdicts

    refresh_all_verdicts.delay(cause=cause)


PUSH_FIELDS_FOR_JUDGING = (
    "metrics", "dataset_name", "dataset_version", "dataset_hash", "git_commit", "mlflow_run_id", "run_url",
    "evaluated_at", "verification", "verification_reasons",
)  # fmt: skip


def evidence_push(*, project, payload, fmt=None, token=None, user=None, claims=None):
    """Validate, corroborate and store one pushed evaluation whole, with its provenance; raises
    ``evidence.EvidenceError`` for a malformed payload or claim (nothing stored).

    ``claims`` are what the push names beside its payload (``evidence.CLAIM_PARAMETERS``: commit, dataset, MLflow
    run, CI URL). The push is kept whatever its corroboration says (``connectors.corroboration``: read from the
    project's repositories and MLflow, outside the transaction, each read bounded by the connector timeout); the
    ``ci.eval_results_recent`` result written with it judges it on Plumbline's thresholds, never its own.
    """
    fmt, fields = evidence.parse(payload, fmt=fmt, now=timezone.now())
    fields = evidence.apply_claims(fields, claims or {})
    found = corroboration.observe(project=project, claim=fields)
    with transaction.atomic():
        pushed = PushedEvaluation.objects.create(
            project=project,
            token=token,
            pushed_by=user,
            format=fmt,
            payload=payload,
            verification=found.state,
            verification_reasons=list(found.reasons),
            verification_facts=found.facts,
            **fields,
        )
        who = f" with token {token.prefix}…" if token else ""
        _push_result_store(project=project, cause=f"CI push {found.state} ({fmt}){who}")
        record_change(
            instance=pushed,
            project=project,
            action=ChangeRecord.Action.CREATE,
            actor=user,
            changes={"verification": ["", found.state]},
            note=f"Evaluation results pushed by CI ({fmt}){who}: {found.state}",
        )
    return pushed


def _push_result_store(*, project, cause, only_if_changed=False):
    """Judge the newest push (by arrival) on the thresholds in force and store it as the project's
    ``ci.eval_results_recent`` result. ``only_if_changed``: leave the stored result alone when the judgement is
    the same (a re-judgement after an input that may not matter, e.g. an assessment decision)."""
    latest = (
        PushedEvaluation.objects.filter(project=project)
        .order_by(*PushedEvaluation.NEWEST_FIRST)
        .values(*PUSH_FIELDS_FOR_JUDGING)
        .first()
    )
    if latest is None:
        return None
    outcome = pushed_outcome(latest, thresholds=thresholds_in_force(project_id=project.pk).thresholds)
    if only_if_changed:
        stored = project_result(project=project, check_id=PUSHED_SPEC.id)
        if stored is not None and (stored.stored_state, stored.reason) == (outcome.state, outcome.reason[:500]):
            return None
    return project_result_store(
        project=project, outcome=outcome, ttl=PUSHED_SPEC.ttl, checked_at=latest["evaluated_at"], cause=cause
    )


def evaluation_rejudge(*, project, cause):
    """Judge the newest push again after its thresholds may have changed (a threshold version approved, a risk
    tier decided, a policy saved); stores and announces only a changed judgement. A project without pushes costs
    one read and no transaction (a refresh of every project runs this for each)."""
    if not PushedEvaluation.objects.filter(project=project).exists():
        return None
    with transaction.atomic():
        return _push_result_store(project=project, cause=cause, only_if_changed=True)


@transaction.atomic
def thresholds_propose(*, project, thresholds, note, actor):
    """Propose a new version of the project's evaluation thresholds; it applies only once a reviewer approves it.
    Raises ``ValidationError`` naming every bad entry by JSON path."""
    errors = validate_thresholds(thresholds)
    if errors:
        raise ValidationError({f"thresholds: {path}": messages for path, messages in errors.items()})
    latest = EvaluationThresholds.objects.select_for_update().filter(project=project).aggregate(v=Max("version"))
    version = (latest["v"] or 0) + 1
    proposal = EvaluationThresholds.objects.create(
        project=project, version=version, thresholds=thresholds, note=(note or "")[:250], proposed_by=actor
    )
    record_change(
        instance=proposal,
        project=project,
        action=ChangeRecord.Action.CREATE,
        actor=actor,
        changes={"thresholds": [None, thresholds]},
        note=f"Evaluation thresholds v{version} proposed (not in force until a reviewer approves them)",
    )
    return proposal


@transaction.atomic
def thresholds_decide(*, proposal, approve, note, actor):
    """Approve (it comes into force, the version before it is superseded, the newest push is judged again and
    the stored verdicts follow) or reject a proposed version. Raises ``ValidationError`` when it is not pending."""
    locked = EvaluationThresholds.objects.select_for_update().get(pk=proposal.pk)
    if locked.state != EvaluationThresholds.State.PROPOSED:
        raise ValidationError({"state": [f"Version {locked.version} is {locked.state}, not awaiting a decision."]})
    project = Project.objects.get(pk=locked.project_id)
    before = thresholds_in_force(project_id=project.pk)
    State = EvaluationThresholds.State
    if approve:
        EvaluationThresholds.objects.filter(project=project, state=State.APPROVED).update(state=State.SUPERSEDED)
    locked.state = State.APPROVED if approve else State.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = (note or "")[:250]
    locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    word = "approved" if approve else "rejected"
    record_change(
        instance=locked,
        project=project,
        action=ChangeRecord.Action.UPDATE,
        actor=actor,
        changes={"thresholds": [before.thresholds, locked.thresholds]} if approve else {"state": ["proposed", word]},
        note=f"Evaluation thresholds v{locked.version} {word}" + (f": {note}" if note else ""),
    )
    if approve:
        cause = f"Evaluation thresholds v{locked.version} approved"
        _push_result_store(project=project, cause=cause)
        verdicts_refresh(project=project, cause=cause)
    return locked


# --- Stored verdicts -------------------------------------------------------------------------------------------

SUMMARY_FIELDS = ("allowed", "verified_level", "claimed_level", "required_level", "tier")


def summary_of(verdict: dict) -> dict:
    """What a verdict change is about: allowed or not, the levels and the tier (reasons may reword freely)."""
    return {field: verdict.get(field) for field in SUMMARY_FIELDS}


def verdicts_refresh(*, project, cause, now=None) -> dict[str, dict]:
    """Recompute and store the verdict of ``project`` for every gated stage; record each change in the history.

    ``cause`` names the input that changed ("Waiver of git.tests_present approved"). Returns ``{stage: fields}``
    (the stored row's: ``verdict``, ``computed_at``, ``valid_until``, ...). A changed verdict (not a first one) is
    announced with ``gates.signals.verdict_changed``.
    """
    now = now or timezone.now()
    cap = now + timedelta(seconds=settings.PLUMBLINE_GATE_VERDICT_MAX_AGE)
    out = {}
    with transaction.atomic():
        # One refresh of a project at a time (two first reads at once would both insert), on facts read after it.
        list(Project.objects.select_for_update().filter(pk=project.pk).values_list("pk", flat=True))
        rules, version, facts = gate_facts(project=project, now=now)
        stored = {v.stage: v for v in StoredVerdict.objects.filter(project_id=project.pk)}
        for stage in GATED_STAGES:
            verdict = evaluate(rules, facts, stage=stage, policy_version=version).to_dict()
            after = summary_of(verdict)
            fields = {
                **after,
                "tier": after["tier"] or "",
                "policy_version": version,
                "verdict": verdict,
                "computed_at": now,
                "valid_until": valid_until(rules, facts, stage=stage, cap=cap),
            }
            previous = stored.get(stage)
            before = summary_of(previous.verdict) if previous else None
            if previous is None:
                StoredVerdict.objects.create(project_id=project.pk, stage=stage, **fields)
            else:
                StoredVerdict.objects.filter(pk=previous.pk).update(**fields)
            if before != after:
                VerdictChange.objects.create(
                    project_id=project.pk,
                    stage=stage,
                    changed_at=now,
                    before=before,
                    after=after,
                    cause=cause[:250],
                    policy_version=version,
                )
                if before is not None:
                    signals.verdict_changed.send(
                        sender=StoredVerdict,
                        project_id=project.pk,
                        stage=stage,
                        before=before,
                        after=after,
                        verdict=verdict,
                        cause=cause,
                    )
            out[stage] = fields
    return out


# The gate API's hot path: a raw query skips the ORM's SQL compiler, which cost more than the query itself
# (bench/bench_gate.py); the field converters still apply (JSON, datetimes on every database).
STORED_ROW_SQL = (
    f"SELECT id, verdict, computed_at, valid_until FROM {StoredVerdict._meta.db_table} "  # noqa: S608 - constant
    "WHERE project_id = %s AND stage = %s"
)


def _stored_row(project_id, stage):
    for row in StoredVerdict.objects.raw(STORED_ROW_SQL, [project_id, stage]):
        return {"verdict": row.verdict, "computed_at": row.computed_at, "valid_until": row.valid_until}
    return None


def verdict_current(*, project, stage, now=None) -> dict:
    """The stored verdict of ``project`` for ``stage`` (``GateVerdict.to_dict()`` plus ``computed_at`` and
    ``valid_until``) while it is valid; else recomputed, stored and returned.

    One query when the stored verdict is valid. A project never judged before is judged now (the lazy fill of
    projects that existed before verdicts were stored).
    """
    now = now or timezone.now()
    row = _stored_row(project.pk, stage)
    if row is None or row["valid_until"] <= now:
        if row is None:
            cause = "First computed"
        elif row["valid_until"] == row["computed_at"]:
            cause = "An input was changed outside Plumbline's workflows (admin site or data fix)"
        else:
            cause = f"An input expired (the verdict was valid until {row['valid_until']:%Y-%m-%d %H:%M UTC})"
        row = verdicts_refresh(project=project, cause=cause, now=now)[stage]
    return {**row["verdict"], "computed_at": row["computed_at"], "valid_until": row["valid_until"]}


def verdicts_invalidate(*, project_id=None) -> int:
    """Mark stored verdicts (of one project, or all) as due, so the next read recomputes them. For writes that
    bypass the services (the admin site, data fixes, factories): they cannot say what changed, only that
    something may have."""
    rows = StoredVerdict.objects.all() if project_id is None else StoredVerdict.objects.filter(project_id=project_id)
    # valid_until == computed_at marks "made due", which a computed verdict never is (valid_until is ahead then).
    return rows.update(valid_until=F("computed_at"))


def verdicts_refresh_all(*, cause) -> int:
    """Recompute every active project's verdicts (after a policy change). Returns the number of projects."""
    count = 0
    for project in Project.objects.filter(archived_at__isnull=True).order_by("pk").iterator(chunk_size=200):
        evaluation_rejudge(project=project, cause=cause)  # the policy's default thresholds may have changed
        verdicts_refresh(project=project, cause=cause)
        count += 1
    return count

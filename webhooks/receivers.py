"""Turn the signals of the apps below into webhook events. Connected once, in ``WebhooksConfig.ready``."""

from __future__ import annotations

from registry.models import Project

from . import events, services


def _project(project_id):
    return Project.objects.select_related("team").filter(pk=project_id).first()


def _emit(event, project_id, data, dedupe_key=None):
    project = _project(project_id)
    if project is not None:
        services.event_emit(event=event, project=project, data=data, dedupe_key=dedupe_key)


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def _assessment(assessment) -> dict:
    return {
        "id": assessment.pk,
        "kind": assessment.kind,
        "state": assessment.state,
        "decided_at": _iso(assessment.decided_at),
        "expires_at": _iso(assessment.expires_at),
    }


def verdict_changed(sender, *, project_id, stage, before, after, verdict, cause, **kwargs):
    _emit(
        events.GATE_VERDICT_CHANGED,
        project_id,
        {
            "stage": stage,
            "before": before,
            "after": after,
            "cause": cause,
            "policy_version": verdict.get("policy_version"),
            "reasons": verdict.get("reasons", []),
        },
    )


def assessment_submitted(sender, *, project_id, assessment, actor=None, **kwargs):
    _emit(
        events.ASSESSMENT_SUBMITTED,
        project_id,
        {"assessment": _assessment(assessment), "by": getattr(actor, "username", None)},
    )


def assessment_decided(sender, *, project_id, assessment, decision, actor=None, comment="", **kwargs):
    event = {"approved": events.ASSESSMENT_APPROVED, "returned": events.ASSESSMENT_RETURNED}.get(decision)
    if event:
        _emit(
            event,
            project_id,
            {"assessment": _assessment(assessment), "by": getattr(actor, "username", None), "comment": comment},
        )


def check_results_stored(sender, *, project_id, changes, **kwargs):
    for change in changes:
        if change["after"] == "fail" and change["before"] != "fail":
            _emit(
                events.CHECK_FAILED,
                project_id,
                {
                    "check_id": change["check_id"],
                    "component_id": change["component_id"],
                    "source": change.get("source") or ("CI push" if change["component_id"] is None else ""),
                    "before": change["before"],
                    "reason": change["reason"],
                },
            )


def evidence_expiring(sender, *, project_id, results, **kwargs):
    for result in results:
        _emit(
            events.EVIDENCE_EXPIRING,
            project_id,
            {
                "check_id": result["check_id"],
                "component_id": result["component_id"],
                "source": result["source"],
                "expires_at": _iso(result["expires_at"]),
            },
            dedupe_key=f"{events.EVIDENCE_EXPIRING}:{result['result_id']}:{_iso(result['expires_at'])}",
        )


def assessment_expiring(sender, *, project_id, assessment, expired, **kwargs):
    _emit(
        events.ASSESSMENT_EXPIRING,
        project_id,
        {"assessment": _assessment(assessment), "expired": expired, "expires_at": _iso(assessment.expires_at)},
        dedupe_key=f"{events.ASSESSMENT_EXPIRING}:{assessment.pk}:{_iso(assessment.expires_at)}:{expired}",
    )


def connect():
    from assessments import signals as assessment_signals
    from connectors import signals as connector_signals
    from gates import signals as gate_signals

    pairs = (
        (gate_signals.verdict_changed, verdict_changed),
        (assessment_signals.assessment_submitted, assessment_submitted),
        (assessment_signals.assessment_decided, assessment_decided),
        (assessment_signals.assessment_expiring, assessment_expiring),
        (connector_signals.check_results_stored, check_results_stored),
        (connector_signals.evidence_expiring, evidence_expiring),
    )
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"webhooks-{receiver.__name__}")

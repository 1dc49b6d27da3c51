"""Turn the signals of the apps below into notices for the people concerned. Connected once, in
``NotificationsConfig.ready``. Each receiver runs inside the writing transaction, so a rolled-back change tells
nobody; e-mails leave after the commit."""

from __future__ import annotations

from django.urls import reverse

from assessments import selectors as assessment_selectors
from registry.models import Project

from . import events, selectors, services


def _project(project_id):
    return Project.objects.select_related("team", "business_owner", "technical_owner").filter(pk=project_id).first()


def _name(assessment, project):
    return f"{assessment.get_kind_display()} assessment #{assessment.pk} of {project.name}"


def _by(actor):
    return (actor.get_full_name() or actor.username) if actor is not None else "someone"


def assessment_submitted(sender, *, project_id, assessment, actor=None, **kwargs):
    project = _project(project_id)
    if project is None:
        return
    services.notify(
        event=events.ASSESSMENT_SUBMITTED,
        users=assessment_selectors.approvers_for(assessment),
        project=project,
        title=f"{_name(assessment, project)} was submitted for review",
        body=f"{_by(actor)} submitted it for review ({project.team}).",
        url=reverse("assessments:review", args=[assessment.pk]),
        exclude=actor,
    )


def assessment_withdrawn(sender, *, project_id, assessment, actor=None, **kwargs):
    project = _project(project_id)
    if project is None:
        return
    services.notify(
        event=events.ASSESSMENT_WITHDRAWN,
        users=selectors.reviewers_for(project),
        project=project,
        title=f"{_name(assessment, project)} was withdrawn before review",
        body=f"{_by(actor)} took it back to draft; there is nothing to review until it is submitted again.",
        url=assessment.get_absolute_url(),
        exclude=actor,
    )


def assessment_decided(sender, *, project_id, assessment, decision, actor=None, comment="", **kwargs):
    event = {"approved": events.ASSESSMENT_APPROVED, "returned": events.ASSESSMENT_RETURNED}.get(decision)
    project = _project(project_id)
    if event is None or project is None:
        return
    verb = "approved" if decision == "approved" else "returned for changes"
    services.notify(
        event=event,
        users=selectors.team_of(project),
        project=project,
        title=f"{_name(assessment, project)} was {verb}",
        body=f"{_by(actor)} {verb} it." + (f"\n\nComment: {comment}" if comment else ""),
        url=assessment.get_absolute_url(),
        exclude=actor,
    )


def section_assigned(sender, *, project_id, assessment, assignment, actor=None, **kwargs):
    project = _project(project_id)
    if project is None:
        return
    from assessments.questions import index_for
    from assessments.selectors import part_label

    part = f"“{part_label(index_for(assessment.questionnaire), assignment)}”"
    due = f", due {assignment.due_date:%d %b %Y}" if assignment.due_date else ""
    services.notify(
        event=events.SECTION_ASSIGNED,
        users=[assignment.assignee],
        project=project,
        title=f"You were asked to answer {part} of the {assessment.kind} assessment of {project.name}{due}",
        body=f"{_by(actor)} assigned {part} to you{due}.",
        url=f"{assessment.get_absolute_url()}?section={assignment.section_id}",
        exclude=actor,
    )


def assessment_expiring(sender, *, project_id, assessment, expired, **kwargs):
    project = _project(project_id)
    if project is None:
        return
    when = f"{'expired' if expired else 'expires'} on {assessment.expires_at:%d %b %Y}"
    services.notify(
        event=events.REASSESSMENT_DUE,
        users=selectors.team_of(project),
        project=project,
        title=f"Re-assessment due: the approved {assessment.kind} assessment of {project.name} {when}",
        body="Start a new one from the project page; it is pre-filled from the last one.",
        url=project.get_absolute_url(),
        dedupe_key=f"{events.REASSESSMENT_DUE}:{assessment.pk}:{assessment.expires_at.isoformat()}:{expired}",
        # the owners with an address just got the re-assessment reminder mail (assessments.services)
        emailed_ids={u.pk for u in (project.business_owner, project.technical_owner) if u is not None and u.email},
    )


def _verdict_word(summary):
    allowed = (summary or {}).get("allowed")
    return {True: "allowed", False: "refused"}.get(allowed, "could not decide")


def verdict_changed(sender, *, project_id, stage, before, after, verdict, cause, **kwargs):
    project = _project(project_id)
    if project is None:
        return
    reasons = "\n".join(f"- {r}" for r in (verdict or {}).get("reasons", [])[:10])
    services.notify(
        event=events.GATE_VERDICT_CHANGED,
        users=selectors.team_of(project),
        project=project,
        title=f"Gate for {stage} of {project.name}: {_verdict_word(before)} → {_verdict_word(after)}",
        body=f"Because: {cause}" + (f"\n\n{reasons}" if reasons else ""),
        url=reverse("gates:project-gate", args=[project.slug]),
    )


def connect():
    from assessments import signals as assessment_signals
    from gates import signals as gate_signals

    pairs = (
        (assessment_signals.assessment_submitted, assessment_submitted),
        (assessment_signals.assessment_withdrawn, assessment_withdrawn),
        (assessment_signals.assessment_decided, assessment_decided),
        (assessment_signals.section_assigned, section_assigned),
        (assessment_signals.assessment_expiring, assessment_expiring),
        (gate_signals.verdict_changed, verdict_changed),
    )
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"notifications-{receiver.__name__}")

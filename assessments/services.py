"""Writes and workflows of assessments: start, answer (with optimistic locking), evidence, submit, review, remind.

Every function takes keyword-only arguments, runs in one transaction and leaves an audit trail: answers keep
every saved value in ``AnswerRevision``; state changes are recorded in the project's change history.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import permissions
from questionnaires.models import QuestionnaireVersion
from questionnaires.types import claims_in_place, type_of
from questionnaires.visibility import visible_question_ids
from registry.audit import record_change
from registry.models import ChangeRecord, Project

from . import approvals, selectors, signals, uploads
from . import record as frozen
from .models import (
    Answer,
    AnswerEvidence,
    AnswerRevision,
    ApprovalCondition,
    ApprovalPolicy,
    ApproverGroup,
    Assessment,
    ReassessmentReminder,
    Review,
    SectionAssignment,
)
from .questions import (
    evidence_prefill_value,
    index_for,
    is_answered,
    is_required,
    needs_justification,
    validate_value,
)

KINDS = ("impact", "risk", "maturity")


class AssessmentError(Exception):
    """A workflow step that cannot happen in the assessment's current state; the message says why and what to do."""


class AnswerConflict(Exception):
    """Someone else saved this answer since the version the caller last saw. Carries both values."""

    def __init__(self, *, question_id, yours, theirs):
        self.question_id = question_id
        self.yours = yours
        self.theirs = theirs
        who = theirs.get("by") or "someone"
        super().__init__(f"{who} changed this answer since you loaded it; choose which value to keep.")

    def to_dict(self):
        return {"question_id": self.question_id, "yours": self.yours, "theirs": self.theirs}


class AssessmentIncomplete(AssessmentError):
    """Submit refused: ``problems`` lists ``{"question_id", "section_id", "message"}`` to fix first."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(f"{len(problems)} answer(s) still need attention before you can submit.")


# --- start ---------------------------------------------------------------------------------------------------


def assessment_start(*, project, kind, actor, previous=None):
    """Open a draft of the latest questionnaire version of ``kind``, pre-filled as far as the data allows.

    An existing draft of the same kind is returned instead of a second one, so a team works on one form.
    Pre-filled, in order: answers carried forward from ``previous`` (default: the project's last assessment
    of this kind) with their comments, justifications and evidence links and files, money inputs from the
    inventory's costs, and passing evidence (``source=evidence``, for the team to confirm).
    ``Assessment.prefill`` says what came from where, which questions are new and which answers no longer fit.
    """
    if kind not in KINDS:
        raise ValidationError({"kind": [f"Choose one of {', '.join(KINDS)}."]})
    if not permissions.can_edit_project(actor, project):
        raise PermissionDenied("Only members of the project's team can start its assessments.")
    from questionnaires.selectors import latest_version

    version = latest_version(kind)
    if version is None:
        raise AssessmentError(
            f"No {kind} questionnaire is loaded; an administrator runs `manage.py load_questionnaires`."
        )
    with transaction.atomic():
        # Lock the project row so two people pressing "start" at once end up in the same draft.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        draft = selectors.open_draft(project, kind)
        if draft is not None:
            return draft
        if previous is None:
            previous = (
                Assessment.objects.filter(project=project, kind=kind)
                .exclude(state=Assessment.State.DRAFT)
                .select_related("questionnaire")
                .order_by("-created_at", "-id")
                .first()
            )
        assessment = Assessment.objects.create(
            project=project, questionnaire=version, kind=kind, previous=previous, created_by=actor
        )
        values, sources, prefill = _prefill(assessment, previous)
        rows = [
            Answer(
                assessment=assessment,
                question_id=qid,
                value=value,
                comment=sources[qid].get("comment", ""),
                justification=sources[qid].get("justification", ""),
                source=sources[qid]["source"],
                version=1,
                answered_by=actor,
            )
            for qid, value in values.items()
        ]
        Answer.objects.bulk_create(rows)
        saved = {a.question_id: a for a in Answer.objects.filter(assessment=assessment)}
        AnswerRevision.objects.bulk_create(
            AnswerRevision(
                answer=saved[qid],
                version=1,
                value=values[qid],
                comment=sources[qid].get("comment", ""),
                justification=sources[qid].get("justification", ""),
                source=sources[qid]["source"],
                by=actor,
            )
            for qid in values
        )
        AnswerEvidence.objects.bulk_create(
            AnswerEvidence(
                answer=saved[item.answer.question_id],
                url=item.url,
                file=item.file.name,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                added_by=item.added_by,
            )
            for item in _evidence_to_carry(previous, saved)
        )
        assessment.prefill = prefill
        assessment.save(update_fields=["prefill"])
        record_change(
            instance=assessment,
            project=project,
            action=ChangeRecord.Action.CREATE,
            actor=actor,
            note=f"Started {kind} assessment on {version} ({len(values)} answers pre-filled)",
        )
    return assessment


def _prefill(assessment, previous):
    index = index_for(assessment.questionnaire)
    values, sources = {}, {}
    prefill = {"from_assessment": None, "carried": [], "new": [], "removed": [], "inventory": [], "evidence": []}
    if previous is not None:
        old_answers = _answers_with_notes(previous)
        from questionnaires.selectors import carry_forward, version_diff

        old_values = {qid: note.get("value") for qid, note in old_answers.items() if is_answered(note.get("value"))}
        carried = carry_forward(old_values, previous.questionnaire, assessment.questionnaire)
        diff = version_diff(previous.questionnaire, assessment.questionnaire)
        prefill["from_assessment"] = previous.pk
        prefill["new"] = sorted(diff["new"])
        prefill["removed"] = sorted(diff["removed"])
        dropped = {qid for qid in carried.dropped if qid in index.questions}
        for qid, note in sorted(old_answers.items()):
            question = index.questions.get(qid)
            if question is None:
                continue
            value = None
            if qid in carried.answers:
                try:
                    value = validate_value(question, type_of(question).fit(question, carried.answers[qid]))
                except ValidationError:
                    dropped.add(qid)
            comment, justification = note.get("comment", ""), note.get("justification", "")
            if value is None and not comment and not note.get("evidence"):
                continue
            values[qid] = value
            sources[qid] = {
                "source": Answer.Source.PERSON,
                "comment": comment,
                "justification": justification if value is not None else "",
            }
            prefill["carried"].append(qid)
        prefill["dropped"] = sorted(dropped)
    project = assessment.project
    for field_name, qid in index.money_inputs().items():
        amount = getattr(project, field_name, None)
        if amount is not None and qid in index.questions:
            values[qid] = validate_value(index.questions[qid], amount)
            comment = sources.get(qid, {}).get("comment") or "From the inventory's costs."
            sources[qid] = {"source": Answer.Source.PERSON, "comment": comment}
            prefill["inventory"].append(qid)
    evidence = selectors.evidence_for(project, assessment.questionnaire.definition)
    for qid, item in evidence.items():
        question = index.questions.get(qid)
        if question is None or is_answered(values.get(qid)) or item.get("state") != "pass" or item.get("stale"):
            continue
        value = evidence_prefill_value(question)
        if is_answered(value):
            values[qid] = value
            comment = sources.get(qid, {}).get("comment") or f"Check {item.get('check_id')} passed."
            sources[qid] = {"source": Answer.Source.EVIDENCE, "comment": comment}
            prefill["evidence"].append(qid)
    return values, sources, prefill


def _evidence_to_carry(previous, saved):
    """The previous assessment's evidence on the questions the new draft carries (files are shared, not copied:
    ``evidence_remove`` deletes a file only when no other evidence refers to it)."""
    if previous is None or not saved:
        return []
    return (
        AnswerEvidence.objects.filter(answer__assessment=previous, answer__question_id__in=list(saved))
        .select_related("answer", "added_by")
        .order_by("added_at", "pk")
    )


def _answers_with_notes(assessment):
    if assessment.record:
        return assessment.record.get("answers", {})
    return {
        a.question_id: {
            "value": a.value,
            "comment": a.comment,
            "justification": a.justification,
            "evidence": [e.pk for e in a.evidence.all()],
        }
        for a in assessment.answers.prefetch_related("evidence")
    }


# --- answers ---------------------------------------------------------------------------------------------------


def answer_payload(answer):
    """What the form and API show of an answer; ``None`` (never saved) reads as an empty answer at version 0."""
    if answer is None:
        return {"value": None, "comment": "", "justification": "", "version": 0, "source": "", "by": None, "at": None}
    return {
        "value": answer.value,
        "comment": answer.comment,
        "justification": answer.justification,
        "version": answer.version,
        "source": answer.source,
        "by": str(answer.answered_by) if answer.answered_by else None,
        "at": answer.answered_at.isoformat() if answer.answered_at else None,
    }


def _lock_draft(assessment):
    """Take the assessment's row lock with a write, so concurrent saves queue (PostgreSQL row lock, SQLite
    write lock taken up front instead of a read-to-write upgrade that fails under contention)."""
    updated = Assessment.objects.filter(pk=assessment.pk, state=Assessment.State.DRAFT).update(
        updated_at=timezone.now()
    )
    if not updated:
        raise AssessmentError(
            "This assessment is no longer a draft, so its answers cannot change; start a new assessment instead."
        )


def answer_save(*, assessment, question_id, value, comment="", justification="", expected_version, actor):
    """Save one answer if nobody changed it since ``expected_version``; otherwise raise ``AnswerConflict``.

    Saving exactly what is already stored succeeds whatever the version, so a retried request whose first
    attempt did arrive is harmless. Every save writes an ``AnswerRevision`` and clears ``source=evidence``
    (the person has confirmed it). Returns the saved ``Answer``.
    """
    if not permissions.can_edit_project(actor, assessment.project):
        raise PermissionDenied("Only members of the project's team can answer its assessments.")
    index = index_for(assessment.questionnaire)
    question = index.questions.get(question_id)
    if question is None:
        raise ValidationError({"question_id": [f"{question_id!r} is not a question of {assessment.questionnaire}."]})
    try:
        value = validate_value(question, value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from None
    comment, justification = (comment or "").strip(), (justification or "").strip()
    with transaction.atomic():
        _lock_draft(assessment)
        answer = (
            Answer.objects.select_related("answered_by").filter(assessment=assessment, question_id=question_id).first()
        )
        current_version = answer.version if answer else 0
        unchanged = answer is not None and (answer.value, answer.comment, answer.justification) == (
            value,
            comment,
            justification,
        )
        if unchanged and answer.source == Answer.Source.PERSON:
            return answer
        if current_version != expected_version and not unchanged:
            raise AnswerConflict(
                question_id=question_id,
                yours={"value": value, "comment": comment, "justification": justification, "version": expected_version},
                theirs=answer_payload(answer),
            )
        fields = {
            "value": value,
            "comment": comment,
            "justification": justification,
            "source": Answer.Source.PERSON,
            "answered_by": actor,
            "answered_at": timezone.now(),
        }
        if answer is None:
            answer = Answer.objects.create(assessment=assessment, question_id=question_id, version=1, **fields)
        else:
            Answer.objects.filter(pk=answer.pk, version=current_version).update(version=F("version") + 1, **fields)
            answer.refresh_from_db()
        AnswerRevision.objects.create(
            answer=answer,
            version=answer.version,
            value=value,
            comment=comment,
            justification=justification,
            source=Answer.Source.PERSON,
            by=actor,
        )
    return answer


def _answer_for_evidence(assessment, question_id, actor):
    """The answer row evidence hangs on, created empty (version 0) when the question has no answer yet."""
    try:
        with transaction.atomic():
            answer, _ = Answer.objects.get_or_create(
                assessment=assessment, question_id=question_id, defaults={"version": 0, "answered_by": actor}
            )
    except IntegrityError:
        answer = Answer.objects.get(assessment=assessment, question_id=question_id)
    return answer


def evidence_add(*, assessment, question_id, actor, url="", upload=None):
    """Attach a link or an uploaded file (size and type limited by settings) to an answer."""
    if not permissions.can_edit_project(actor, assessment.project):
        raise PermissionDenied("Only members of the project's team can add evidence.")
    if question_id not in index_for(assessment.questionnaire).questions:
        raise ValidationError({"question_id": [f"{question_id!r} is not a question of this questionnaire."]})
    if not url and not upload:
        raise ValidationError({"url": ["Nothing to attach: paste a link or choose a file, then press Attach."]})
    if url and upload:
        raise ValidationError({"url": ["Attach a link or a file, not both at once: clear one of them."]})
    if url:
        from django.core.validators import URLValidator

        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError({"url": ["Enter a full web address starting with http:// or https://."]}) from None
    else:
        filename, content_type = uploads.check_evidence_upload(upload)
    with transaction.atomic():
        _lock_draft(assessment)
        answer = _answer_for_evidence(assessment, question_id, actor)
        item = AnswerEvidence(answer=answer, url=url, added_by=actor)
        if upload is not None:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            item.filename = filename
            item.content_type = content_type
            item.size = upload.size
            item.sha256 = digest.hexdigest()
            item.file.save(filename, upload, save=False)
        item.save()
    return item


def evidence_remove(*, evidence, actor):
    assessment = evidence.answer.assessment
    if not permissions.can_edit_project(actor, assessment.project):
        raise PermissionDenied("Only members of the project's team can remove evidence.")
    with transaction.atomic():
        _lock_draft(assessment)
        record_change(
            instance=assessment,
            project=assessment.project,
            action=ChangeRecord.Action.UPDATE,
            actor=actor,
            note=f"Removed evidence {evidence} from {evidence.answer.question_id} (assessment #{assessment.pk})",
        )
        shared = evidence.file and AnswerEvidence.objects.filter(file=evidence.file.name).exclude(pk=evidence.pk)
        if evidence.file and not shared.exists():
            transaction.on_commit(lambda name=evidence.file.name, storage=evidence.file.storage: storage.delete(name))
        evidence.delete()


# --- submit ----------------------------------------------------------------------------------------------------


def completeness_problems(answers, visible, index):
    """What still blocks submission: visible required answers, justifications, evidence, unconfirmed pre-fills."""
    problems = []
    for section in index.sections:
        for question in section.get("questions", []):
            qid = question["id"]
            if qid not in visible:
                continue
            answer = answers.get(qid)
            value = answer.value if answer else None
            text = question.get("text", qid)

            def problem(message, qid=qid, section_id=section["id"], text=text):
                problems.append({"question_id": qid, "section_id": section_id, "text": text, "message": message})

            if not is_answered(value):
                if is_required(question):
                    problem("Answer this required question.")
                continue
            if answer.source == Answer.Source.EVIDENCE:
                problem("Confirm the answer pre-filled from evidence (save it, or change it).")
            if needs_justification(question, value) and not answer.justification:
                problem("Explain this answer in the justification field.")
            if (
                claims_in_place(question, value)
                and question.get("evidence_required")
                and not list(answer.evidence.all())
            ):
                problem("Attach evidence (a link or a file) for this answer.")
    return problems


def assessment_submit(*, assessment, actor):
    """Check completeness, then freeze the assessment into its record with a verifiable content hash.

    Submitting again what the same person already submitted (a double click, a resent form) is that one
    submission, returned as it is: no second record, hash or notice.
    """
    if not permissions.can_edit_project(actor, assessment.project):
        raise PermissionDenied("Only members of the project's team can submit its assessments.")
    from assessments.scoring import score

    with transaction.atomic():
        try:
            _lock_draft(assessment)
        except AssessmentError:
            submitted = Assessment.objects.filter(
                pk=assessment.pk, state=Assessment.State.SUBMITTED, submitted_by=actor
            ).exists()
            if not submitted:
                raise
            assessment.refresh_from_db()
            return assessment
        assessment.refresh_from_db()
        version = assessment.questionnaire
        index = index_for(version)
        answers = {
            a.question_id: a
            for a in Answer.objects.filter(assessment=assessment)
            .select_related("answered_by")
            .prefetch_related("evidence")
        }
        context = selectors.scoring_context(assessment.project)
        values = selectors.answer_values(answers.values())
        visible = visible_question_ids(version.definition, values, context)
        problems = completeness_problems(answers, visible, index)
        if problems:
            raise AssessmentIncomplete(problems)
        evidence = selectors.evidence_for(assessment.project, version.definition)
        result = score(version.definition, values, context, selectors.evidence_states(evidence) or None).to_dict()
        now = timezone.now()
        record = frozen.freeze(
            frozen.build(
                version=version,
                project=assessment.project,
                context=context,
                assessment=assessment,
                answers=answers,
                visible=visible,
                evidence=evidence,
                result=result,
                actor=actor,
                now=now,
            )
        )
        Assessment.objects.filter(pk=assessment.pk).update(
            state=Assessment.State.SUBMITTED,
            submitted_by=actor,
            submitted_at=now,
            record=record,
            content_hash=frozen.content_hash(record),
            result=record["result"],
        )
        assessment.refresh_from_db()
        record_change(
            instance=assessment,
            project=assessment.project,
            action=ChangeRecord.Action.UPDATE,
            actor=actor,
            changes={"state": ["draft", "submitted"]},
            note=f"Submitted {assessment.kind} assessment #{assessment.pk} (hash {assessment.content_hash[:12]})",
        )
        signals.assessment_submitted.send(
            sender=Assessment,
            project_id=assessment.project_id,
            assessment=assessment,
            actor=actor,
            cause=f"{assessment.kind.capitalize()} assessment #{assessment.pk} submitted",
        )
    return assessment


def assessment_verify(assessment):
    """True when the stored record still hashes to the content hash taken at submission, and what is shown beside
    the record (the questionnaire version, the cached scores, the answer rows with their comments and evidence)
    still says what the record says. Pass an assessment with its answers and evidence prefetched
    (``selectors.assessment_with_answers``) to check without a query per answer."""
    if not assessment.record or not assessment.content_hash:
        return False
    return frozen.verify(
        record=assessment.record,
        digest=assessment.content_hash,
        version=assessment.questionnaire,
        assessment=assessment,
        result=assessment.result,
        answers=assessment.answers.all(),
    )


# --- review ----------------------------------------------------------------------------------------------------


MAX_CONDITIONS = 20
MAX_NOTE = 2000


def assessment_review(*, assessment, reviewer, decision, comment="", domain="", acknowledgements=None, conditions=()):
    """Approve (one sign-off) or return a submitted assessment.

    Who may: ``selectors.review_options`` (separation of duties, approver groups, the approval policy in force).
    An approval gives one required sign-off (``domain``, default the first this person may give); it needs
    every claim the evidence contradicts acknowledged (``acknowledgements``: ``{question_id: note}``) and may
    attach ``conditions`` (``[{"text", "owner": User, "due_on": date}]``). The decision, acknowledgements and
    conditions are appended to the frozen record, whose content hash is taken again. The assessment is approved,
    and its validity starts, once every required sign-off is given; a return sends it back to the team at once.
    """
    if decision not in Review.Decision.values:
        raise ValidationError({"decision": [f"Choose one of {', '.join(Review.Decision.values)}."]})
    comment = (comment or "").strip()[:MAX_NOTE]
    if decision == Review.Decision.RETURNED and not comment:
        raise ValidationError({"comment": ["Say what the team should change when returning an assessment."]})
    with transaction.atomic():
        locked = (
            Assessment.objects.select_for_update(of=("self",))
            .select_related("questionnaire", "project", "submitted_by")
            .get(pk=assessment.pk)
        )
        rules, version = selectors.approval_policy_in_force()
        options = selectors.review_options(locked, reviewer, rules=rules, version=version)
        if locked.state != Assessment.State.SUBMITTED:
            raise AssessmentError(options.refusal)
        if decision == Review.Decision.RETURNED and not options.may_return:
            raise PermissionDenied(options.refusal)
        step, acknowledged, kept_conditions = "", [], []
        if decision == Review.Decision.APPROVED:
            if not options.steps:
                raise PermissionDenied(options.refusal)
            step = domain or options.steps[0]
            if step not in options.steps:
                raise ValidationError({"domain": [f"Choose the sign-off you give: {', '.join(options.steps)}."]})
            acknowledged = _acknowledged(locked, acknowledgements or {})
            kept_conditions = _conditions(conditions)
        now = timezone.now()
        status_after = options.status
        review = Review.objects.create(
            assessment=locked,
            reviewer=reviewer,
            decision=decision,
            comment=comment,
            domain=step,
            acknowledgements=acknowledged,
        )
        ApprovalCondition.objects.bulk_create(
            ApprovalCondition(
                assessment=locked,
                review=review,
                created_by=reviewer,
                text=c["text"],
                owner=c["owner"],
                due_on=c["due_on"],
            )
            for c in kept_conditions
        )
        if decision == Review.Decision.APPROVED:
            status_after = approvals.status(
                options.status.required,
                [*options.status.given, approvals.Signoff(reviewer.pk, reviewer.username, step)],
                options.status.tier,
            )
        final = decision == Review.Decision.RETURNED or status_after.complete
        record = frozen.with_signoff(
            locked.record or {},
            frozen.signoff(
                reviewer=reviewer,
                decision=decision,
                step=step,
                comment=comment,
                acknowledgements=acknowledged,
                conditions=kept_conditions,
                policy_version=version,
                tier=status_after.tier,
                required=status_after.required,
                now=now,
            ),
        )
        fields = {"record": record, "content_hash": frozen.content_hash(record), "updated_at": now}
        if final:
            fields.update(state=decision, decided_at=now)
            if decision == Review.Decision.APPROVED:
                fields["expires_at"] = now + timedelta(days=_validity_days(locked.questionnaire))
        Assessment.objects.filter(pk=locked.pk).update(**fields)
        locked.refresh_from_db()
        what = review.get_decision_display() if decision == Review.Decision.RETURNED else f"Approved ({step})"
        record_change(
            instance=locked,
            project=locked.project,
            action=ChangeRecord.Action.UPDATE,
            actor=reviewer,
            changes={"state": ["submitted", decision]} if final else {},
            note=f"{what} {locked.kind} assessment #{locked.pk}"
            + ("" if final else f" ({status_after.summary()})")
            + (f": {comment}" if comment else "")
            + f" (hash {locked.content_hash[:12]})",
        )
        if final:
            signals.assessment_decided.send(
                sender=Assessment,
                project_id=locked.project_id,
                assessment=locked,
                decision=decision,
                actor=reviewer,
                comment=comment,
                cause=f"{locked.kind.capitalize()} assessment #{locked.pk} {decision}",
            )
        else:
            signals.assessment_signed_off.send(
                sender=Assessment,
                project_id=locked.project_id,
                assessment=locked,
                domain=step,
                actor=reviewer,
                waiting=list(status_after.waiting),
                cause=f"{locked.kind.capitalize()} assessment #{locked.pk}: {status_after.summary()}",
            )
    assessment.refresh_from_db()
    return review


def _acknowledged(assessment, acknowledgements):
    """Every claim the evidence contradicts, each with the approver's note; refused while one is missing."""
    claims = selectors.contradicted_claims(assessment)
    missing = [c for c in claims if c["question_id"] not in acknowledgements]
    if missing:
        names = "; ".join(c["text"] for c in missing)
        raise ValidationError(
            {
                "acknowledgements": [
                    f"Acknowledge every claim the evidence contradicts before approving ({len(missing)} left: {names})."
                ]
            }
        )
    return [
        {
            "question_id": c["question_id"],
            "check_id": c["check_id"],
            "state": c["state"],
            "note": str(acknowledgements.get(c["question_id"]) or "").strip()[:MAX_NOTE],
        }
        for c in claims
    ]


def _conditions(conditions):
    conditions = list(conditions or [])
    if len(conditions) > MAX_CONDITIONS:
        raise ValidationError({"conditions": [f"Attach at most {MAX_CONDITIONS} conditions to one approval."]})
    kept = []
    for n, c in enumerate(conditions, start=1):
        text = str(c.get("text") or "").strip()[:MAX_NOTE]
        if not text or c.get("owner") is None or c.get("due_on") is None:
            raise ValidationError({"conditions": [f"Condition {n}: give what must be done, an owner and a due date."]})
        if not c["owner"].is_active:
            raise ValidationError({"conditions": [f"Condition {n}: {c['owner'].username} is no longer active."]})
        kept.append({"text": text, "owner": c["owner"], "due_on": c["due_on"]})
    return kept


def condition_close(*, condition, actor, note=""):
    """Close an open condition with a note (its owner, the project's team or an admin); audited."""
    project = condition.assessment.project
    if not permissions.can_close_condition(actor, owner_id=condition.owner_id, project=project):
        raise PermissionDenied("Only the condition's owner, the project's team or an admin can close it.")
    note = (note or "").strip()[:MAX_NOTE]
    if not note:
        raise ValidationError({"note": ["Say how the condition was met."]})
    with transaction.atomic():
        updated = ApprovalCondition.objects.filter(pk=condition.pk, closed_at__isnull=True).update(
            closed_at=timezone.now(), closed_by=actor, close_note=note
        )
        if not updated:
            raise AssessmentError("This condition is already closed.")
        record_change(
            instance=condition.assessment,
            project=project,
            action=ChangeRecord.Action.UPDATE,
            actor=actor,
            note=f"Closed condition of assessment #{condition.assessment_id} ({condition.text[:80]}): {note}",
        )
    condition.refresh_from_db()
    return condition


def approver_group_save(*, domain, actor, name=None, description=None, members=None, group=None):
    """Create or change one approver group (admins); recorded in the change history with before and after."""
    if not permissions.can_manage_approvals(actor):
        raise PermissionDenied("Only admins can change approver groups.")
    with transaction.atomic():
        before = _group_facts(group) if group else None
        if group is None:
            group = ApproverGroup.objects.create(domain=domain, name=name or domain, description=description or "")
        else:
            for attr, value in (("name", name), ("description", description)):
                if value is not None:
                    setattr(group, attr, value)
            group.save()
        if members is not None:
            group.members.set(members)
        after = _group_facts(group)
        record_change(
            instance=group,
            project=None,
            action=ChangeRecord.Action.CREATE if before is None else ChangeRecord.Action.UPDATE,
            actor=actor,
            changes={
                k: [before.get(k) if before else None, v] for k, v in after.items() if not before or before[k] != v
            },
            note=f"Approver group {group.domain}",
        )
    return group


def _group_facts(group):
    return {"name": group.name, "members": sorted(group.members.values_list("username", flat=True))}


def approval_policy_create(*, rules, note, actor):
    """Save ``rules`` as the next approval policy version (never edited in place); raises ``ValidationError``."""
    from django.db.models import Max

    if not permissions.can_manage_approvals(actor):
        raise PermissionDenied("Only admins can change the approval policy.")
    errors = approvals.validate_rules(rules)
    if errors:
        raise ValidationError({f"rules: {path}": messages for path, messages in errors.items()})
    with transaction.atomic():
        version = (ApprovalPolicy.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        policy = ApprovalPolicy.objects.create(
            version=version, rules=rules, note=(note or "")[:250], created_by=actor, is_active=True
        )
        record_change(instance=policy, project=None, action=ChangeRecord.Action.CREATE, actor=actor, note=str(policy))
    return policy


def _validity_days(version: QuestionnaireVersion):
    return int(version.definition.get("validity_days") or version.validity_days)


def assessment_reopen(*, assessment, actor):
    """Start a new draft pre-filled from a submitted, returned or approved assessment (records never change)."""
    if assessment.state == Assessment.State.DRAFT:
        return assessment
    with transaction.atomic():
        draft = assessment_start(project=assessment.project, kind=assessment.kind, actor=actor, previous=assessment)
        signals.assessment_reopened.send(
            sender=Assessment,
            project_id=assessment.project_id,
            assessment=assessment,
            draft=draft,
            actor=actor,
            cause=f"{assessment.kind.capitalize()} assessment #{assessment.pk} reopened",
        )
    return draft


# --- discard and withdraw ---------------------------------------------------------------------------------------


def assessment_discard(*, assessment, actor):
    """Delete a draft with its answers, assignments and uploaded files (files another assessment still uses, carried
    forward, stay). Recorded in the project history; the files go once the deletion is committed."""
    if not permissions.can_discard_or_withdraw(actor, assessment):
        raise PermissionDenied("Only members of the project's team can discard its drafts.")
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().select_related("project").get(pk=assessment.pk)
        if locked.state != Assessment.State.DRAFT:
            raise AssessmentError(f"Only drafts can be discarded; this one is {locked.get_state_display().lower()}.")
        evidence = AnswerEvidence.objects.filter(answer__assessment=locked).exclude(file="")
        names = set(evidence.values_list("file", flat=True))
        shared = set(
            AnswerEvidence.objects.filter(file__in=names)
            .exclude(answer__assessment=locked)
            .values_list("file", flat=True)
        )
        answers = Answer.objects.filter(assessment=locked).count()
        record_change(
            instance=locked,
            project=locked.project,
            action=ChangeRecord.Action.DELETE,
            actor=actor,
            changes={"state": ["draft", None]},
            note=f"Discarded draft {locked.kind} assessment #{locked.pk} ({answers} answers, "
            f"{len(names - shared)} uploaded files deleted)",
        )
        storage = AnswerEvidence._meta.get_field("file").storage
        for name in sorted(names - shared):
            transaction.on_commit(lambda name=name: storage.delete(name))
        locked.delete()


def assessment_withdraw(*, assessment, actor):
    """Take a submission back to draft before anyone decided on it; the frozen record is dropped (its hash stays in
    the project history) and the answers are editable again."""
    if not permissions.can_discard_or_withdraw(actor, assessment):
        raise PermissionDenied("Only members of the project's team can withdraw its submissions.")
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().select_related("project").get(pk=assessment.pk)
        if locked.state != Assessment.State.SUBMITTED:
            raise AssessmentError(
                f"Only a submission waiting for review can be withdrawn; this one is "
                f"{locked.get_state_display().lower()}."
            )
        other = selectors.open_draft(locked.project, locked.kind)
        if other is not None:
            raise AssessmentError(
                f"Draft #{other.pk} of this {locked.kind} assessment is open; discard it before withdrawing this one."
            )
        digest = locked.content_hash
        Assessment.objects.filter(pk=locked.pk).update(
            state=Assessment.State.DRAFT,
            submitted_by=None,
            submitted_at=None,
            record=None,
            content_hash="",
            result=None,
            updated_at=timezone.now(),
        )
        record_change(
            instance=locked,
            project=locked.project,
            action=ChangeRecord.Action.UPDATE,
            actor=actor,
            changes={"state": ["submitted", "draft"]},
            note=f"Withdrew {locked.kind} assessment #{locked.pk} before review (record hash {digest[:12]} dropped)",
        )
        signals.assessment_withdrawn.send(
            sender=Assessment,
            project_id=locked.project_id,
            assessment=locked,
            actor=actor,
            cause=f"{locked.kind.capitalize()} assessment #{locked.pk} withdrawn",
        )
    assessment.refresh_from_db()
    return assessment


# --- section assignments ---------------------------------------------------------------------------------------


def section_assign(*, assessment, section_id, assignee, actor, question_id="", due_date=None):
    """Give a section (or one question of it) of a draft to a team member, by ``due_date``; assigning the same part
    again changes its assignee and date. The assignee is told (``signals.section_assigned``)."""
    if not permissions.can_assign_sections(actor, assessment):
        raise PermissionDenied("Only the assessment's creator, the project's owners and admins can assign sections.")
    index = index_for(assessment.questionnaire)
    question_id = question_id or ""
    if index.section(section_id) is None:
        raise ValidationError({"section_id": [f"{section_id!r} is not a section of this questionnaire."]})
    if question_id and index.section_of.get(question_id) != section_id:
        raise ValidationError({"question_id": [f"{question_id!r} is not a question of this section."]})
    if assignee is None or not permissions.can_be_assigned(assignee, assessment.project):
        raise ValidationError({"assignee": ["Choose an active member of the project's team."]})
    if due_date is not None and due_date < timezone.localdate():
        raise ValidationError({"due_date": ["Choose today or a later date."]})
    with transaction.atomic():
        _lock_draft(assessment)
        assignment, _ = SectionAssignment.objects.update_or_create(
            assessment=assessment,
            section_id=section_id,
            question_id=question_id,
            defaults={"assignee": assignee, "due_date": due_date, "assigned_by": actor},
        )
        part = f"question {question_id}" if question_id else f"section {index.section(section_id).get('title')}"
        record_change(
            instance=assessment,
            project=assessment.project,
            action=ChangeRecord.Action.UPDATE,
            actor=actor,
            changes={"assignment": [None, {"part": question_id or section_id, "assignee": assignee.username,
                                           "due_date": due_date.isoformat() if due_date else None}]},
            note=f"Assigned {part} of {assessment.kind} assessment #{assessment.pk} to {assignee.username}"
            + (f", due {due_date:%d %b %Y}" if due_date else ""),
        )  # fmt: skip
        signals.section_assigned.send(
            sender=Assessment,
            project_id=assessment.project_id,
            assessment=assessment,
            assignment=assignment,
            actor=actor,
            cause=f"{part} of {assessment.kind} assessment #{assessment.pk} assigned to {assignee.username}",
        )
    return assignment


def section_unassign(*, assignment, actor):
    assessment = assignment.assessment
    if not permissions.can_assign_sections(actor, assessment):
        raise PermissionDenied("Only the assessment's creator, the project's owners and admins can assign sections.")
    with transaction.atomic():
        _lock_draft(assessment)
        record_change(
            instance=assessment,
            project=assessment.project,
            action=ChangeRecord.Action.UPDATE,
            actor=actor,
            changes={"assignment": [{"part": assignment.question_id or assignment.section_id,
                                     "assignee": assignment.assignee.username}, None]},
            note=f"Removed the assignment of {assignment.question_id or assignment.section_id} "
            f"to {assignment.assignee.username} (assessment #{assessment.pk})",
        )  # fmt: skip
        assignment.delete()


# --- reminders -------------------------------------------------------------------------------------------------


def reassessment_reminders_send(*, today=None):
    """E-mail the owners of projects whose approved assessment expired or expires soon; once per day each.

    The reminder row is created before the e-mail goes out, under a unique (assessment, day) constraint,
    so two beat runs on the same day never send twice. Returns the number of e-mails sent.
    """
    now = timezone.now()
    today = today or timezone.localdate(now)
    sent = 0
    for assessment in selectors.due_for_reassessment(now=now):
        project = assessment.project
        recipients = sorted(
            {u.email for u in (project.business_owner, project.technical_owner) if u is not None and u.email}
        )
        try:
            with transaction.atomic():
                ReassessmentReminder.objects.create(assessment=assessment, sent_on=today, recipients=recipients)
                expired = assessment.expires_at <= now
                when = f"{'expired' if expired else 'expires'} on {assessment.expires_at:%d %B %Y}"
                signals.assessment_expiring.send(
                    sender=Assessment,
                    project_id=project.pk,
                    assessment=assessment,
                    expired=expired,
                    cause=f"{assessment.kind.capitalize()} assessment #{assessment.pk} {when}",
                )
                if not recipients:
                    continue
                send_mail(
                    subject=f"[Plumbline] {project.name}: {assessment.kind} assessment {when}",
                    message=(
                        f"The approved {assessment.kind} assessment of {project.name} {when}.\n\n"
                        f"Start a new one (it is pre-filled from the last one): "
                        f"{settings.SITE_URL.rstrip('/')}{project.get_absolute_url()}\n"
                    ),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=recipients,
                )
        except IntegrityError:
            continue
        sent += 1
    return sent

"""Pages of assessments: the form (one section at a time, autosaved), submit, review, record, history, attention.

Views parse the request, call one service or selector and render; rules live in services and selectors.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views import View
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.models import User
from config import limits
from questionnaires.types import type_of
from registry.models import Project

from . import selectors, services, uploads
from .charts import score_chart_svg
from .models import AnswerEvidence, ApprovalCondition, Assessment, Review, SectionAssignment
from .questions import answer_table, choices, display_value, index_for, is_answered, is_required


def _assessment_or_404(pk):
    try:
        return selectors.assessment_with_answers(pk)
    except Assessment.DoesNotExist:
        raise Http404("No such assessment.") from None


# Session key of an evidence refusal, shown once next to the link or file input it is about (not at the page top).
EVIDENCE_ERROR = "assessments:evidence-error"


def _first_error(exc):
    if hasattr(exc, "message_dict"):
        return " ".join(m for messages_ in exc.message_dict.values() for m in messages_)
    return " ".join(exc.messages)


@require_POST
def assessment_start_view(request, slug):
    project = get_object_or_404(Project, slug=slug)
    try:
        assessment = services.assessment_start(project=project, kind=request.POST.get("kind", ""), actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect(project.get_absolute_url())
    except (ValidationError, services.AssessmentError) as exc:
        messages.error(request, _first_error(exc) if isinstance(exc, ValidationError) else str(exc))
        return redirect(project.get_absolute_url())
    return redirect(assessment.get_absolute_url())


class AssessmentDetailView(View):
    """A draft shows the form (one section); anything else shows the frozen record."""

    def get(self, request, pk):
        assessment = _assessment_or_404(pk)
        if assessment.state != Assessment.State.DRAFT:
            return _record_page(request, assessment)
        index = index_for(assessment.questionnaire)
        state = selectors.form_state(assessment, answers=list(assessment.answers.all()))
        assignments = selectors.assignments_of(assessment)
        mine = [a for a in assignments if a.assignee_id == request.user.pk]
        section_id = request.GET.get("section") or _first_open_section(index, state, mine)
        section = index.section(section_id)
        if section is None:
            raise Http404("No such section in this questionnaire.")
        position = [s["id"] for s in index.sections].index(section_id)
        can_edit = permissions.can_edit_project(request.user, assessment.project)
        discrepancies = selectors.discrepancies(index, state.answers, state.evidence)
        evidence_error = request.session.get(EVIDENCE_ERROR)
        if evidence_error and evidence_error.get("assessment_id") == assessment.pk:
            del request.session[EVIDENCE_ERROR]
        else:
            evidence_error = None
        questions = [
            _question_item(question, state, discrepancies, evidence_error) for question in section.get("questions", [])
        ]
        estimates = selectors.section_estimates(index, state.visible)
        sections = [
            {
                "s": s,
                "progress": state.progress[s["id"]],
                "current": s["id"] == section_id,
                "estimate": estimates[s["id"]],
            }
            for s in index.sections
        ]
        return render(
            request,
            "assessments/form.html",
            {
                "assessment": assessment,
                "project": assessment.project,
                "section": section,
                "sections": sections,
                "questions": questions,
                "previous_section": index.sections[position - 1] if position > 0 else None,
                "next_section": index.sections[position + 1] if position + 1 < len(index.sections) else None,
                "can_edit": can_edit,
                "prefill": assessment.prefill or {},
                "new_questions": set((assessment.prefill or {}).get("new", [])),
                "dropped_questions": [
                    index.questions[qid].get("text", qid)
                    for qid in (assessment.prefill or {}).get("dropped", [])
                    if qid in index.questions
                ],
                "section_applies": any(item["visible"] for item in questions),
                "my_parts": [_part(index, state, a) for a in mine],
                "people_progress": selectors.assignee_progress(index, state, assignments),
                "assigned_here": {
                    a.question_id: a for a in assignments if a.section_id == section_id and a.question_id
                },
                "section_assignee": next(
                    (a for a in assignments if a.section_id == section_id and not a.question_id), None
                ),
                "can_assign": permissions.can_assign_sections(request.user, assessment),
                "can_discard": permissions.can_discard_or_withdraw(request.user, assessment),
                "currency": settings.PLUMBLINE_CURRENCY,
                "evidence_url_prefix": f"{assessment.get_absolute_url()}answers/",
                "upload_accept": ",".join(uploads.allowed_extensions()),
            },
        )


def _question_item(question, state, discrepancies, evidence_error=None):
    """What the question template needs, computed once here rather than by lookups in the template."""
    qid = question["id"]
    if not evidence_error or evidence_error.get("question_id") != qid:
        evidence_error = None
    answer = state.answers.get(qid)
    value = answer.value if answer else None
    qtype = type_of(question)
    return {
        "q": question,
        "answer": answer,
        "value": value,
        "choices": choices(question, value),
        "multi": qtype.multiple,
        "widget": f"assessments/answer/{qtype.widget}.html",
        "input_type": qtype.input_type,
        "input_attrs": qtype.input_attrs(question),
        "fields": [
            {"f": field, "input_type": type_of(field).input_type, "input_attrs": type_of(field).input_attrs(field)}
            for field in question.get("fields") or []
        ],
        "required": is_required(question),
        "visible": qid in state.visible,
        "evidence": state.evidence.get(qid),
        "discrepancy": qid in discrepancies,
        "files": list(answer.evidence.all()) if answer else [],
        "revisions": list(answer.revisions.all()) if answer else [],
        "justify": "|".join(map(str, question.get("justify") or [])),
        "evidence_error": evidence_error,
    }


def _part(index, state, assignment):
    return selectors.assignment_part(index, state, assignment)


def _first_open_section(index, state, mine=()):
    """The first section of the person's own part with a required answer missing, else the form's first such."""
    for assignment in mine:
        progress = state.progress.get(assignment.section_id)
        if progress and progress["visible"] and progress["required_missing"]:
            return assignment.section_id
    for section in index.sections:
        progress = state.progress[section["id"]]
        if progress["visible"] and progress["required_missing"]:
            return section["id"]
    return index.sections[0]["id"]


def _with_close_rights(conditions, user):
    for condition in conditions:
        condition.can_close = permissions.can_close_condition(
            user, owner_id=condition.owner_id, project=condition.assessment.project
        )
    return conditions


def _record_page(request, assessment):
    index = index_for(assessment.questionnaire)
    record = assessment.record or {}
    answers = record.get("answers", {})
    sections = []
    for section in index.sections:
        rows = [
            {
                "q": q,
                "a": {
                    **answers[q["id"]],
                    "display": display_value(q, answers[q["id"]].get("value")),
                    "table": answer_table(q, answers[q["id"]].get("value")),
                },
                "check": record.get("checks", {}).get(q["id"]),
            }
            for q in section.get("questions", [])
            if q["id"] in answers
        ]
        if rows:
            sections.append({"s": section, "rows": rows})
    options = selectors.review_options(assessment, request.user) if assessment.state != Assessment.State.DRAFT else None
    return render(
        request,
        "assessments/record.html",
        {
            "assessment": assessment,
            "project": assessment.project,
            "record": record,
            "result": assessment.result or {},
            "summary": selectors.result_summary(assessment),
            "sections": sections,
            "verified": services.assessment_verify(assessment),
            "reviews": list(assessment.reviews.all()),
            "review_options": options,
            "can_review": bool(options.steps or options.may_return),
            "signoffs": record.get("signoffs", []),
            "conditions": _with_close_rights(selectors.conditions_of(assessment=assessment), request.user),
            "can_edit": permissions.can_edit_project(request.user, assessment.project),
            "can_withdraw": assessment.state == Assessment.State.SUBMITTED
            and permissions.can_discard_or_withdraw(request.user, assessment),
        },
    )


@require_POST
def answer_save_view(request, pk, question_id):
    """JSON autosave endpoint: ``{value, comment, justification, expected_version}`` → new version + form state."""
    assessment = get_object_or_404(Assessment.objects.select_related("project", "questionnaire"), pk=pk)
    try:
        payload = limits.json_loads(request.body or b"{}")
    except limits.InputLimitError as exc:
        errors = {exc.field: [exc.message]} if exc.field else {}
        return JsonResponse({"detail": exc.message, "errors": errors}, status=400)
    try:
        expected_version = limits.parse_int(payload.get("expected_version", 0))
        if expected_version is None:
            raise ValueError
    except (ValueError, TypeError, AttributeError):
        return JsonResponse(
            {"detail": "Send JSON with value, comment, justification and expected_version.", "errors": {}}, status=400
        )
    try:
        answer = services.answer_save(
            assessment=assessment,
            question_id=question_id,
            value=payload.get("value"),
            comment=payload.get("comment", ""),
            justification=payload.get("justification", ""),
            expected_version=expected_version,
            actor=request.user,
        )
    except services.AnswerConflict as conflict:
        return JsonResponse({"detail": str(conflict), "errors": {}, "conflict": conflict.to_dict()}, status=409)
    except PermissionDenied as exc:
        return JsonResponse({"detail": str(exc), "errors": {}}, status=403)
    except services.AssessmentError as exc:
        return JsonResponse({"detail": str(exc), "errors": {}}, status=409)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "message_dict") else {"value": exc.messages}
        return JsonResponse({"detail": _first_error(exc), "errors": errors}, status=400)
    state = selectors.form_state(assessment, with_evidence=False)
    index = index_for(assessment.questionnaire)
    return JsonResponse(
        {
            "answer": services.answer_payload(answer),
            "visibility": state.visibility_map(index),
            "progress": state.progress,
            "claim": selectors.claims(assessment, [answer])[question_id],
        }
    )


@require_POST
def evidence_add_view(request, pk, question_id):
    assessment = get_object_or_404(Assessment.objects.select_related("project", "questionnaire"), pk=pk)
    index = index_for(assessment.questionnaire)
    section_id = index.section_of.get(question_id, "")
    try:
        services.evidence_add(
            assessment=assessment,
            question_id=question_id,
            actor=request.user,
            url=request.POST.get("url", "").strip(),
            upload=request.FILES.get("file"),
        )
        messages.success(request, "Evidence attached.")
    except ValidationError as exc:
        field = "file" if "file" in getattr(exc, "message_dict", {}) else "url"
        request.session[EVIDENCE_ERROR] = {
            "assessment_id": assessment.pk,
            "question_id": question_id,
            "field": field,
            "message": _first_error(exc),
        }
        # No fragment: the browser would then skip the autofocus that brings the person to the refused input.
        return redirect(f"{assessment.get_absolute_url()}?section={section_id}")
    except (services.AssessmentError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    return redirect(f"{assessment.get_absolute_url()}?section={section_id}#q-{question_id}")


def evidence_download_view(request, pk):
    """Serve an uploaded evidence file from the storage to anyone who may read the project (all signed-in users)."""
    evidence = get_object_or_404(AnswerEvidence.objects.select_related("answer__assessment__project"), pk=pk)
    if not evidence.file or not permissions.can_view_project(request.user, evidence.answer.assessment.project):
        raise Http404("No such evidence file.")
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.filename or None,
        content_type=evidence.content_type or "application/octet-stream",
    )
    # Never rendered by the browser, whatever the file holds: downloaded, not sniffed, and sandboxed if opened.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
def evidence_remove_view(request, pk):
    evidence = get_object_or_404(AnswerEvidence.objects.select_related("answer__assessment__project"), pk=pk)
    assessment = evidence.answer.assessment
    try:
        services.evidence_remove(evidence=evidence, actor=request.user)
        messages.success(request, "Evidence removed.")
    except (services.AssessmentError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    section_id = index_for(assessment.questionnaire).section_of.get(evidence.answer.question_id, "")
    return redirect(f"{assessment.get_absolute_url()}?section={section_id}")


class AssessmentSubmitView(View):
    def get(self, request, pk):
        assessment = _assessment_or_404(pk)
        if assessment.state != Assessment.State.DRAFT:
            return redirect(assessment.get_absolute_url())
        index = index_for(assessment.questionnaire)
        state = selectors.form_state(assessment, with_evidence=False, answers=list(assessment.answers.all()))
        problems = services.completeness_problems(state.answers, state.visible, index)
        return self._render(request, assessment, problems)

    def post(self, request, pk):
        assessment = _assessment_or_404(pk)
        try:
            services.assessment_submit(assessment=assessment, actor=request.user)
        except services.AssessmentIncomplete as exc:
            return self._render(request, assessment, exc.problems, status=400)
        except (services.AssessmentError, PermissionDenied) as exc:
            messages.error(request, str(exc))
            return redirect(assessment.get_absolute_url())
        messages.success(request, "Submitted for review. The record is frozen and its content hash recorded.")
        return redirect(assessment.get_absolute_url())

    def _render(self, request, assessment, problems, status=200):
        return render(
            request,
            "assessments/submit.html",
            {
                "assessment": assessment,
                "project": assessment.project,
                "problems": problems,
                "can_edit": permissions.can_edit_project(request.user, assessment.project),
            },
            status=status,
        )


CONDITION_ROWS = 3


def _condition_owners(project):
    """People a condition may be given to: the project's team and its owners."""
    ids = set(project.team.members.values_list("id", flat=True)) if project.team_id else set()
    ids |= {pk for pk in (project.business_owner_id, project.technical_owner_id) if pk}
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))


def _conditions_from_post(post, owners):
    """Filled condition rows of the review form; a half-filled row is an error naming it."""
    by_name = {u.username: u for u in owners}
    conditions, errors = [], []
    for n in range(1, CONDITION_ROWS + 1):
        text = post.get(f"condition-{n}-text", "").strip()
        owner = post.get(f"condition-{n}-owner", "")
        raw_due = post.get(f"condition-{n}-due", "").strip()
        try:
            due = parse_date(raw_due) if raw_due else None
        except ValueError:
            due = None
        if not (text or owner or raw_due):
            continue
        if not text or owner not in by_name or due is None:
            errors.append(f"Condition {n}: give what must be done, an owner and a due date (YYYY-MM-DD).")
            continue
        conditions.append({"text": text, "owner": by_name[owner], "due_on": due})
    return conditions, errors


class AssessmentReviewView(View):
    """One sign-off or a return: the approval status, who may sign and why not, the contradicted claims to
    acknowledge, conditions to attach."""

    def get(self, request, pk):
        assessment = _assessment_or_404(pk)
        return self._render(request, assessment)

    def post(self, request, pk):
        assessment = _assessment_or_404(pk)
        decision = request.POST.get("decision", "")
        acknowledgements = {
            key.removeprefix("ack-"): request.POST.get(f"note-{key.removeprefix('ack-')}", "")
            for key in request.POST
            if key.startswith("ack-")
        }
        conditions, errors = [], []
        if decision == Review.Decision.APPROVED:
            conditions, errors = _conditions_from_post(request.POST, _condition_owners(assessment.project))
        if errors:
            return self._render(request, assessment, error=" ".join(errors), status=400)
        try:
            services.assessment_review(
                assessment=assessment,
                reviewer=request.user,
                decision=decision,
                comment=request.POST.get("comment", ""),
                domain=request.POST.get("domain", ""),
                acknowledgements=acknowledgements,
                conditions=conditions,
            )
        except ValidationError as exc:
            return self._render(request, assessment, error=_first_error(exc), status=400)
        except PermissionDenied as exc:
            return self._render(request, assessment, error=str(exc), status=403)
        except services.AssessmentError as exc:
            return self._render(request, assessment, error=str(exc), status=400)
        assessment.refresh_from_db()
        if assessment.state == Assessment.State.SUBMITTED:
            status = selectors.approval_status(selectors.assessment_with_answers(assessment.pk))
            messages.success(request, f"Your approval is recorded. {status.summary()}.")
        else:
            messages.success(request, f"Assessment {assessment.get_state_display().lower()}.")
        return redirect(assessment.get_absolute_url())

    def _render(self, request, assessment, error="", status=200):
        options = selectors.review_options(assessment, request.user)
        return render(
            request,
            "assessments/review.html",
            {
                "assessment": assessment,
                "project": assessment.project,
                "summary": selectors.result_summary(assessment),
                "result": assessment.result or {},
                "verified": services.assessment_verify(assessment),
                "error": error,
                "options": options,
                "claims": selectors.contradicted_claims(assessment, list(assessment.answers.all()))
                if options.steps
                else [],
                "condition_rows": range(1, CONDITION_ROWS + 1),
                "owners": _condition_owners(assessment.project) if options.steps else [],
                "posted": request.POST if request.method == "POST" else {},
            },
            status=status,
        )


@require_POST
def condition_close_view(request, pk):
    condition = get_object_or_404(ApprovalCondition.objects.select_related("assessment__project"), pk=pk)
    try:
        services.condition_close(condition=condition, actor=request.user, note=request.POST.get("note", ""))
        messages.success(request, "Condition closed.")
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    except (services.AssessmentError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    return redirect(f"{condition.assessment.get_absolute_url()}#conditions")


@require_POST
def assessment_reopen_view(request, pk):
    assessment = get_object_or_404(Assessment.objects.select_related("project", "questionnaire"), pk=pk)
    try:
        new = services.assessment_reopen(assessment=assessment, actor=request.user)
    except (services.AssessmentError, PermissionDenied) as exc:
        messages.error(request, str(exc))
        return redirect(assessment.get_absolute_url())
    messages.success(request, "New draft started, pre-filled from the previous assessment.")
    return redirect(new.get_absolute_url())


def project_assessments_view(request, slug):
    project = get_object_or_404(Project.objects.select_related("team"), slug=slug)
    assessments = selectors.project_assessments(project)
    charts = []
    for kind in selectors.KINDS:
        history = selectors.score_history(project, kind)
        if history:
            title = (
                "Risk control over time (higher is safer)" if kind == "risk" else f"{kind.capitalize()} score over time"
            )
            charts.append({"kind": kind, "svg": score_chart_svg(history, title=title)})
    for assessment in assessments:
        assessment.summary = selectors.result_summary(assessment)
    comparable = [a for a in assessments if a.state != Assessment.State.DRAFT]
    return render(
        request,
        "assessments/project_assessments.html",
        {
            "project": project,
            "assessments": assessments,
            "charts": charts,
            "comparable": comparable,
            "default_older": next((a.pk for a in comparable[1:] if comparable and a.kind == comparable[0].kind), None),
        },
    )


def assessment_compare_view(request, slug):
    project = get_object_or_404(Project, slug=slug)
    ids = [limits.parse_id(request.GET.get("a")), limits.parse_id(request.GET.get("b"))]
    if None in ids:
        messages.error(request, "Choose two assessments to compare.")
        return redirect(reverse("assessments:project-list", args=[slug]))
    found = {a.pk: a for a in Assessment.objects.filter(project=project, pk__in=ids).select_related("questionnaire")}
    if len(found) != 2:
        messages.error(request, "Choose two different assessments of this project.")
        return redirect(reverse("assessments:project-list", args=[slug]))
    older, newer = sorted(found.values(), key=lambda a: (a.created_at, a.pk))
    if older.kind != newer.kind:
        messages.error(request, "Compare two assessments of the same kind (impact, risk or maturity).")
        return redirect(reverse("assessments:project-list", args=[slug]))
    comparison = selectors.compare(older, newer)
    return render(
        request,
        "assessments/compare.html",
        {
            "project": project,
            "comparison": comparison,
            "older_summary": selectors.result_summary(older),
            "newer_summary": selectors.result_summary(newer),
            "only_changed": request.GET.get("changed") == "1",
        },
    )


def attention_view(request):
    return render(
        request,
        "assessments/attention.html",
        {
            "items": selectors.attention(),
            "awaiting_review": selectors.awaiting_review(),
            "mine": selectors.waiting_for(request.user),
            "today": timezone.localdate(),
        },
    )


class AssessmentDiscardView(View):
    """A confirmation page, then the draft is deleted with its uploads (audited in the project history)."""

    def get(self, request, pk):
        assessment = _assessment_or_404(pk)
        files = sum(1 for answer in assessment.answers.all() for item in answer.evidence.all() if item.file)
        return render(
            request,
            "assessments/confirm.html",
            {
                "assessment": assessment,
                "project": assessment.project,
                "action": "discard",
                "allowed": assessment.state == Assessment.State.DRAFT
                and permissions.can_discard_or_withdraw(request.user, assessment),
                "answers": sum(1 for a in assessment.answers.all() if is_answered(a.value)),
                "files": files,
            },
        )

    def post(self, request, pk):
        assessment = _assessment_or_404(pk)
        try:
            services.assessment_discard(assessment=assessment, actor=request.user)
        except services.AssessmentError as exc:
            messages.error(request, str(exc))
            return redirect(assessment.get_absolute_url())
        messages.success(request, f"Draft {assessment.kind} assessment #{pk} discarded, with its uploaded files.")
        return redirect(assessment.project.get_absolute_url())


class AssessmentWithdrawView(View):
    """A confirmation page, then the submission goes back to draft before anyone decided on it (audited)."""

    def get(self, request, pk):
        assessment = _assessment_or_404(pk)
        return render(
            request,
            "assessments/confirm.html",
            {
                "assessment": assessment,
                "project": assessment.project,
                "action": "withdraw",
                "allowed": assessment.state == Assessment.State.SUBMITTED
                and permissions.can_discard_or_withdraw(request.user, assessment),
            },
        )

    def post(self, request, pk):
        assessment = _assessment_or_404(pk)
        try:
            services.assessment_withdraw(assessment=assessment, actor=request.user)
        except services.AssessmentError as exc:
            messages.error(request, str(exc))
            return redirect(assessment.get_absolute_url())
        messages.success(
            request, "Withdrawn: the assessment is a draft again and nobody will review it until you submit."
        )
        return redirect(assessment.get_absolute_url())


class AssessmentAssignmentsView(View):
    """Who answers which part, by when, and how far each person got; the owner assigns parts here."""

    def get(self, request, pk):
        return self._render(request, _assessment_or_404(pk))

    def post(self, request, pk):
        assessment = _assessment_or_404(pk)
        if not permissions.can_assign_sections(request.user, assessment):
            raise PermissionDenied(
                "Only the assessment's creator, the project's owners and admins can assign sections."
            )
        user_id = limits.parse_id(request.POST.get("assignee"))
        raw_date = request.POST.get("due_date", "").strip()
        due_date = None
        try:
            due_date = parse_date(raw_date) if raw_date else None
            if raw_date and due_date is None:
                raise ValueError
        except ValueError:
            return self._render(request, assessment, errors={"due_date": ["Enter a date as YYYY-MM-DD."]}, status=400)
        from accounts.models import User

        part = request.POST.get("part", "")
        index = index_for(assessment.questionnaire)
        section_id, question_id = (part, "") if index.section(part) else (index.section_of.get(part, part), part)
        try:
            services.section_assign(
                assessment=assessment,
                section_id=section_id,
                question_id=question_id,
                assignee=User.objects.filter(pk=user_id).first() if user_id else None,
                due_date=due_date,
                actor=request.user,
            )
        except ValidationError as exc:
            errors = exc.message_dict
            errors.setdefault("part", []).extend(errors.pop("section_id", []) + errors.pop("question_id", []))
            return self._render(request, assessment, errors=errors, status=400)
        except services.AssessmentError as exc:
            return self._render(request, assessment, errors={"part": [str(exc)]}, status=409)
        messages.success(request, "Assigned; the assignee is told in their inbox.")
        return redirect("assessments:assignments", pk=assessment.pk)

    def _render(self, request, assessment, errors=None, status=200):
        index = index_for(assessment.questionnaire)
        state = selectors.form_state(assessment, with_evidence=False, answers=list(assessment.answers.all()))
        assignments = selectors.assignments_of(assessment)
        can_assign = assessment.is_editable and permissions.can_assign_sections(request.user, assessment)
        estimates = selectors.section_estimates(index, state.visible)
        return render(
            request,
            "assessments/assignments.html",
            {
                "assessment": assessment,
                "project": assessment.project,
                "progress": selectors.assignee_progress(index, state, assignments),
                "parts": [_part(index, state, a) for a in assignments],
                "sections": [
                    {"s": s, "estimate": estimates[s["id"]], "applies": bool(state.progress[s["id"]]["visible"])}
                    for s in index.sections
                ],
                "people": selectors.assignable_people(assessment.project) if can_assign else [],
                "can_assign": can_assign,
                "errors": errors or {},
                "values": request.POST if errors else {},
                "today": timezone.localdate(),
            },
            status=status,
        )


@require_POST
def assignment_remove_view(request, pk):
    assignment = get_object_or_404(SectionAssignment.objects.select_related("assessment__project", "assignee"), pk=pk)
    try:
        services.section_unassign(assignment=assignment, actor=request.user)
    except services.AssessmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Assignment removed.")
    return redirect("assessments:assignments", pk=assignment.assessment_id)

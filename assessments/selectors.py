"""Reads of assessments: what the form, the history, the attention page, the gates and the reports show.

Every function here keeps its query count independent of the number of questions and answers.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone

from accounts import permissions
from assessments.scoring.maturity import MaturityResult
from connectors.selectors import evidence_by_question, question_evidence_from_readings
from questionnaires.models import QuestionnaireVersion
from questionnaires.types import claim_status, duration_words, estimated_seconds
from questionnaires.visibility import visible_question_ids
from registry.choices import Stage
from registry.models import Project
from registry.selectors import project_context

from . import approvals
from .models import (
    Answer,
    AnswerEvidence,
    AnswerRevision,
    ApprovalCondition,
    ApprovalPolicy,
    ApproverGroup,
    Assessment,
    Review,
    SectionAssignment,
)
from .questions import display_value, index_for, is_answered, is_required
from .scoring.risk import stored_verdict

EXPIRING_WITHIN = timedelta(days=14)
KINDS = ("impact", "risk", "maturity")


def scoring_context(project):
    return {"project": project_context(project)}


def evidence_for(project, definition):
    """``{question_id: {"state", "check_id", "reason", "checked_at", "stale", ...}}`` from the connectors app."""
    return evidence_by_question(project, definition)


def evidence_states(evidence):
    """The effective check state per question for scoring (``connectors.reading``: stale reads ``stale``)."""
    return {qid: item.get("state") for qid, item in evidence.items()}


_DEFINITIONS: dict[int, dict] = {}


def definitions_by_version(version_ids) -> dict[int, dict]:
    """Questionnaire definitions by version id; versions are immutable, so each is read once per process."""
    missing = [pk for pk in set(version_ids) if pk not in _DEFINITIONS]
    if missing:
        for pk, definition in QuestionnaireVersion.objects.filter(pk__in=missing).values_list("pk", "definition"):
            _DEFINITIONS[pk] = definition
    return {pk: _DEFINITIONS[pk] for pk in version_ids if pk in _DEFINITIONS}


def maturity_now(*, definition, record, readings_by_check) -> tuple[dict, dict]:
    """An approved maturity assessment scored again against today's evidence: ``(result, evidence by question)``.

    The frozen answers and project context are the record's; the evidence is what every page reads now
    (``connectors.reading``), so the verified level, the contradicted claims and "why" follow the checks.
    """
    from .scoring import score

    evidence = question_evidence_from_readings(definition, readings_by_check)
    answers = {qid: item.get("value") for qid, item in (record.get("answers") or {}).items()}
    answers = {qid: value for qid, value in answers.items() if is_answered(value)}
    context = {"project": (record.get("project") or {}).get("context") or {}}
    result = score(definition, answers, context, evidence_states(evidence)).to_dict()
    return result, evidence


def current_maturity_results(rows, readings) -> dict[int, tuple[dict, dict]]:
    """``{assessment_id: (result, evidence)}`` for approved maturity rows (``id``, ``project_id``,
    ``questionnaire_id``, ``record``) against ``readings`` (``{project_id: {check_id: [Reading]}}``); at most one
    query, for definitions this process has not read yet."""
    rows = [r for r in rows if r.get("record")]
    definitions = definitions_by_version([r["questionnaire_id"] for r in rows])
    out = {}
    for r in rows:
        definition = definitions.get(r["questionnaire_id"])
        if definition is not None:
            out[r["id"]] = maturity_now(
                definition=definition, record=r["record"], readings_by_check=readings.get(r["project_id"], {})
            )
    return out


def answer_values(answers):
    return {a.question_id: a.value for a in answers if is_answered(a.value)}


def latest_approved(project, kind):
    """The newest approved assessment of ``kind`` for the project (expired or not; see ``expires_at``)."""
    return (
        Assessment.objects.filter(project=project, kind=kind, state=Assessment.State.APPROVED)
        .select_related("questionnaire")
        .order_by("-decided_at", "-id")
        .first()
    )


def risk_tier(project) -> str | None:
    """The tier of the project's newest approved risk assessment (low, medium, high, critical), or None."""
    assessment = latest_approved(project, "risk")
    tier = (assessment.result or {}).get("tier") if assessment else None
    return str(tier) if tier else None


def open_draft(project, kind):
    return Assessment.objects.filter(project=project, kind=kind, state=Assessment.State.DRAFT).first()


def assessment_with_answers(pk):
    """One assessment with its questionnaire, answers (with who answered), their evidence and revisions and the
    reviews: five queries whatever the number of answers."""
    return (
        Assessment.objects.select_related("project", "project__team", "questionnaire", "created_by", "submitted_by")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("answered_by")),
            Prefetch("answers__evidence", queryset=AnswerEvidence.objects.select_related("added_by")),
            Prefetch("answers__revisions", queryset=AnswerRevision.objects.select_related("by")),
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
        )
        .get(pk=pk)
    )


@dataclass
class FormState:
    """Everything the form shows besides the definition: answers, visibility, progress, evidence."""

    answers: dict  # question_id -> Answer
    visible: set
    progress: dict  # section_id -> {"answered", "visible", "required_missing"}
    evidence: dict = field(default_factory=dict)

    def visibility_map(self, index):
        return {qid: qid in self.visible for qid in index.questions}


def form_state(assessment, *, with_evidence=True, answers=None):
    """Compute the form state of a draft from its answers (already prefetched when possible)."""
    index = index_for(assessment.questionnaire)
    if answers is None:
        answers = list(assessment.answers.all())
    by_question = {a.question_id: a for a in answers}
    visible = visible_question_ids(
        assessment.questionnaire.definition, answer_values(answers), scoring_context(assessment.project)
    )
    progress = section_progress(index, by_question, visible)
    evidence = evidence_for(assessment.project, assessment.questionnaire.definition) if with_evidence else {}
    return FormState(answers=by_question, visible=visible, progress=progress, evidence=evidence)


def section_progress(index, by_question, visible):
    progress = {}
    for section in index.sections:
        ids = [q["id"] for q in section.get("questions", []) if q["id"] in visible]
        answered = [qid for qid in ids if qid in by_question and is_answered(by_question[qid].value)]
        missing = [qid for qid in ids if is_required(index.questions[qid]) and qid not in answered]
        progress[section["id"]] = {"answered": len(answered), "visible": len(ids), "required_missing": len(missing)}
    return progress


def discrepancies(index, answers, evidence):
    """Questions whose answer claims something is in place while a bound check contradicts it
    (``questionnaires.types.claim_status``, the rule scoring uses too)."""
    return {
        qid
        for qid, state in evidence_states(evidence).items()
        if qid in answers and claim_status(index.questions.get(qid), answers[qid].value, state) == "contradicted"
    }


def claims(assessment, answers):
    """``{question_id: claim_status}`` of ``answers`` (Answer rows): what the evidence bound to each question says
    of its answer, by the one rule the form and scoring use too. Two queries when the questionnaire binds checks,
    none otherwise."""
    index = index_for(assessment.questionnaire)
    if not any(q.get("evidence") for q in index.questions.values()):
        return {a.question_id: None for a in answers}
    states = evidence_states(evidence_for(assessment.project, assessment.questionnaire.definition))
    return {
        a.question_id: claim_status(index.questions.get(a.question_id), a.value, states.get(a.question_id))
        for a in answers
    }


def project_assessments(project):
    """All assessments of a project, newest first, with their questionnaire (one query)."""
    return list(
        Assessment.objects.filter(project=project)
        .select_related("questionnaire", "created_by", "submitted_by")
        .order_by("-created_at", "-id")
    )


def result_summary(assessment):
    """The headline of a result, per model: level, tier or recommendation."""
    result = assessment.result or {}
    maturity = MaturityResult.from_dict(result) if assessment.kind == "maturity" else None
    if maturity is not None and maturity.claimed_level is not None:
        if maturity.verified_level is None:
            name = f" – {maturity.level_name}" if maturity.level_name else ""
            return f"Level {maturity.claimed_level}{name} (claimed)"
        name = f" – {maturity.verified_level_name}" if maturity.verified_level_name else ""
        return f"Verified level {maturity.verified_level}{name} (claimed {maturity.claimed_level})"
    if assessment.kind == "risk" and result.get("tier"):
        verdict = stored_verdict(result)
        return verdict["label"] if verdict["code"] == "stop" else f"{str(result['tier']).capitalize()} risk"
    if assessment.kind == "impact" and result.get("recommendation"):
        return str(result["recommendation"]).replace("_", " ").capitalize()
    return ""


def score_history(project, kind=None):
    """Submitted and approved assessments with a score, oldest first, for the chart (returned ones were not
    accepted, so they do not count as the project's score at the time). Risk results stored before the verdict
    are left out: their score counted hazard answers as points, so it is not the risk control of later ones."""
    qs = Assessment.objects.filter(
        project=project, result__isnull=False, state__in=[Assessment.State.SUBMITTED, Assessment.State.APPROVED]
    ).exclude(Q(kind="risk") & ~Q(result__has_key="verdict"))
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.select_related("questionnaire").order_by("submitted_at", "id"))


def due_for_reassessment(*, now=None, within=EXPIRING_WITHIN):
    """Approved assessments, newest per project and kind, that have expired or expire within ``within``."""
    now = now or timezone.now()
    newer_approved = Assessment.objects.filter(
        project=OuterRef("project"),
        kind=OuterRef("kind"),
        state=Assessment.State.APPROVED,
        decided_at__gt=OuterRef("decided_at"),
    )
    return list(
        Assessment.objects.filter(
            state=Assessment.State.APPROVED,
            expires_at__lte=now + within,
            project__archived_at__isnull=True,
        )
        .exclude(project__stage=Stage.RETIRED)  # a retired project is not re-assessed
        .exclude(Exists(newer_approved))
        .select_related("project", "project__business_owner", "project__technical_owner", "questionnaire")
        .order_by("expires_at")
    )


_expected_kinds = []


def expected_kinds_from(source):
    """Register ``source() -> {stage: (kind, ...)}``: the approved assessments a project in each stage is expected
    to hold. The gate policy decides that and gates sits above assessments, so gates registers its selector here
    (gates/apps.py) instead of assessments importing gates; without a source nothing is expected."""
    _expected_kinds[:] = [source]


def expected_kinds_by_stage():
    """``{stage: (kind, ...)}`` from the registered source (see ``expected_kinds_from``)."""
    return _expected_kinds[0]() if _expected_kinds else {}


def awaiting_review():
    """Submitted assessments waiting for a reviewer, oldest first (one query)."""
    return list(
        Assessment.objects.filter(state=Assessment.State.SUBMITTED, project__archived_at__isnull=True)
        .select_related("project", "project__team", "submitted_by")
        .order_by("submitted_at", "id")
    )


@dataclass
class AttentionItem:
    project: Project
    reasons: list  # [{"kind", "problem": "expired"|"expiring"|"missing", "text", "assessment"}]


def attention(*, now=None):
    """Projects that need an assessment: expired or expiring approvals, or none for what their stage expects."""
    now = now or timezone.now()
    items = {}
    for assessment in due_for_reassessment(now=now):
        expired = assessment.expires_at <= now
        items.setdefault(assessment.project_id, AttentionItem(assessment.project, [])).reasons.append(
            {
                "kind": assessment.kind,
                "problem": "expired" if expired else "expiring",
                "text": f"{assessment.get_kind_display()} assessment "
                + (
                    f"expired on {assessment.expires_at:%d %b %Y}"
                    if expired
                    else f"expires on {assessment.expires_at:%d %b %Y}"
                ),
                "assessment": assessment,
            }
        )
    expected = expected_kinds_by_stage()
    approved_counts = {
        f"approved_{kind}": Count("assessments", filter=Q(assessments__kind=kind, assessments__state="approved"))
        for kind in KINDS
    }
    projects = (
        Project.objects.active()
        .filter(stage__in=list(expected))
        .select_related("team", "business_owner", "technical_owner")
        .annotate(**approved_counts)
    )
    for project in projects:
        for kind in expected[project.stage]:
            if not getattr(project, f"approved_{kind}"):
                items.setdefault(project.pk, AttentionItem(project, [])).reasons.append(
                    {
                        "kind": kind,
                        "problem": "missing",
                        "text": f"No approved {kind} assessment for a project in {project.get_stage_display().lower()}",
                        "assessment": None,
                    }
                )
    return sorted(items.values(), key=lambda item: item.project.name.lower())


@dataclass
class AnswerChange:
    question_id: str
    text: str
    section: str
    before: str
    after: str
    changed: bool
    points_before: float | None
    points_after: float | None


def compare(older, newer):
    """Answer-by-answer comparison of two assessments of the same kind, and how the score moved and why."""
    older_answers = _answers_of(older)
    newer_answers = _answers_of(newer)
    older_index, newer_index = index_for(older.questionnaire), index_for(newer.questionnaire)
    older_points = _contributions(older)
    newer_points = _contributions(newer)
    rows = []
    seen = set()
    for index in (newer_index, older_index):
        for qid, question in index.questions.items():
            if qid in seen:
                continue
            seen.add(qid)
            before = display_value(older_index.questions.get(qid), older_answers.get(qid))
            after = display_value(newer_index.questions.get(qid), newer_answers.get(qid))
            rows.append(
                AnswerChange(
                    question_id=qid,
                    text=question.get("text", qid),
                    section=(index.section(index.section_of[qid]) or {}).get("title", ""),
                    before=before,
                    after=after,
                    changed=before != after,
                    points_before=older_points.get(qid),
                    points_after=newer_points.get(qid),
                )
            )
    movers = sorted(
        (r for r in rows if (r.points_after or 0) != (r.points_before or 0)),
        key=lambda r: -abs((r.points_after or 0) - (r.points_before or 0)),
    )
    return {"rows": rows, "movers": movers, "older": older, "newer": newer}


def _answers_of(assessment):
    if assessment.record:
        return {qid: item.get("value") for qid, item in assessment.record.get("answers", {}).items()}
    return {a.question_id: a.value for a in assessment.answers.all()}


def _contributions(assessment):
    result = assessment.result or {}
    return {c["question_id"]: c.get("points") for c in result.get("contributions", [])}


# --- approvals by domain ---------------------------------------------------------------------------------------


def approval_policy_in_force():
    """``(rules, version)``: the newest active approval policy, else the defaults (version ``None``)."""
    policy = ApprovalPolicy.objects.filter(is_active=True).order_by("-version").first()
    if policy is None:
        return approvals.DEFAULT_RULES, None
    return policy.rules, policy.version


def approval_tier(assessment):
    """The risk tier that decides the sign-offs: a risk assessment's own, else the project's newest approved
    risk assessment's; ``unknown`` when there is none (the policy's strictest default)."""
    if assessment.kind == "risk":
        tier = (assessment.result or {}).get("tier")
    else:
        risk = latest_approved(assessment.project, "risk")
        tier = (risk.result or {}).get("tier") if risk else None
    return tier if tier in approvals.TIERS else "unknown"


def approval_status(assessment, *, rules=None):
    """``approvals.ApprovalStatus`` of an assessment: while submitted, under the policy in force and today's tier;
    once decided, as its record's last decision says it stood (a later risk assessment does not change what an
    approval needed)."""
    given = [
        approvals.Signoff(r.reviewer_id, r.reviewer.username if r.reviewer else "?", r.domain or approvals.ANY)
        for r in sorted(assessment.reviews.all(), key=lambda r: (r.at, r.pk))
        if r.decision == Review.Decision.APPROVED
    ]
    last = ((assessment.record or {}).get("signoffs") or [{}])[-1]
    if assessment.state != Assessment.State.SUBMITTED and "required" in last:
        return approvals.status(tuple(last["required"]), given, last.get("tier") or "unknown")
    if rules is None:
        rules, _version = approval_policy_in_force()
    tier = approval_tier(assessment)
    return approvals.status(approvals.required_signoffs(rules, assessment.kind, tier), given, tier)


def approver_domains(user):
    """The approver domains ``user`` belongs to."""
    if not (user and user.is_authenticated):
        return set()
    return set(ApproverGroup.objects.filter(members=user).values_list("domain", flat=True))


def approver_groups():
    """Every approver group with its members (two queries)."""
    return list(ApproverGroup.objects.prefetch_related("members").order_by("domain"))


def contradicted_claims(assessment, answers=None):
    """Answers whose claim the evidence contradicts today (``questionnaires.types.claim_status``), in
    questionnaire order: ``[{"question_id", "text", "check_id", "state", "reason"}]``. An approver acknowledges
    each before approving."""
    index = index_for(assessment.questionnaire)
    if not any(q.get("evidence") for q in index.questions.values()):
        return []
    rows = {a.question_id: a for a in (answers if answers is not None else assessment.answers.all())}
    evidence = evidence_for(assessment.project, assessment.questionnaire.definition)
    found = discrepancies(index, rows, evidence)
    return [
        {
            "question_id": qid,
            "text": question.get("text", qid),
            "check_id": evidence[qid].get("check_id") or "",
            "state": evidence[qid].get("state") or "",
            "reason": evidence[qid].get("reason") or "",
        }
        for qid, question in index.questions.items()
        if qid in found
    ]


@dataclass
class ReviewOptions:
    """What one person may do with a submitted assessment, and why not when they may not."""

    status: approvals.ApprovalStatus
    policy_version: int | None
    steps: list  # the sign-offs this person may give now
    may_return: bool
    refusal: str  # why this person may not approve ("" when they may)


def review_options(assessment, user, *, rules=None, version=None):
    """The rule for who may approve or return, in one place: the service enforces it, pages and the API show it."""
    if rules is None:
        rules, version = approval_policy_in_force()
    current = approval_status(assessment, rules=rules)
    if assessment.state != Assessment.State.SUBMITTED:
        refusal = f"Only submitted assessments can be reviewed; this one is {assessment.get_state_display().lower()}."
        return ReviewOptions(current, version, [], False, refusal)
    refusal = permissions.separation_of_duties(
        user, project=assessment.project, submitted_by_id=assessment.submitted_by_id
    )
    if refusal:
        return ReviewOptions(current, version, [], False, refusal)
    domains = approver_domains(user)
    reviewer = permissions.can_review(user)
    may_return = reviewer or bool(domains)
    if not may_return:
        return ReviewOptions(current, version, [], False, "Only reviewers and approvers can review assessments.")
    if any(s.user_id == user.pk for s in current.given):
        return ReviewOptions(current, version, [], True, "You have already approved this assessment.")
    steps = approvals.open_steps_for(current, user_id=user.pk, domains=domains, is_reviewer=reviewer)
    if not steps:
        waiting = ", ".join(approvals.step_label(s) for s in current.waiting)
        return ReviewOptions(
            current, version, [], True, f"Waiting for {waiting}; you are not in an approver group it needs."
        )
    return ReviewOptions(current, version, steps, True, "")


def approvers_for(assessment):
    """Active people who may give one of the sign-offs ``assessment`` still waits for: the rule of
    ``review_options`` (domains, separation of duties) applied to every reviewer, admin and approver-group member."""
    from accounts.models import User

    rules, version = approval_policy_in_force()
    candidates = (
        User.objects.filter(is_active=True)
        .filter(
            Q(role__in=[User.Role.REVIEWER, User.Role.ADMIN]) | Q(is_superuser=True) | Q(approver_groups__isnull=False)
        )
        .distinct()
        .order_by("id")
    )
    return [user for user in candidates if review_options(assessment, user, rules=rules, version=version).steps]


def conditions_of(*, assessment=None, project=None, open_only=False):
    """Conditions attached to approvals, soonest due first, with owner and assessment (one query)."""
    qs = ApprovalCondition.objects.select_related("owner", "closed_by", "assessment", "assessment__project")
    if assessment is not None:
        qs = qs.filter(assessment=assessment)
    if project is not None:
        qs = qs.filter(assessment__project=project)
    if open_only:
        qs = qs.filter(closed_at__isnull=True)
    return list(qs.order_by(F("closed_at").asc(nulls_first=True), "due_on", "id"))


# --- section assignments and what waits for one person ----------------------------------------------------------


def assignments_of(assessment):
    """The assessment's assignments with their assignee, by due date (one query)."""
    return list(
        SectionAssignment.objects.filter(assessment=assessment).select_related("assignee").order_by("due_date", "id")
    )


def assigned_question_ids(index, assignment):
    return (
        [assignment.question_id]
        if assignment.question_id
        else [q["id"] for q in (index.section(assignment.section_id) or {}).get("questions", [])]
    )


def assignment_part(index, state, assignment, *, today=None):
    """One assigned part as pages and the API show it: its label, section and question, how many of its questions
    that apply are answered, and whether its due date passed before it was done. Pure over the form state."""
    today = today or timezone.localdate()
    ids = [qid for qid in assigned_question_ids(index, assignment) if qid in state.visible]
    answered = sum(1 for qid in ids if qid in state.answers and is_answered(state.answers[qid].value))
    return {
        "assignment": assignment,
        "label": part_label(index, assignment),
        "section": index.section(assignment.section_id) or {},
        "question": index.questions.get(assignment.question_id) if assignment.question_id else None,
        "answered": answered,
        "total": len(ids),
        "overdue": bool(assignment.due_date and assignment.due_date < today and answered < len(ids)),
    }


def assignee_progress(index, state, assignments, *, today=None):
    """Per assignee: their parts, how many of the questions in them that apply are answered, the nearest due date
    and whether it passed. Pure over the form state (no query)."""
    today = today or timezone.localdate()
    people = {}
    for assignment in assignments:
        part = assignment_part(index, state, assignment, today=today)
        row = people.setdefault(
            assignment.assignee_id,
            {"assignee": assignment.assignee, "parts": [], "answered": 0, "total": 0, "due_date": None},
        )
        row["parts"].append(assignment)
        row["answered"] += part["answered"]
        row["total"] += part["total"]
        if assignment.due_date and (row["due_date"] is None or assignment.due_date < row["due_date"]):
            row["due_date"] = assignment.due_date
    for row in people.values():
        row["done"] = row["answered"] >= row["total"]
        row["overdue"] = bool(row["due_date"] and row["due_date"] < today and not row["done"])
    return sorted(people.values(), key=lambda r: (r["assignee"].get_full_name() or r["assignee"].username).lower())


def section_estimates(index, visible=None):
    """``{section_id: "about N min"}`` for the questions that apply (all of them before starting)."""
    return {
        section["id"]: duration_words(
            estimated_seconds(q for q in section.get("questions", []) if visible is None or q["id"] in visible)
        )
        for section in index.sections
    }


def questionnaire_estimate(version):
    """How long the whole questionnaire takes, in words (shown beside "Start ... assessment")."""
    index = index_for(version)
    return duration_words(estimated_seconds(index.questions.values()))


def assignable_people(project):
    """Who a part of the project's assessment can go to (``accounts.permissions.can_be_assigned``), by name."""
    members = project.team.members.filter(is_active=True).order_by("first_name", "last_name", "username")
    return [user for user in members if permissions.can_be_assigned(user, project)]


def open_assignments(*, user=None, due_by=None):
    """Assignments on drafts of active projects, soonest due first, with what the notices and pages need (one
    query): one person's (``user``), or everyone's due on or before ``due_by`` (the reminder task)."""
    qs = SectionAssignment.objects.filter(
        assessment__state=Assessment.State.DRAFT, assessment__project__archived_at__isnull=True
    ).select_related("assessment", "assessment__project", "assessment__questionnaire", "assignee")
    if user is not None:
        qs = qs.filter(assignee=user)
    if due_by is not None:
        qs = qs.filter(due_date__lte=due_by)
    rows = list(qs.order_by(F("due_date").asc(nulls_last=True), "id"))
    for row in rows:
        row.label = part_label(index_for(row.assessment.questionnaire), row)
    return rows


def part_label(index, assignment):
    """What a person calls an assigned part: the section's title, or the question's text."""
    if assignment.question_id:
        return (index.questions.get(assignment.question_id) or {}).get("text", assignment.question_id)
    return (index.section(assignment.section_id) or {}).get("title", assignment.section_id)


def returned_for(user):
    """Returned assessments of the user's teams' projects that nobody has taken up again (no newer assessment of
    the same kind), newest decision first."""
    newer = Assessment.objects.filter(
        project=OuterRef("project"), kind=OuterRef("kind"), created_at__gt=OuterRef("created_at")
    )
    return list(
        Assessment.objects.filter(
            state=Assessment.State.RETURNED,
            project__team_id__in=permissions.member_team_ids(user),
            project__archived_at__isnull=True,
        )
        .exclude(Exists(newer))
        .select_related("project", "project__team")
        .prefetch_related(Prefetch("reviews", queryset=Review.objects.select_related("reviewer")))
        .order_by("-decided_at", "-id")
    )


def waiting_for(user, *, today=None):
    """What waits for one person: submissions waiting for a sign-off they may give (``review_options``), their
    teams' returned assessments, the parts assigned to them and, of those, the overdue ones."""
    today = today or timezone.localdate()
    to_review = []
    if permissions.can_review(user) or approver_domains(user):
        rules, version = approval_policy_in_force()
        # Only what still waits for a sign-off this person may give (separation of duties and domains included).
        to_review = [a for a in awaiting_review() if review_options(a, user, rules=rules, version=version).steps]
    assigned = open_assignments(user=user)
    return {
        "to_review": to_review,
        "returned": returned_for(user),
        "assigned": [a for a in assigned if not (a.due_date and a.due_date < today)],
        "overdue": [a for a in assigned if a.due_date and a.due_date < today],
    }

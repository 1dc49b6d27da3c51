"""Demo assessments for the demo portfolio (``registry.demo``): approved, returned, expired and draft impact,
risk and maturity assessments, with maturity history over several quarters so trends show.

Answers are generated deterministically from each project's profile (stage, exposure, data handled), so every
run gives the same portfolio. Submission, scoring, hashing and review go through the real services; only the
dates are moved back afterwards to spread the history over a year. Idempotent: projects that already have
assessments are left alone.
"""

import hashlib
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from questionnaires import types
from questionnaires.selectors import latest_version
from questionnaires.types import type_of
from questionnaires.visibility import visible_question_ids
from registry.models import Project

from . import selectors, services
from .models import Answer, AnswerEvidence, AnswerRevision, ApproverGroup, Assessment
from .questions import index_for, needs_justification
from .selectors import scoring_context

logger = logging.getLogger(__name__)

STAGE_STRENGTH = {"idea": 0.3, "poc": 0.4, "pilot": 0.45, "production": 0.55, "retired": 0.4}
# (days ago, kind, final state); maturity assessments repeat quarterly, each a little better than the last.
PLAN = {
    "idea": [(10, "impact", "draft")],
    "poc": [(60, "impact", "approved"), (55, "risk", "approved")],
    "pilot": [
        (200, "impact", "approved"),
        (150, "risk", "approved"),
        (150, "maturity", "approved"),
        (60, "maturity", "approved"),
        (5, "maturity", "draft"),
    ],
    "production": [
        (300, "impact", "approved"),
        (160, "risk", "approved"),
        (360, "maturity", "approved"),
        (270, "maturity", "approved"),
        (180, "maturity", "returned"),
        (175, "maturity", "approved"),
        (80, "maturity", "approved"),
    ],
    "retired": [(500, "impact", "approved"), (420, "risk", "approved")],
}
# Approver groups of the demo: who signs off each domain the default approval policy names.
APPROVER_GROUPS = {
    "security": ("Security", ["reviewer"]),
    "legal": ("Legal", ["lena"]),
    "privacy": ("Privacy", ["pablo"]),
}
# Projects whose latest approvals are older, so the attention page and the reminders have something to show.
AGED = {"support-ticket-summariser": 100, "moderation-assistant": 30}


def _unit(*parts):
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _eu_ai_act_value(question_id, project):
    """EU AI Act classification answers follow from what the project is, not from chance.

    No demo project uses a prohibited practice; the HR agent supports decisions about workers (Annex III,
    employment); chatbots and customer-facing generators carry the transparency duty.
    """
    facing_people = project.exposure != "internal" or project.archetype in ("chatbot", "agent", "multi_agent")
    answers = {
        "risk.euact.eu_nexus": "yes" if "EU" in (project.regions or []) else "no",
        "risk.euact.prohibited_practice": "no",
        "risk.euact.annex_i_product": "no",
        "risk.euact.annex_iii_areas": ["employment"] if project.slug == "hr-agent" else ["none"],
        "risk.euact.profiling": "no",
        "risk.euact.derogation": "no",
        "risk.euact.interacts_with_people": "yes" if facing_people else "no",
        "risk.euact.synthetic_content": "yes" if project.archetype == "content_generation" else "no",
        "risk.euact.deepfake_or_public_text": "no",
        "risk.euact.emotion_or_biometric": "no",
    }
    return answers.get(question_id, "no")


def _value(question, strength, key, project):
    """A plausible answer to ``question`` for a team of the given strength (0..1)."""
    if question["id"].startswith("risk.euact."):
        return _eu_ai_act_value(question["id"], project)
    qtype, roll = type_of(question), _unit(key, question["id"])
    if isinstance(qtype, types.YesNo):
        # Must-haves get done first; impact questions are mostly about intent, which teams usually have.
        bonus = {"must": 0.3, "should": 0.0, "may": -0.15}.get(question.get("criticality"), 0.0)
        if question["id"].startswith("impact."):
            bonus = 0.35
        if roll < strength + bonus:
            return "yes"
        return "unknown" if roll > 0.95 and question.get("allow_unknown", True) else "no"
    if qtype.options:
        options = [o for o in question.get("options", []) if not o.get("na")]
        if not options:
            return None
        ranked = sorted(options, key=lambda o: o.get("points") or 0)
        if question["id"].endswith((".likelihood", ".severity")):
            exposure = (
                0.25
                + 0.25 * (project.exposure != "internal")
                + 0.2 * project.handles_pii
                + 0.1 * project.handles_sensitive
            )
            index = min(len(ranked) - 1, int((exposure * 0.5 + roll * 0.35) * len(ranked)))
            return ranked[index]["value"]
        if qtype.multiple:
            count = max(1, round(len(ranked) * min(1.0, strength * (0.7 + roll * 0.6))))
            return [o["value"] for o in ranked[::-1][:count]]
        return ranked[-1]["value"] if roll < strength + 0.2 else ranked[max(0, len(ranked) // 2 - 1)]["value"]
    if isinstance(qtype, types.Scale):
        return min(4, round(strength * 4 + roll - 0.5))
    if isinstance(qtype, types.Money):
        return 50_000 if "build" in question["id"] else 2_000 if "run" in question["id"] else 180_000
    if isinstance(qtype, types.Number):
        return max(question.get("min") or 0, 250)
    if isinstance(qtype, types.Date):
        return (timezone.localdate() + timedelta(days=120)).isoformat()
    if isinstance(qtype, types.Url):
        return f"https://wiki.example.com/{project.slug}/{question['id'].rsplit('.', 1)[-1]}"
    if isinstance(qtype, types.Text):
        return f"{project.name}: see the project wiki page on {question.get('text', '').lower().rstrip('?.')[:60]}."
    if isinstance(qtype, types.Group):
        rows = max(1, question.get("min_items") or 1)
        return [
            {f["id"]: _value(f, strength, f"{key}:{n}", project) for f in question.get("fields", [])}
            for n in range(rows)
        ]
    return None


def _answers_for(version, project, strength, key):
    """Answers to every question that applies, filled in file order so conditions see earlier answers."""
    definition = version.definition
    context = scoring_context(project)
    answers = {}
    for _section, question in ((s, q) for s in definition["sections"] for q in s["questions"]):
        value = _value(question, strength, key, project)
        if value is not None:
            answers[question["id"]] = value
    for inventory_field, qid in index_for(version).money_inputs().items():
        amount = getattr(project, inventory_field)
        if amount is not None:
            answers[qid] = int(amount)
    visible = visible_question_ids(definition, answers, context)
    return {qid: value for qid, value in answers.items() if qid in visible}


def _create(project, kind, state, days_ago, strength, owner, reviewer, round_no):
    version = latest_version(kind)
    if version is None:
        logger.warning("No %s questionnaire loaded; run manage.py load_questionnaires first.", kind)
        return None
    when = timezone.now() - timedelta(days=days_ago)
    assessment = Assessment.objects.create(project=project, questionnaire=version, kind=kind, created_by=owner)
    index = index_for(version)
    answers = _answers_for(version, project, strength, f"{project.slug}:{kind}:{round_no}")
    if state == "draft":
        answers = dict(list(answers.items())[: len(answers) // 2])
    rows = []
    for qid, value in answers.items():
        question = index.questions[qid]
        justification = (
            "Accepted for now; the gap is tracked in the team backlog." if needs_justification(question, value) else ""
        )
        rows.append(
            Answer(
                assessment=assessment,
                question_id=qid,
                value=value,
                justification=justification,
                version=1,
                answered_by=owner,
            )
        )
    Answer.objects.bulk_create(rows)
    saved = list(Answer.objects.filter(assessment=assessment))
    AnswerRevision.objects.bulk_create(
        AnswerRevision(answer=a, version=1, value=a.value, justification=a.justification, by=owner) for a in saved
    )
    AnswerEvidence.objects.bulk_create(
        AnswerEvidence(
            answer=a, url=f"https://wiki.example.com/{project.slug}/evidence/{a.question_id}", added_by=owner
        )
        for a in saved
        if index.questions[a.question_id].get("evidence_required") and a.value not in ("no", "na", "unknown")
    )
    dates = {"created_at": when, "updated_at": when}
    if state != "draft":
        services.assessment_submit(assessment=assessment, actor=owner)
        dates["submitted_at"] = when + timedelta(days=2)
        if state == "approved":
            _approve_every_domain(assessment, reviewer)
        if state == "returned":
            comment = "Link the monitoring dashboards and re-submit."
            services.assessment_review(assessment=assessment, reviewer=reviewer, decision=state, comment=comment)
        if state in ("approved", "returned"):
            dates["decided_at"] = when + timedelta(days=4)
            if state == "approved":
                validity = int(version.definition.get("validity_days") or version.validity_days)
                dates["expires_at"] = dates["decided_at"] + timedelta(days=validity)
            assessment.reviews.update(at=dates["decided_at"])
    # The record keeps its own submission time; only the rows' bookkeeping dates move back for the history.
    Assessment.objects.filter(pk=assessment.pk).update(**dates)
    Answer.objects.filter(assessment=assessment).update(answered_at=when)
    AnswerRevision.objects.filter(answer__assessment=assessment).update(at=when)
    return assessment


def _approve_every_domain(assessment, reviewer):
    """One sign-off per domain the approval policy asks, each by a member of that approver group (the reviewer
    for ``any``), acknowledging whatever claim the evidence contradicts."""
    used = set()
    claims = selectors.contradicted_claims(assessment)
    acknowledgements = {c["question_id"]: "Known gap, tracked in the team backlog." for c in claims}
    while assessment.state == Assessment.State.SUBMITTED:
        step = selectors.approval_status(assessment).waiting[0]
        if step == "any":
            others = User.objects.filter(role=User.Role.REVIEWER).exclude(pk__in=used).order_by("username")
            approver = reviewer if reviewer.pk not in used else others.first()
        else:
            group = ApproverGroup.objects.filter(domain=step).first()
            approver = group.members.exclude(pk__in=used).first() if group else None
        if approver is None:
            logger.warning("No demo approver for %s; assessment #%s stays submitted.", step, assessment.pk)
            return
        services.assessment_review(
            assessment=assessment,
            reviewer=approver,
            decision="approved",
            domain=step,
            acknowledgements=acknowledgements,
        )
        used.add(approver.pk)
        assessment.refresh_from_db()


def seed_approver_groups():
    """The demo's approver groups, with the demo users who sign off each domain (idempotent)."""
    for domain, (name, usernames) in APPROVER_GROUPS.items():
        group, _ = ApproverGroup.objects.get_or_create(domain=domain, defaults={"name": name})
        group.members.add(*User.objects.filter(username__in=usernames))


@transaction.atomic
def seed_assessments():
    """Create the demo assessments for demo projects without any. Returns the number created."""
    reviewer = User.objects.filter(username="reviewer").first()
    if reviewer is None:
        return 0
    seed_approver_groups()
    created = 0
    projects = Project.objects.filter(assessments__isnull=True).select_related("technical_owner")
    for project in projects:
        owner = project.technical_owner
        if owner is None:
            continue
        strength = STAGE_STRENGTH.get(project.stage, 0.5)
        shift = AGED.get(project.slug, 0)
        maturity_rounds = 0
        for round_no, (days_ago, kind, state) in enumerate(PLAN.get(project.stage, [])):
            # Later maturity rounds are better: the team closes gaps quarter by quarter.
            improved = strength
            if kind == "maturity":
                improved = min(0.9, strength + 0.06 * maturity_rounds)
                maturity_rounds += 1
            if _create(project, kind, state, days_ago + shift, improved, owner, reviewer, round_no):
                created += 1
    return created

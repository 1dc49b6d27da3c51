"""Factories for what the reports read: questionnaire versions, scored assessments, reviews and check results.

Results follow the scoring ``to_dict()`` contract of docs/questionnaire-format.md, written out by hand so the
report tests do not depend on the scoring engine being finished.
"""

import datetime as dt
import hashlib

import factory
from django.utils import timezone

from assessments.models import Assessment, Review
from connectors.models import CheckResult, Waiver
from questionnaires.models import QuestionnaireVersion
from tests.factories import ComponentFactory, ProjectFactory, UserFactory

LEVELS = [
    {"level": 0, "name": "Ad hoc"},
    {"level": 1, "name": "Documented", "min_score_pct": 0},
    {"level": 2, "name": "Reproducible", "min_score_pct": 50},
    {"level": 3, "name": "Managed", "min_score_pct": 70},
    {"level": 4, "name": "Optimised", "min_score_pct": 85},
]
MATURITY_SECTIONS = [
    ("maturity.documentation", "Documentation"),
    ("maturity.evaluation", "Evaluation"),
    ("maturity.monitoring", "Monitoring"),
    ("maturity.versioning", "Versioning"),
]


def maturity_definition():
    return {
        "slug": "llmops-maturity",
        "version": "1.0.0",
        "kind": "maturity",
        "scoring": {"model": "maturity", "levels": LEVELS},
        "sections": [
            {
                "id": "maturity.documentation",
                "title": "Documentation",
                "questions": [
                    {
                        "id": "maturity.documentation.readme",
                        "type": "yes_no",
                        "tags": ["nist-ai-rmf:GOVERN-1.1", "mm:1"],
                        "evidence": {"check": "git.readme_present"},
                    },
                    {"id": "maturity.documentation.model_choice", "type": "yes_no", "tags": ["nist-ai-rmf:MAP-2.1"]},
                ],
            },
            {
                "id": "maturity.evaluation",
                "title": "Evaluation",
                "questions": [
                    {"id": "maturity.evaluation.suite", "type": "yes_no", "tags": ["owasp-llm:2025:LLM09"]},
                    {"id": "maturity.evaluation.ci", "type": "yes_no", "tags": ["eu-ai-act:Art15"]},
                ],
            },
        ],
    }


def risk_definition():
    return {
        "slug": "llm-risk",
        "version": "2.1.0",
        "kind": "risk",
        "scoring": {"model": "risk"},
        "sections": [
            {
                "id": "risk.injection",
                "title": "Prompt injection",
                "questions": [{"id": "risk.injection.filter", "type": "yes_no", "tags": ["owasp-llm:2025:LLM01"]}],
            }
        ],
    }


class QuestionnaireVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionnaireVersion
        django_get_or_create = ("slug", "version")

    slug = "llmops-maturity"
    version = "1.0.0"
    kind = "maturity"
    title = factory.LazyAttribute(lambda o: f"{o.kind.capitalize()} questionnaire")
    definition = factory.LazyFunction(maturity_definition)
    content_hash = factory.LazyAttribute(lambda o: hashlib.sha256(f"{o.slug}@{o.version}".encode()).hexdigest())
    validity_days = 90


def maturity_result(*, section_pcts=(80.0, 60.0, 40.0, 20.0), claimed=3, verified=2, score=None):
    sections = [
        {"id": sid, "title": title, "points": pct / 10, "max": 10, "pct": pct, "visible": True}
        for (sid, title), pct in zip(MATURITY_SECTIONS, section_pcts, strict=False)
    ]
    score_pct = score if score is not None else round(sum(section_pcts) / len(section_pcts), 1)
    return {
        "model": "maturity",
        "score": {"points": score_pct, "max": 100, "pct": score_pct},
        "sections": sections,
        "contributions": [
            {"question_id": "maturity.documentation.readme", "fraction": 1.0},
            {"question_id": "maturity.documentation.model_choice", "fraction": 0.0},
            {"question_id": "maturity.evaluation.suite", "fraction": 1.0},
            {"question_id": "maturity.evaluation.ci", "fraction": 0.0},
        ],
        "level": claimed,
        "level_name": LEVELS[claimed]["name"],
        "claimed_level": claimed,
        "verified_level": verified,
        "verified_score": {"pct": score_pct - 5},
        "levels": LEVELS,
        "discrepancies": [
            {
                "question_id": "maturity.evaluation.suite",
                "claimed": "yes",
                "check": "mlflow.eval_runs_recent",
                "state": "fail",
            }
        ],
        "blocking": [
            {
                "question_id": "maturity.monitoring.alerts",
                "text": "Alerts fire on latency, errors and cost",
                "level": 3,
                "reason": "Must-have for level 3 is not met",
            }
        ],
        "next_actions": [
            {
                "question_id": "q.small",
                "text": "Pin the model version",
                "gain_points": 1,
                "gain_pct": 2.5,
                "unblocks_level": None,
                "action": "Pin the model version in code",
            },
            {
                "question_id": "q.big",
                "text": "Add alerts",
                "gain_points": 4,
                "gain_pct": 10.0,
                "unblocks_level": 3,
                "action": "Add latency, error and cost alerts",
            },
        ],
        "unanswered": [],
        "hidden": [],
    }


def risk_result(*, tier="high", category="high_risk"):
    return {
        "model": "risk",
        "score": {"points": 0, "max": 0, "pct": 0},
        "sections": [],
        "contributions": [{"question_id": "risk.injection.filter", "fraction": 1.0}],
        "risks": [
            {
                "id": "hallucination",
                "title": "Hallucination",
                "tags": [],
                "likelihood": 4,
                "severity": 4,
                "inherent": 16,
                "residual_likelihood": 2,
                "residual_severity": 4,
                "residual": 8,
            },
            {
                "id": "injection",
                "title": "Prompt injection",
                "tags": [],
                "likelihood": 5,
                "severity": 3,
                "inherent": 15,
                "residual_likelihood": 4,
                "residual_severity": 3,
                "residual": 12,
            },
        ],
        "tier": tier,
        "tier_reasons": ["Highest residual score 12 (Prompt injection)"],
        "eu_ai_act": {"category": category, "reason": "Used to screen job applicants (Annex III)."},
        "required_controls": [
            {"id": "ctl.human_review", "text": "Human review of outputs before they reach customers"}
        ],
    }


def impact_result(*, recommendation="proceed_with_conditions", value_to_cost=2.75):
    return {
        "model": "impact",
        "score": {"points": 7, "max": 10, "pct": 70.0},
        "sections": [],
        "contributions": [],
        "recommendation": recommendation,
        "reasons": ["Two must-haves are open; proceed once they are closed."],
        "value_to_cost": value_to_cost,
        "costs": {"build": 40000, "run_per_month": 2500, "value_per_year": 192500},
    }


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    project = factory.SubFactory(ProjectFactory)
    questionnaire = factory.SubFactory(QuestionnaireVersionFactory)
    kind = factory.LazyAttribute(lambda o: o.questionnaire.kind)
    state = Assessment.State.APPROVED
    submitted_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    decided_at = factory.LazyAttribute(lambda o: o.submitted_at + dt.timedelta(days=1) if o.submitted_at else None)
    expires_at = factory.LazyAttribute(lambda o: o.submitted_at + dt.timedelta(days=90) if o.submitted_at else None)
    content_hash = factory.Sequence(lambda n: hashlib.sha256(f"assessment-{n}".encode()).hexdigest())
    result = factory.LazyFunction(maturity_result)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    assessment = factory.SubFactory(AssessmentFactory)
    reviewer = factory.SubFactory(UserFactory, role="reviewer")
    decision = Review.Decision.APPROVED
    comment = "Evidence checked."


class CheckResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckResult

    component = factory.SubFactory(ComponentFactory)
    project = factory.LazyAttribute(lambda o: o.component.project)
    check_id = "git.readme_present"
    state = "pass"
    reason = "README.md found at the repository root."
    checked_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=2))
    expires_at = factory.LazyAttribute(lambda o: o.checked_at + dt.timedelta(days=7))


class WaiverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Waiver

    project = factory.SubFactory(ProjectFactory)
    check_id = "git.codeowners_present"
    reason = "Two-person team; reviews are enforced by branch protection."
    approved_by = factory.SubFactory(UserFactory, role="reviewer")
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))


def seed_scored_project(project, *, reviewer=None, maturity=None, risk=None, impact=None):
    """A project with approved impact, risk and maturity assessments, a review each and three checks."""
    maturity_q = QuestionnaireVersionFactory()
    risk_q = QuestionnaireVersionFactory(slug="llm-risk", version="2.1.0", kind="risk", definition=risk_definition())
    impact_q = QuestionnaireVersionFactory(
        slug="llm-impact", version="1.2.0", kind="impact", definition={"sections": []}
    )
    earlier = AssessmentFactory(
        project=project,
        questionnaire=maturity_q,
        submitted_at=timezone.now() - dt.timedelta(days=200),
        result=maturity_result(section_pcts=(50.0, 30.0, 20.0, 10.0), claimed=1, verified=1),
    )
    assessments = {
        "maturity": AssessmentFactory(project=project, questionnaire=maturity_q, result=maturity or maturity_result()),
        "risk": AssessmentFactory(project=project, questionnaire=risk_q, result=risk or risk_result()),
        "impact": AssessmentFactory(project=project, questionnaire=impact_q, result=impact or impact_result()),
    }
    reviewer = reviewer or UserFactory(username=f"rev-{project.slug}", first_name="Rita", last_name="Reviewer")
    for assessment in assessments.values():
        ReviewFactory(assessment=assessment, reviewer=reviewer)
    repo = ComponentFactory(project=project, kind="code_repository", name=f"{project.slug}-repo")
    CheckResultFactory(component=repo, check_id="git.readme_present", state="pass")
    CheckResultFactory(component=repo, check_id="git.ci_runs_tests", state="fail", reason="CI config has no test step.")
    CheckResultFactory(component=repo, check_id="git.tests_present", state="pass", reason="42 test files found.")
    return {"earlier": earlier, **assessments, "repo": repo, "reviewer": reviewer}

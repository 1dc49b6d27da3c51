"""factory_boy factories shared by the whole suite. Helpers: ``make_user(role, teams=[...])``."""

import factory
from django.utils.text import slugify

from accounts.models import User
from registry.choices import ComponentKind
from registry.models import Component, Project, Tag, Team


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = User.Role.MEMBER
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.add(*extracted)
        if create:
            self.save()


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"tag-{n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "An LLM application."
    team = factory.SubFactory(TeamFactory)
    business_goal = "Reduce handling time."
    kpis = "Average handling time -20%"


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    project = factory.SubFactory(ProjectFactory)
    kind = ComponentKind.MODEL_ENDPOINT
    name = factory.Sequence(lambda n: f"component-{n}")
    attributes = factory.LazyFunction(lambda: {"provider": "OpenAI", "model": "gpt-4o-mini", "version": "2024-07-18"})


# Answers that complete the small maturity questionnaire of tests/data/assessments/ (the
# ``assessment_questionnaires`` fixture) for a project that uses RAG.
COMPLETE_MATURITY_ANSWERS = {
    "m.docs.readme": "yes",
    "m.docs.owner": "Alice",
    "m.ops.monitoring": 3,
    "m.ops.uses_api": "no",
    "m.rag.chunking": "yes",
    "m.rag.freshness": "daily",
}


def make_user(role=User.Role.MEMBER, teams=(), **kwargs):
    return UserFactory(role=role, teams=list(teams), **kwargs)


def questionnaire_version_from_yaml(path):
    """Load a questionnaire YAML file (e.g. from tests/data/) into a ``QuestionnaireVersion`` row, normalised."""
    from pathlib import Path

    import yaml

    from questionnaires.definition import content_hash, normalise
    from questionnaires.models import QuestionnaireVersion

    definition = normalise(yaml.safe_load(Path(path).read_text()))
    version, _ = QuestionnaireVersion.objects.get_or_create(
        slug=definition["slug"],
        version=definition["version"],
        defaults={
            "kind": definition["kind"],
            "title": definition["title"],
            "description": definition["description"],
            "definition": definition,
            "content_hash": content_hash(definition),
            "source_path": str(path),
            "validity_days": definition["validity_days"],
        },
    )
    return version


def make_approved_assessment(project, kind, result, *, decided_at=None, expires_at=None, state="approved"):
    """An assessment of ``kind`` in ``state`` with a given scoring ``result``, on a stub questionnaire (gate tests)."""
    from datetime import timedelta

    from django.utils import timezone

    from assessments.models import Assessment
    from questionnaires.models import QuestionnaireVersion

    questionnaire, _ = QuestionnaireVersion.objects.get_or_create(
        slug=f"stub-{kind}",
        version="1.0.0",
        defaults={"kind": kind, "title": f"Stub {kind}", "definition": {}, "content_hash": "0" * 64},
    )
    decided_at = decided_at or timezone.now()
    return Assessment.objects.create(
        project=project,
        questionnaire=questionnaire,
        kind=kind,
        state=state,
        decided_at=decided_at,
        expires_at=expires_at or decided_at + timedelta(days=90),
        result=result,
    )


def make_check_result(project, check_id, state="pass", *, component=None, checked_at=None, ttl_hours=24):
    """The current result of ``check_id`` on a component of ``project`` (one component per project by default)."""
    from datetime import timedelta

    from django.utils import timezone

    from connectors.models import CheckResult

    component = component or Component.objects.filter(project=project).first() or ComponentFactory(project=project)
    checked_at = checked_at or timezone.now()
    result, _ = CheckResult.objects.update_or_create(
        component=component,
        check_id=check_id,
        defaults={
            "project": project,
            "state": state,
            "reason": f"{check_id} is {state}",
            "checked_at": checked_at,
            "expires_at": checked_at + timedelta(hours=ttl_hours),
        },
    )
    return result


GATE_READY_RESULTS = {
    "impact": {"model": "impact", "recommendation": "proceed"},
    "risk": {"model": "risk", "tier": "medium"},
    "maturity": {
        "model": "maturity",
        "claimed_level": 2,
        "verified_level": 2,
        "level_name": "Reproducible",
        "blocking": [],
    },
}


def make_gate_ready(project, *, kinds=GATE_READY_RESULTS, checks=("git.tests_present", "git.ci_runs_tests")):
    """Approved assessments (medium risk, verified level 2) and passing checks: all the default production gate
    needs except the CI evaluation push (and ``vectorstore.index_fresh`` for RAG projects)."""
    for kind in kinds:
        make_approved_assessment(project, kind, GATE_READY_RESULTS[kind])
    for check_id in checks:
        make_check_result(project, check_id)


def make_recorded_assessment(project, kind, answers, *, decided_at=None, evidence=None):
    """An approved assessment of ``kind`` on the shipped questionnaire with a frozen record holding ``answers``
    (``{question_id: value}``; ``evidence``: ``{question_id: [url, ...]}``), as the framework reports read it."""
    from django.conf import settings
    from django.utils import timezone

    from assessments.models import Assessment

    version = questionnaire_version_from_yaml(settings.BASE_DIR / "questionnaires" / "definitions" / f"{kind}.yaml")
    evidence = evidence or {}
    record = {
        "questionnaire": {"slug": version.slug, "version": version.version},
        "project": {"slug": project.slug, "name": project.name, "context": {}},
        "answers": {
            qid: {
                "value": value,
                "visible": True,
                "evidence": [{"id": None, "url": url, "filename": ""} for url in evidence.get(qid, [])],
            }
            for qid, value in answers.items()
        },
    }
    return Assessment.objects.create(
        project=project,
        questionnaire=version,
        kind=kind,
        state=Assessment.State.APPROVED,
        decided_at=decided_at or timezone.now(),
        record=record,
        result={},
    )

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

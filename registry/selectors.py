"""Reads of the inventory."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from .choices import ComponentKind, derived_flags
from .models import Component, Project, Team


def project_context(project) -> dict:
    """The inventory attributes questionnaire conditions may refer to, as ``project.<name>``.

    Plain data only, so the scoring and condition code stays free of the ORM.
    """
    kinds = set(project.components.values_list("kind", flat=True)) if project.pk else set()
    return {
        "slug": project.slug,
        **project_classification(project),
        **derived_flags(llm_usage=project.llm_usage, exposure=project.exposure),
        "has_component": {kind.value: kind.value in kinds for kind in ComponentKind},
    }


def project_classification(project) -> dict:
    """How a project is classified (what it is, who sees it, what data it handles, where), as plain data: the
    part of the inventory that questionnaire conditions read and the export writes."""
    return {
        "archetype": project.archetype,
        "llm_usage": project.llm_usage,
        "uses_rag": project.uses_rag,
        "exposure": project.exposure,
        "stage": project.stage,
        "handles_pii": project.handles_pii,
        "handles_sensitive": project.handles_sensitive,
        "handles_confidential": project.handles_confidential,
        "regions": list(project.regions or []),
    }


_component_counts = (
    Component.objects.filter(project=OuterRef("pk")).order_by().values("project").annotate(n=Count("pk")).values("n")
)


def project_list(*, user=None, token=None):
    """Projects with everything the list page and API show, in a constant number of queries.

    A project-scoped API token sees only its project.
    """
    qs = (
        Project.objects.select_related("team", "business_owner", "technical_owner")
        .prefetch_related("tags")
        # A correlated subquery, not a JOIN + GROUP BY: it runs only for the rows of the page.
        .annotate(component_count=Coalesce(Subquery(_component_counts, output_field=IntegerField()), 0))
    )
    if token is not None and token.project_id:
        qs = qs.filter(pk=token.project_id)
    return qs


def project_detail(*, slug):
    """One project with its owners, tags and components (connector and secret markers included)."""
    return get_object_or_404(
        Project.objects.select_related("team", "business_owner", "technical_owner").prefetch_related(
            "tags", Prefetch("components", queryset=Component.objects.order_by("kind", "name"))
        ),
        slug=slug,
    )


def project_history(*, project, limit=100):
    return project.changes.select_related("actor").order_by("-at", "-id")[:limit]


def component_list(*, token=None):
    qs = Component.objects.select_related("project")
    if token is not None and token.project_id:
        qs = qs.filter(project_id=token.project_id)
    return qs


def team_list():
    return Team.objects.annotate(
        project_count=Count("projects", filter=Q(projects__archived_at__isnull=True), distinct=True),
        member_count=Count("members", distinct=True),
    )


def team_detail(*, slug):
    return get_object_or_404(Team.objects.prefetch_related("members"), slug=slug)

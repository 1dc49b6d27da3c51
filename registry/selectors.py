"""Reads of the inventory."""

from .choices import ComponentKind


def project_context(project) -> dict:
    """The inventory attributes questionnaire conditions may refer to, as ``project.<name>``.

    Plain data only, so the scoring and condition code stays free of the ORM.
    """
    kinds = set(project.components.values_list("kind", flat=True)) if project.pk else set()
    return {
        "slug": project.slug,
        "archetype": project.archetype,
        "llm_usage": project.llm_usage,
        "uses_rag": project.uses_rag,
        "fine_tuned": project.llm_usage in ("fine_tuned", "from_scratch"),
        "exposure": project.exposure,
        "customer_facing": project.exposure in ("customer_facing", "public"),
        "stage": project.stage,
        "handles_pii": project.handles_pii,
        "handles_sensitive": project.handles_sensitive,
        "handles_confidential": project.handles_confidential,
        "regions": list(project.regions or []),
        "has_component": {kind.value: kind.value in kinds for kind in ComponentKind},
    }

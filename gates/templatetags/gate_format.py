from django import template

from registry.choices import Stage

register = template.Library()


@register.filter
def stage_label(value):
    try:
        return Stage(value).label
    except ValueError:
        return value


@register.simple_tag
def project_standings(projects):
    """``{project_id: Standing}`` for the projects of a list page (constant queries; see gates.selectors)."""
    from gates.selectors import project_standings as standings

    return standings(projects)


@register.filter
def standing_of(standings, project):
    return standings.get(project.pk) if standings else None

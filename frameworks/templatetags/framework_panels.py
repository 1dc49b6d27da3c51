from django import template

from frameworks import catalog

register = template.Library()


@register.inclusion_tag("frameworks/_project_frameworks_panel.html")
def project_frameworks_panel(project):
    """Links to the project's framework reports; reads only the shipped catalogue, so no query."""
    return {"project": project, "frameworks": catalog.frameworks()}

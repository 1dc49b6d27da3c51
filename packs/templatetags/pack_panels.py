from django import template

register = template.Library()


@register.inclusion_tag("packs/_project_packs_panel.html")
def project_packs_panel(project):
    return {"project": project}

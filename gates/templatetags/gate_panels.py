from django import template

register = template.Library()


@register.inclusion_tag("gates/_project_gate_panel.html", takes_context=True)
def project_gate_panel(context, project):
    return {"project": project, "request": context.get("request"), "user": context.get("user")}

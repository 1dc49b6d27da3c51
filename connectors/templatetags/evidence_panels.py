from django import template

register = template.Library()


@register.inclusion_tag("connectors/_project_evidence_panel.html", takes_context=True)
def project_evidence_panel(context, project):
    return {"project": project, "request": context.get("request"), "user": context.get("user")}

from django import template

register = template.Library()


@register.inclusion_tag("assessments/_project_assessments_panel.html", takes_context=True)
def project_assessments_panel(context, project):
    return {"project": project, "request": context.get("request"), "user": context.get("user")}

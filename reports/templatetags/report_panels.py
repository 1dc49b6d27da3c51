from django import template

register = template.Library()


@register.inclusion_tag("reports/_project_reports_panel.html", takes_context=True)
def project_reports_panel(context, project):
    return {"project": project, "request": context.get("request"), "user": context.get("user")}

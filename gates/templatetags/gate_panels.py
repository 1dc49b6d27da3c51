from django import template

from accounts.permissions import can_edit_project
from gates.selectors import project_gate_summary, pushed_evaluations, verdict_history

HISTORY_ON_PANEL = 5

register = template.Library()


@register.inclusion_tag("gates/_project_gate_panel.html", takes_context=True)
def project_gate_panel(context, project):
    """The current gated stage's verdict (is the project still where it may be?), then the next stage's and
    production's, from one gathering of facts (constant queries)."""
    user = context.get("user")
    return {
        "project": project,
        "verdicts": project_gate_summary(project=project, with_current=True),
        "history": list(verdict_history(project=project)[:HISTORY_ON_PANEL]),
        "latest_push": next(iter(pushed_evaluations(project=project, limit=1)), None),
        "can_edit": can_edit_project(user, project),
        "request": context.get("request"),
        "user": user,
    }

from django import template

from accounts import permissions as rules
from connectors import selectors
from connectors.api.views import can_refresh
from connectors.forms import WaiverForm

register = template.Library()


@register.inclusion_tag("connectors/_project_evidence_panel.html", takes_context=True)
def project_evidence_panel(context, project):
    """Every check of the project with state, age and reason; refresh and waivers (four queries, whatever size)."""
    user = context.get("user")
    run = selectors.latest_refresh_run(project)
    checks = selectors.project_checks(project)
    can_waive = rules.can_review(user)
    return {
        "project": project,
        "request": context.get("request"),
        "checks": checks,
        "counts": {state: sum(1 for c in checks if c.state == state) for state in ("pass", "fail", "warn", "stale")},
        "waivers": selectors.project_waivers(project),
        "run": run if run and run.status in (run.Status.QUEUED, run.Status.RUNNING) else None,
        "can_refresh": can_refresh(user, project),
        "can_waive": can_waive,
        "waiver_form": WaiverForm(project=project) if can_waive else None,
    }

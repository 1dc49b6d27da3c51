from django import template
from django.utils import timezone

from accounts import permissions
from assessments import selectors
from assessments.charts import score_chart_svg

register = template.Library()


@register.inclusion_tag("assessments/_project_assessments_panel.html", takes_context=True)
def project_assessments_panel(context, project):
    """The project page's assessments panel: latest assessments per kind, start/continue buttons and the open
    conditions of approvals (2 queries)."""
    user = context.get("user")
    assessments = selectors.project_assessments(project)
    drafts = {a.kind: a for a in assessments if a.state == "draft"}
    now = timezone.now()
    can_edit = permissions.can_edit_project(user, project)
    for assessment in assessments:
        assessment.summary = selectors.result_summary(assessment)
        assessment.is_expired = bool(assessment.expires_at and assessment.expires_at <= now)
    return {
        "project": project,
        "request": context.get("request"),
        "user": user,
        "assessments": assessments[:8],
        "more": max(0, len(assessments) - 8),
        "kinds": [
            {
                "kind": kind,
                "draft": drafts.get(kind),
                "estimate": _estimate(kind) if can_edit and kind not in drafts else "",
            }
            for kind in selectors.KINDS
        ],
        "can_edit": can_edit,
        "open_conditions": selectors.conditions_of(project=project, open_only=True),
    }


def _estimate(kind):
    """How long a new assessment of ``kind`` takes, shown before starting it (one query; "" when none is loaded)."""
    from questionnaires.selectors import latest_version

    version = latest_version(kind)
    return selectors.questionnaire_estimate(version) if version is not None else ""


@register.simple_tag
def assessment_score_chart(assessments, title="Score over time"):
    """``{% assessment_score_chart assessments "Maturity score" %}``: the SVG score chart, for any page."""
    return score_chart_svg(assessments, title=title)

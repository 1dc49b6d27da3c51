"""Server-rendered SVG charts (no JavaScript), reusable by the reports app.

``score_chart_svg(points, title=...)`` draws score % over time; ``history_points(assessments)`` turns
assessments into its points. The SVG carries a title, a description and a text fallback for screen readers.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from .selectors import result_summary


def history_points(assessments):
    """``[{"date", "pct", "label"}]`` for assessments that have a scored result, oldest first."""
    points = []
    for assessment in assessments:
        pct = ((assessment.result or {}).get("score") or {}).get("pct")
        when = assessment.submitted_at or assessment.created_at
        if pct is None or when is None:
            continue
        points.append({"date": when, "pct": float(pct), "label": result_summary(assessment)})
    return sorted(points, key=lambda p: p["date"])


def score_chart_svg(points_or_assessments, *, title, width=640, height=220):
    """An accessible line chart of score % (0–100) against time, as safe SVG markup."""
    points = list(points_or_assessments)
    if points and not isinstance(points[0], dict):
        points = history_points(points)
    left, right, top, bottom = 44, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    if not points:
        return mark_safe(f'<p class="muted">{escape(title)}: no scored assessments yet.</p>')  # noqa: S308
    start, end = points[0]["date"], points[-1]["date"]
    span = (end - start).total_seconds() or 1.0

    def x(point):
        if len(points) == 1:
            return left + plot_w / 2
        return left + plot_w * (point["date"] - start).total_seconds() / span

    def y(pct):
        return top + plot_h * (1 - max(0.0, min(100.0, pct)) / 100)

    uid = slugify(title) or "chart"
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{uid}-title {uid}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">'
        + escape("; ".join(f"{p['date']:%d %b %Y}: {p['pct']:.0f}% {p['label']}".strip() for p in points))
        + "</desc>",
    ]
    for pct in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(pct):.1f}" y2="{y(pct):.1f}" stroke="#d0d7de" />'
            f'<text x="{left - 6}" y="{y(pct) + 4:.1f}" text-anchor="end" font-size="11" fill="#57606a">{pct}%</text>'
        )
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(p):.1f},{y(p['pct']):.1f}" for i, p in enumerate(points))
    parts.append(f'<path d="{path}" fill="none" stroke="#0b5cad" stroke-width="2" />')
    for point in points:
        parts.append(
            f'<circle cx="{x(point):.1f}" cy="{y(point["pct"]):.1f}" r="4" fill="#0b5cad">'
            f"<title>{point['date']:%d %b %Y}: {point['pct']:.0f}% {escape(point['label'])}</title></circle>"
        )
    last_x = None
    for i, point in enumerate(points):
        # Label dates left to right, skipping any that would overlap the previous label.
        if last_x is not None and x(point) - last_x < 64:
            continue
        anchor = "start" if i == 0 and len(points) > 1 else "end" if x(point) > width - right - 30 else "middle"
        parts.append(
            f'<text x="{x(point):.1f}" y="{height - 18}" text-anchor="{anchor}" font-size="11" fill="#57606a">'
            f"{point['date']:%b %Y}</text>"
        )
        last_x = x(point)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above

"""The score-over-time chart: server-rendered, accessible SVG that reports can reuse."""

from datetime import UTC, datetime

from assessments.charts import score_chart_svg

POINTS = [
    {"date": datetime(2026, 1, 5, tzinfo=UTC), "pct": 40.0, "label": "Level 1"},
    {"date": datetime(2026, 4, 5, tzinfo=UTC), "pct": 65.0, "label": "Level 2 <b>"},
]


def test_it_draws_one_point_per_assessment_with_a_readable_description():
    svg = score_chart_svg(POINTS, title="Maturity score over time")
    assert svg.count("<circle") == 2
    assert 'role="img"' in svg
    assert "05 Jan 2026: 40% Level 1; 05 Apr 2026: 65% Level 2 &lt;b&gt;" in svg


def test_it_escapes_labels():
    assert "<b>" not in score_chart_svg(POINTS, title="x")


def test_it_says_so_when_there_is_nothing_to_draw():
    assert "no scored assessments yet" in score_chart_svg([], title="Risk score")


def test_two_charts_on_one_page_have_distinct_ids():
    first, second = score_chart_svg(POINTS, title="Risk score"), score_chart_svg(POINTS, title="Impact score")
    assert 'id="risk-score-title"' in first and 'id="impact-score-title"' in second

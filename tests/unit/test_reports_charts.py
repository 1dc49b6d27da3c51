"""The SVG charts: well-formed, accessible, escaped, and drawing what they are given."""

import xml.etree.ElementTree as ET

from reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup):
    return ET.fromstring(markup)


def test_section_scores_states_every_figure_in_its_description():
    root = parse(charts.section_scores([{"title": "Documentation", "pct": 80}, {"title": "Monitoring", "pct": None}]))
    assert root.find(f"{SVG}title").text == "Score by section"
    assert root.find(f"{SVG}desc").text == "Documentation: 80%; Monitoring: not applicable"
    assert root.get("role") == "img"


def test_labels_are_escaped_not_injected():
    markup = charts.section_scores([{"title": "<script>alert(1)</script>", "pct": 10}])
    assert "<script>" not in markup
    parse(markup)


def test_risk_heatmap_counts_inherent_and_residual_risks_per_cell():
    risks = [
        {"title": "Injection", "likelihood": 5, "severity": 3, "residual_likelihood": 4, "residual_severity": 3},
        {"title": "Leak", "likelihood": 2, "severity": 5, "residual_likelihood": 1, "residual_severity": 5},
        {"title": "Bias", "likelihood": 2, "severity": 5, "residual_likelihood": 1, "residual_severity": 5},
    ]
    root = parse(charts.risk_heatmap(risks))
    assert len(root.findall(f"{SVG}rect")) == 25
    assert len(root.findall(f"{SVG}circle")) == 4
    marker_counts = sorted(t.text for t in root.findall(f"{SVG}text") if t.get("font-weight") == "bold")
    assert marker_counts == ["1", "1", "2", "2"]
    assert "1 Injection: inherent L5×S3, residual L4×S3" in root.find(f"{SVG}desc").text


def test_maturity_ladder_names_claimed_and_verified_levels():
    levels = [
        {"level": i, "name": n} for i, n in enumerate(["Ad hoc", "Documented", "Reproducible", "Managed", "Optimised"])
    ]
    root = parse(charts.maturity_ladder(levels=levels, claimed=3, verified=1))
    assert root.find(f"{SVG}desc").text == "Claimed level 3, verified level 1 of 4."


def test_portfolio_heatmap_has_one_cell_per_project_and_section():
    rows = [{"name": "A", "cells": {"Docs": 50, "Evals": None}}, {"name": "B", "cells": {"Docs": 100}}]
    root = parse(charts.portfolio_heatmap(rows, ["Docs", "Evals"]))
    cells = [r for r in root.findall(f"{SVG}rect") if r.get("stroke") is None]  # the legend's swatches have one
    assert len(cells) == 4
    assert root.find(f"{SVG}desc").text == "A: Docs 50, Evals –; B: Docs 100, Evals –"


def test_portfolio_heatmap_shows_full_section_titles_and_project_names_and_a_legend():
    long_section = "Traceability and reproducibility of every model, prompt and dataset"
    long_name = "Customer-support knowledge assistant for the Nordic contact centres"
    columns = [long_section, *[f"Section {i}" for i in range(13)]]
    root = parse(charts.portfolio_heatmap([{"name": long_name, "cells": {long_section: 40}}], columns))
    texts = [" ".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]
    assert long_section in texts and long_name in texts
    assert not any("…" in t for t in texts)
    assert "Verified score:" in texts and "80–99%" in texts


def test_a_kind_trend_labels_its_axes_and_legend():
    points = [
        {"label": "2026 Q1", "count": 3, "values": {"verified": 40.0, "claimed": 70.0}},
        {"label": "2026 Q2", "count": 5, "values": {"verified": 55.0, "claimed": 72.0}},
    ]
    root = parse(charts.kind_trend(points, title="Maturity", y_label="Score (% of points)"))
    texts = [" ".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]
    assert {"Score (% of points)", "verified", "claimed", "2026 Q1", "n=3", "100%", "0%"} <= set(texts)
    assert (
        root.find(f"{SVG}desc").text
        == "2026 Q1 (3 assessments): verified 40%, claimed 70%; 2026 Q2 (5 assessments): verified 55%, claimed 72%"
    )


def test_trend_charts_contain_no_script():
    markups = [
        charts.trend_line([{"label": "2026-01-01", "pct": 40}, {"label": "2026-04-01", "pct": 55}]),
        charts.quarter_trend([{"label": "2026 Q1", "avg_pct": 40, "count": 3}]),
    ]
    for markup in markups:
        root = parse(markup)
        assert not root.findall(f".//{SVG}script")
        assert not [a for el in root.iter() for a in el.attrib if a.startswith("on")]


def test_a_gate_reason_names_the_check_by_its_title_not_its_id():
    from connectors.loading import all_check_specs
    from reports.selectors import _readable_reason

    title = all_check_specs()["git.readme_present"][0].title
    by_reason = {"why": [], "reasons": ["Check git.readme_present fails on repo: no README."], "unknown": []}
    by_question = {
        "why": [{"question": "Is the project documented?", "reason": "git.readme_present has no result yet."}],
        "reasons": [],
        "unknown": [],
    }

    assert _readable_reason(by_reason) == f"“{title}” fails on repo: no README."
    assert _readable_reason(by_question) == f"Is the project documented? — “{title}” has no result yet."

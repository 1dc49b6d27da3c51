"""Turning a snapshot into a PDF: templates, charts, WeasyPrint, and the hash the cache is keyed on.

Rendering never touches the network: the URL fetcher serves only files under ``static/reports/`` (fonts, CSS)
and ``data:`` URLs, and refuses everything else, so a stray link in user text cannot make the server fetch it.
"""

import dataclasses
import functools
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from . import charts

ASSETS_DIR = Path(settings.BASE_DIR) / "static" / "reports"
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates" / "reports" / "pdf"


class LocalOnlyURLFetcher(URLFetcher):
    """Serves our own fonts and stylesheet and ``data:`` URLs; anything else is refused, never fetched."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if path.is_relative_to(ASSETS_DIR.resolve()) and path.is_file():
                return super().fetch(url, headers)
        raise ValueError(f"Reports load only their own fonts and styles; refused to fetch {url[:200]}")


@functools.cache
def template_version() -> str:
    """A hash of everything that shapes the PDF besides the data, so a new design invalidates cached reports."""
    digest = hashlib.sha256()
    sources = sorted(TEMPLATES_DIR.glob("*.html")) + sorted((ASSETS_DIR / "css").glob("*.css"))
    for path in [*sources, Path(charts.__file__), Path(__file__)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def input_hash(kind: str, snapshot) -> str:
    """SHA-256 of the canonical JSON of the report kind, the template version and the snapshot."""
    payload = {"kind": kind, "template": template_version(), "snapshot": dataclasses.asdict(snapshot)}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _asset_url(relative):
    return (ASSETS_DIR / relative).resolve().as_uri()


def _svg(markup):
    return mark_safe(markup)  # noqa: S308 - built by reports.charts, which escapes every label


def scorecard_charts(snapshot) -> dict:
    out = {}
    if snapshot.maturity:
        m = snapshot.maturity
        out["sections"] = _svg(charts.section_scores(m["sections"]))
        out["ladder"] = _svg(
            charts.maturity_ladder(levels=m["levels"], claimed=m["claimed_level"], verified=m["verified_level"])
        )
    if snapshot.risk:
        out["heatmap"] = _svg(charts.risk_heatmap(snapshot.risk["risks"], size=280))
    if len(snapshot.trend) > 0:
        out["trend"] = _svg(charts.trend_line(list(snapshot.trend), title="Maturity score over assessments"))
    return out


HEATMAP_ROWS_PER_PAGE = 24


def portfolio_charts(snapshot) -> dict:
    """An SVG cannot break across pages, so the heat map is drawn in page-sized slices of projects."""
    rows = [{"name": p["name"], "cells": p["cells"]} for p in snapshot.projects if p["cells"]]
    slices = [rows[i : i + HEATMAP_ROWS_PER_PAGE] for i in range(0, len(rows), HEATMAP_ROWS_PER_PAGE)]
    return {
        "heatmaps": [_svg(charts.portfolio_heatmap(part, list(snapshot.sections))) for part in slices],
        "quarters": _svg(charts.quarter_trend(list(snapshot.quarters))) if snapshot.quarters else "",
        "trends": [
            {
                "kind": kind,
                "meaning": trend["meaning"],
                "svg": _svg(
                    charts.kind_trend(
                        trend["points"],
                        title=TREND_TITLES[kind],
                        y_label=TREND_AXES[kind],
                    )
                ),
            }
            for kind, trend in (snapshot.trends or {}).items()
        ],
    }


TREND_TITLES = {
    "maturity": "Maturity assessments: average score by quarter",
    "risk": "Risk assessments: share rated high or critical by quarter",
    "impact": "Impact assessments: average score by quarter",
}
TREND_AXES = {"maturity": "Score (% of points)", "risk": "High or critical (%)", "impact": "Impact score (%)"}


def scorecard_html(snapshot) -> str:
    return render_to_string(
        "reports/pdf/scorecard.html",
        {"s": snapshot, "charts": scorecard_charts(snapshot), "css_url": _asset_url("css/report.css")},
    )


def portfolio_html(snapshot, *, changes=None, on_progress=None) -> str:
    """``changes``: what changed since the previous portfolio report (``reports.changes.since``), or None."""
    built = portfolio_charts(snapshot)
    if on_progress:
        on_progress(40, "Charts drawn")
    return render_to_string(
        "reports/pdf/portfolio.html",
        {"s": snapshot, "charts": built, "changes": changes, "css_url": _asset_url("css/report.css")},
    )


#: Tagged PDF/UA-1: headings, tables and reading order reach screen readers, and the title and language are
#: declared; leadership reports are read by people who use assistive technology too.
PDF_VARIANT = "pdf/ua-1"


def render_pdf(html: str) -> tuple[bytes, int]:
    """WeasyPrint with the local-only fetcher; returns the PDF bytes and the page count."""
    document = HTML(string=html, base_url=ASSETS_DIR.as_uri() + "/", url_fetcher=LocalOnlyURLFetcher()).render()
    return document.write_pdf(pdf_variant=PDF_VARIANT), len(document.pages)

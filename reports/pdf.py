"""Turning a snapshot into a PDF: templates, charts, WeasyPrint, and the hash the cache is keyed on.

Rendering never touches the network: the URL fetcher serves only files under ``static/reports/`` (fonts, CSS)
and ``data:`` URLs, and refuses everything else, so a stray link in user text cannot make the server fetch it.
"""

import base64
import contextlib
import dataclasses
import functools
import gc
import hashlib
import html
import json
import re
import threading
from pathlib import Path

import pydyf
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from . import charts

ASSETS_DIR = Path(settings.BASE_DIR) / "static" / "reports"


def _page_references(pdf) -> tuple[bytes, ...]:
    """``pydyf.PDF.page_references``, built once per page count instead of on every read.

    pydyf 0.13 rebuilds the tuple of every page's reference each time it is read, and WeasyPrint reads it once
    per tagged element when it writes a PDF/UA structure tree: quadratic in the page count, a tenth of the
    time of a 94-page portfolio. Pages are only ever appended (``add_page``), so the page count keys the cache.
    ``tests/unit/test_reports_pdf_pages.py`` holds it equal to pydyf's own.
    """
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), _PYDYF_PAGE_REFERENCES.fget(pdf))
        pdf.__dict__["_page_references"] = cached
    return cached[1]


_PYDYF_PAGE_REFERENCES = pydyf.PDF.page_references
pydyf.PDF.page_references = property(_page_references)
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


_SVG_SIZE = re.compile(r'<svg[^>]* width="(?P<w>[\d.]+)" height="(?P<h>[\d.]+)"')
_SVG_WORDS = re.compile(r"<title>(?P<title>.*?)</title><desc>(?P<desc>.*?)</desc>", re.S)


def inline_svg(markup):
    """A chart from ``reports.charts`` as inline SVG, for web pages (no ``data:`` image for the page's policy)."""
    return mark_safe(markup)  # noqa: S308 - built by reports.charts, which escapes every label


def _svg(markup):
    """A chart from ``reports.charts`` as an image whose alternative text is the chart's title and its data in
    words (``<title>``, ``<desc>``), which is what a screen reader announces in the tagged PDF.

    An image, not inline SVG: WeasyPrint reads inline SVG through its HTML parser, which costs as much as laying
    out the chart's page again (a 500-project portfolio has 21 pages of heat map); an image's SVG goes to an XML
    parser. The drawing is the same.
    """
    size, words = _SVG_SIZE.search(markup), _SVG_WORDS.search(markup)
    alt = ". ".join(html.unescape(part) for part in (words["title"], words["desc"])) if words else ""
    source = "data:image/svg+xml;base64," + base64.b64encode(markup.encode()).decode()
    return format_html(
        '<img class="chart" src="{}" width="{}" height="{}" alt="{}">', source, size["w"], size["h"], alt
    )


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


def portfolio_charts(snapshot, *, embed=_svg) -> dict:
    """An SVG cannot break across pages, so the heat map is drawn in page-sized slices of projects. ``embed``:
    images for the PDF (the default), ``inline_svg`` for the web page."""
    rows = [{"name": p["name"], "cells": p["cells"]} for p in snapshot.projects if p["cells"]]
    slices = [rows[i : i + HEATMAP_ROWS_PER_PAGE] for i in range(0, len(rows), HEATMAP_ROWS_PER_PAGE)]
    return {
        "heatmaps": [embed(charts.portfolio_heatmap(part, list(snapshot.sections))) for part in slices],
        "quarters": embed(charts.quarter_trend(list(snapshot.quarters))) if snapshot.quarters else "",
        "trends": [
            {
                "kind": kind,
                "meaning": trend["meaning"],
                "svg": embed(
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


#: Python's cyclic garbage collector during a render: a first generation of 50,000 objects instead of 700, and full
#: collections rarer. WeasyPrint makes millions of short-lived objects, and with the default thresholds every
#: full collection walks all of them again, so the collector's share grows with the document: a sixth of a
#: 94-page portfolio's time. Memory is not what grows: the peak is the laid-out document either way.
RENDER_GC_THRESHOLD = (50_000, 50, 1000)
_gc_lock = threading.Lock()
_gc_renders = 0
_gc_saved: tuple[int, ...] = ()


@contextlib.contextmanager
def _fewer_collections():
    """``RENDER_GC_THRESHOLD`` while at least one render runs in this process (renders in several threads share
    the setting; the last one to finish puts the process's own thresholds back)."""
    global _gc_renders, _gc_saved
    with _gc_lock:
        if _gc_renders == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(*RENDER_GC_THRESHOLD)
        _gc_renders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_renders -= 1
            if _gc_renders == 0:
                gc.set_threshold(*_gc_saved)


def render_pdf(html: str) -> tuple[bytes, int]:
    """WeasyPrint with the local-only fetcher; returns the PDF bytes and the page count."""
    with _fewer_collections():
        document = HTML(string=html, base_url=ASSETS_DIR.as_uri() + "/", url_fetcher=LocalOnlyURLFetcher()).render()
        return document.write_pdf(pdf_variant=PDF_VARIANT), len(document.pages)

"""Server-side SVG charts for the PDFs and the dashboards: pure functions from plain data to an SVG string.

No JavaScript and no fonts to fetch, so the same markup renders in WeasyPrint and in a browser. Every chart
carries ``role="img"`` with a ``<title>`` and a ``<desc>`` that states the figures in words, so a screen reader
(or ``pdftotext``) gets the numbers without seeing the picture.
"""

import textwrap
from collections import Counter
from html import escape

FONT = "DejaVu Sans, Verdana, sans-serif"
INK = "#1b1f24"
MUTED = "#57606a"
GRID = "#d8dee4"
ACCENT = "#0b5cad"
NAVY = "#0d2538"
CLAIMED = "#8fb3d9"
VERIFIED = "#0b5cad"


def _svg(width, height, title, desc, body):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" font-family="{FONT}" font-size="10">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(body)}</svg>"
    )


def _text(x, y, value, *, anchor="start", size=10, fill=INK, weight="normal"):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}">{escape(str(value))}</text>'
    )


def _truncate(label, length):
    label = str(label)
    return label if len(label) <= length else label[: length - 1] + "…"


def score_colour(pct):
    """A scale for 0..100 %: warm pale for low scores, deepening blue for high ones; grey when unknown."""
    if pct is None:
        return "#eef1f4"
    steps = ["#f1e4e1", "#f3ecd9", "#dbe8f3", "#a9c8e6", "#5b95cf", "#0b5cad"]
    return steps[min(int(pct // 20) + (1 if pct >= 100 else 0), 5)]


def _on(fill):
    """Text colour on a heat-map cell with at least 4.5:1 contrast (WCAG AA)."""
    return "#ffffff" if fill == "#0b5cad" else INK


def section_scores(sections, *, width=520):
    """Horizontal bars, one per section: ``sections`` = [{"title", "pct"}], pct 0..100 or None (not applicable)."""
    row, label_w, top = 22, 190, 8
    height = top + row * max(len(sections), 1) + 22
    plot_w = width - label_w - 50
    body = []
    for tick in range(0, 101, 25):
        x = label_w + plot_w * tick / 100
        body.append(f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{height - 18}" stroke="{GRID}"/>')
        body.append(_text(x, height - 5, f"{tick}%", anchor="middle", size=8, fill=MUTED))
    for i, section in enumerate(sections):
        y = top + i * row
        body.append(_text(label_w - 8, y + 14, _truncate(section["title"], 32), anchor="end"))
        pct = section.get("pct")
        if pct is None:
            body.append(_text(label_w + 4, y + 14, "not applicable", fill=MUTED, size=9))
            continue
        bar = plot_w * max(0, min(pct, 100)) / 100
        body.append(f'<rect x="{label_w}" y="{y + 4}" width="{bar:.1f}" height="14" rx="2" fill="{ACCENT}"/>')
        body.append(_text(label_w + bar + 5, y + 15, f"{pct:.0f}%", weight="bold"))
    desc = "; ".join(f"{s['title']}: {_pct_words(s.get('pct'))}" for s in sections)
    return _svg(width, height, "Score by section", desc or "No sections scored.", body)


def _pct_words(pct):
    return "not applicable" if pct is None else f"{pct:.0f}%"


def maturity_ladder(*, levels, claimed, verified, width=520):
    """The five maturity levels as steps, with the claimed and the evidence-verified level marked."""
    n = len(levels) or 5
    step_w, base, height = (width - 20) / n, 96, 118
    body = []
    for i, level in enumerate(levels):
        x = 10 + i * step_w
        h = 18 + i * 14
        reached_v = verified is not None and level["level"] <= verified
        reached_c = claimed is not None and level["level"] <= claimed
        fill = VERIFIED if reached_v else (CLAIMED if reached_c else "#eef1f4")
        body.append(
            f'<rect x="{x + 2:.1f}" y="{base - h}" width="{step_w - 4:.1f}" height="{h}" rx="2" fill="{fill}"/>'
        )
        colour = "#ffffff" if reached_v else INK
        body.append(_text(x + step_w / 2, base - 5, level["level"], anchor="middle", weight="bold", fill=colour))
        body.append(_text(x + step_w / 2, base + 13, _truncate(level["name"], 16), anchor="middle", size=9))
    legend_y = 10
    body.append(f'<rect x="10" y="{legend_y - 8}" width="10" height="10" fill="{VERIFIED}"/>')
    body.append(_text(24, legend_y + 1, f"Verified by evidence: level {_level(verified)}", size=9))
    body.append(f'<rect x="220" y="{legend_y - 8}" width="10" height="10" fill="{CLAIMED}"/>')
    body.append(_text(234, legend_y + 1, f"Claimed only: level {_level(claimed)}", size=9))
    desc = f"Claimed level {_level(claimed)}, verified level {_level(verified)} of {n - 1}."
    return _svg(width, height, "Maturity level, claimed and verified", desc, body)


def _level(value):
    return "—" if value is None else value


def _risk_fill(score):
    if score >= 20:
        return "#e9b3ad"
    if score >= 12:
        return "#f4cfc0"
    if score >= 6:
        return "#f6e6bf"
    return "#d9ecd9"


def risk_heatmap(risks, *, size=300):
    """Likelihood × severity, 5×5: in each cell, how many risks sit there inherently (open ring) and after
    mitigation (filled dot). Counts rather than one marker per risk keep the chart legible with twenty risks;
    the table beside it names each risk with its coordinates.

    ``risks`` = [{"title", "likelihood", "severity", "residual_likelihood", "residual_severity"}].
    """
    cell, left, top = (size - 40) / 5, 34, 6
    height = top + cell * 5 + 34
    body = []
    for lk in range(1, 6):
        for sv in range(1, 6):
            x = left + (sv - 1) * cell
            y = top + (5 - lk) * cell
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell:.1f}" height="{cell:.1f}" '
                f'fill="{_risk_fill(lk * sv)}" stroke="#ffffff" stroke-width="2"/>'
            )
    for v in range(1, 6):
        body.append(_text(left - 8, top + (5 - v) * cell + cell / 2 + 3, v, anchor="end", size=9, fill=MUTED))
        body.append(
            _text(left + (v - 1) * cell + cell / 2, top + 5 * cell + 12, v, anchor="middle", size=9, fill=MUTED)
        )
    body.append(_text(left + 2.5 * cell, height - 4, "Severity", anchor="middle", size=9, fill=MUTED))
    body.append(
        f'<text x="10" y="{top + 2.5 * cell:.1f}" font-size="9" fill="{MUTED}" text-anchor="middle" '
        f'transform="rotate(-90 10 {top + 2.5 * cell:.1f})">Likelihood</text>'
    )
    counts = {"inherent": Counter(), "residual": Counter()}
    desc = []
    for number, risk in enumerate(risks, start=1):
        counts["inherent"][(risk["likelihood"], risk["severity"])] += 1
        counts["residual"][(risk["residual_likelihood"], risk["residual_severity"])] += 1
        desc.append(
            f"{number} {risk['title']}: inherent L{risk['likelihood']}×S{risk['severity']}, "
            f"residual L{risk['residual_likelihood']}×S{risk['residual_severity']}"
        )
    for kind, offset in (("inherent", -cell / 4.5), ("residual", cell / 4.5)):
        for (lk, sv), n in sorted(counts[kind].items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
            if lk is None or sv is None:
                continue
            cx = left + (sv - 1) * cell + cell / 2 + offset
            cy = top + (5 - lk) * cell + cell / 2
            if kind == "inherent":
                body.append(
                    f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="8" fill="#ffffff" stroke="{NAVY}" stroke-width="1.5"/>'
                )
                body.append(_text(cx, cy + 3, n, anchor="middle", size=8, fill=NAVY, weight="bold"))
            else:
                body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="8" fill="{NAVY}"/>')
                body.append(_text(cx, cy + 3, n, anchor="middle", size=8, fill="#ffffff", weight="bold"))
    return _svg(size, height, "Risk heat map: likelihood × severity", "; ".join(desc) or "No risks assessed.", body)


def _percent_grid(*, left, right, top, plot_h):
    """Horizontal grid lines at 0, 25, 50, 75 and 100 % with their labels on the left axis."""
    body = []
    for tick in range(0, 101, 25):
        y = top + plot_h * (1 - tick / 100)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 5, y + 3, f"{tick}%", anchor="end", size=8, fill=MUTED))
    return body


def trend_line(points, *, width=520, height=150, title="Score trend"):
    """A line over assessments in time order: ``points`` = [{"label", "pct"}] (pct 0..100)."""
    left, right, top, bottom = 36, 16, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    body = _percent_grid(left=left, right=width - right, top=top, plot_h=plot_h)
    n = len(points)
    coords = []
    for i, point in enumerate(points):
        x = left + (plot_w * (i + 0.5) / n if n else 0)
        y = top + plot_h * (1 - max(0, min(point["pct"], 100)) / 100)
        coords.append((x, y))
        body.append(_text(x, height - 10, _truncate(point["label"], 12), anchor="middle", size=8, fill=MUTED))
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    for (x, y), point in zip(coords, points, strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{ACCENT}"/>')
        body.append(_text(x, y - 7, f"{point['pct']:.0f}%", anchor="middle", size=8, weight="bold"))
    desc = "; ".join(f"{p['label']}: {p['pct']:.0f}%" for p in points) or "No previous assessments."
    return _svg(width, height, title, desc, body)


def _wrapped(label, chars):
    return textwrap.wrap(str(label), width=max(int(chars), 4), break_long_words=False) or [""]


def _lines(x, y, lines, *, anchor="start", size=8, fill=INK, line_h=None):
    """Several lines of text, the first at ``y``: full labels wrapped, never cut."""
    line_h = line_h or size * 1.2
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{y + i * line_h:.1f}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return f'<text text-anchor="{anchor}" font-size="{size}" fill="{fill}">{spans}</text>'


HEATMAP_LEGEND = [
    (None, "n/a"),
    (0, "0–19%"),
    (20, "20–39%"),
    (40, "40–59%"),
    (60, "60–79%"),
    (80, "80–99%"),
    (100, "100%"),
]


def portfolio_heatmap(rows, columns, *, width=980):
    """Verified maturity by section per project: ``rows`` = [{"name", "cells": {column: pct|None}}], ``columns`` =
    section titles. Section titles and project names are wrapped onto several lines, never truncated, and a legend
    says what the colours mean."""
    label_w, cell_h, size = 210, 15, 7.5
    cell_w = max(40, min(120, (width - label_w) / max(len(columns), 1)))
    width = label_w + cell_w * len(columns) + 4
    head_size = 6.8
    heads = [_wrapped(column, cell_w / (head_size * 0.58)) for column in columns]
    header_h = 8 + 9 * max([len(h) for h in heads] or [1])
    names = [_wrapped(row["name"], label_w / (8 * 0.6)) for row in rows]
    heights = [max(cell_h + 2, 9.6 * len(n) + 6) for n in names]
    legend_h = 30
    height = header_h + sum(heights) + legend_h
    body = []
    for j, head in enumerate(heads):
        x = label_w + j * cell_w + cell_w / 2
        body.append(
            _lines(x, header_h - 4 - 10 * (len(head) - 1), head, anchor="middle", size=size, fill=MUTED, line_h=10)
        )
    desc = []
    y = header_h
    for row, name, row_h in zip(rows, names, heights, strict=True):
        body.append(_lines(label_w - 6, y + 10, name, anchor="end", size=8, line_h=9.6))
        parts = []
        for j, column in enumerate(columns):
            pct = row["cells"].get(column)
            fill = score_colour(pct)
            x = label_w + j * cell_w
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w - 1.5:.1f}" height="{row_h - 1.5:.1f}" fill="{fill}"/>'
            )
            label = "–" if pct is None else f"{pct:.0f}"
            body.append(_text(x + cell_w / 2, y + 10.5, label, anchor="middle", size=size, fill=_on(fill)))
            parts.append(f"{column} {label}")
        desc.append(f"{row['name']}: " + ", ".join(parts))
        y += row_h
    lx, ly = label_w, y + 10
    body.append(_text(lx - 6, ly + 9, "Verified score:", anchor="end", size=7.5, fill=MUTED))
    for pct, words in HEATMAP_LEGEND:
        body.append(
            f'<rect x="{lx:.1f}" y="{ly:.1f}" width="12" height="12" fill="{score_colour(pct)}" stroke="{GRID}"/>'
        )
        body.append(_text(lx + 15, ly + 9, words, size=7.5, fill=MUTED))
        lx += 62
    title = "Verified maturity by section per project (%)"
    return _svg(width, height, title, "; ".join(desc) or "No projects.", body)


SERIES_COLOURS = [VERIFIED, CLAIMED, "#b42318"]


def kind_trend(points, *, title, y_label, width=520, height=170):
    """One assessment kind's quarterly series on a 0–100 % axis: ``points`` = [{"label", "count", "values":
    {series: pct}}]. Labelled axes (the quarter with the number of assessments; the measure) and a legend."""
    left, right, top, bottom = 52, 12, 22, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    body = _percent_grid(left=left, right=width - right, top=top, plot_h=plot_h)
    cy = top + plot_h / 2
    body.append(
        f'<text x="12" y="{cy:.1f}" font-size="8" fill="{MUTED}" text-anchor="middle" '
        f'transform="rotate(-90 12 {cy:.1f})">{escape(y_label)}</text>'
    )
    series = list(points[0]["values"]) if points else []
    n = len(points)
    xs = [left + plot_w * (i + 0.5) / max(n, 1) for i in range(n)]
    for x, point in zip(xs, points, strict=True):
        body.append(_text(x, height - 16, point["label"], anchor="middle", size=7.5, fill=MUTED))
        body.append(_text(x, height - 6, f"n={point['count']}", anchor="middle", size=7, fill=MUTED))
    lx = left
    for k, name in enumerate(series):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        coords = [
            (x, top + plot_h * (1 - max(0, min(p["values"][name], 100)) / 100)) for x, p in zip(xs, points, strict=True)
        ]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            dash = ' stroke-dasharray="4 3"' if k else ""
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for (x, y), p in zip(coords, points, strict=True):
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
            if k == 0:
                body.append(_text(x, y - 6, f"{p['values'][name]:.0f}%", anchor="middle", size=7.5, weight="bold"))
        body.append(f'<rect x="{lx:.1f}" y="4" width="10" height="10" fill="{colour}"/>')
        body.append(_text(lx + 14, 13, name, size=8))
        lx += 24 + 6 * len(name)
    desc = "; ".join(
        f"{p['label']} ({p['count']} assessments): " + ", ".join(f"{k} {v:.0f}%" for k, v in p["values"].items())
        for p in points
    )
    return _svg(width, height, title, desc or "No assessments yet.", body)


def quarter_trend(quarters, *, width=520, height=160):
    """Average maturity score by quarter (line) with the number of assessments (bars, right axis)."""
    left, right, top, bottom = 36, 30, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    body = _percent_grid(left=left, right=width - right, top=top, plot_h=plot_h)
    n = len(quarters)
    most = max([q["count"] for q in quarters] or [1]) or 1
    coords = []
    for i, q in enumerate(quarters):
        slot = plot_w / n
        x = left + slot * (i + 0.5)
        bar_h = plot_h * 0.5 * q["count"] / most
        body.append(
            f'<rect x="{x - slot * 0.25:.1f}" y="{top + plot_h - bar_h:.1f}" width="{slot * 0.5:.1f}" '
            f'height="{bar_h:.1f}" fill="#e3ebf3"/>'
        )
        body.append(_text(x, height - 10, f"{q['label']} (n={q['count']})", anchor="middle", size=8, fill=MUTED))
        coords.append((x, top + plot_h * (1 - q["avg_pct"] / 100)))
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    for (x, y), q in zip(coords, quarters, strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{ACCENT}"/>')
        body.append(_text(x, y - 7, f"{q['avg_pct']:.0f}%", anchor="middle", size=8, weight="bold"))
    desc = "; ".join(f"{q['label']}: average {q['avg_pct']:.0f}% over {q['count']} assessments" for q in quarters)
    return _svg(width, height, "Average maturity score by quarter", desc or "No assessments yet.", body)

"""Framework reports of one project: the ISO/IEC 42001 Statement of Applicability, the EU AI Act Annex IV outline,
the NIST AI RMF profile, NIST AI 600-1 and OWASP LLM coverage, as PDF (WeasyPrint, through the same
snapshot -> hash -> cache pipeline as the scorecard), CSV, XLSX and DOCX, and every file at once for the
evidence pack (``project_framework_files``).

The rows come from ``frameworks.selectors`` (the status rule is ``frameworks.status``); every format writes the
same rows from ``table``, so the CSV, the spreadsheet and the document cannot disagree.
"""

import csv
import dataclasses
import io

from django.template.loader import render_to_string
from django.utils import timezone

from config.metrics import REPORT_RENDER_SECONDS
from config.spreadsheet import safe_row
from frameworks import oscal
from frameworks import selectors as framework_selectors

from . import pdf
from .models import Report
from .services import _store, _stored

ANNEX_IV = "eu-ai-act-annex-iv-2024"
SOA = "iso42001-2023"
COLUMNS = (
    "Control",
    "Title",
    "Group",
    "Applicable",
    "Status",
    "Implementation",
    "Justification",
    "Why",
    "Evidence",
    "Owner",
    "Last verified",
)


def _date(value):
    return f"{value:%Y-%m-%d}" if value else ""


def table(report) -> list[list[str]]:
    """The header and one row per control: the one table CSV, XLSX and DOCX are written from."""
    rows = [list(COLUMNS)]
    for r in report.rows:
        rows.append(
            [
                r.id,
                r.title,
                r.group,
                "Yes" if r.applicable else "No",
                r.label,
                r.implementation,
                r.reasoning,
                r.why,
                " ; ".join(f"{e['label']} <{e['url']}>" for e in r.evidence),
                r.owner,
                _date(r.last_verified),
            ]
        )
    return rows


def to_csv(report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in table(report):
        writer.writerow(safe_row(row))
    return out.getvalue().encode("utf-8")


def to_xlsx(report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = report.key[:31]
    for row in table(report):
        sheet.append(safe_row(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJK", (12, 40, 28, 10, 16, 14, 50, 60, 40, 20, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _docx_table(document, report):
    rows = table(report)
    grid = document.add_table(rows=1, cols=len(rows[0]))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, rows[0], strict=True):
        cell.text = text
    for row in rows[1:]:
        for cell, text in zip(grid.add_row().cells, row, strict=True):
            cell.text = text
    return grid


def to_docx(report) -> bytes:
    """The report as a Word document: for Annex IV one heading per section with what is filled and every gap
    marked, then the same table as the CSV."""
    from docx import Document

    document = Document()
    document.core_properties.title = f"{report.title}: {report.project['name']}"
    document.add_heading(f"{report.title}", level=0)
    document.add_paragraph(
        f"Project: {report.project['name']} · Team: {report.project['team']} · Owner: {report.project['owner']} · "
        f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC by Plumbline from verified evidence."
    )
    if report.key == ANNEX_IV:
        for section in annex_iv_sections(report):
            document.add_heading(f"Section {section['id']}. {section['title']}", level=1)
            document.add_paragraph(f"Status: {section['label']}. {section['why']}")
            for line in section["filled"]:
                document.add_paragraph(line, style="List Bullet")
            for gap in section["gaps"]:
                document.add_paragraph(f"GAP: {gap}", style="List Bullet")
    document.add_heading("All rows", level=1)
    _docx_table(document, report)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _inventory_lines(project, fields):
    filled, gaps = [], []
    labels = {
        "description": "Description",
        "business_goal": "Intended purpose (business goal)",
        "team": "Provider team",
        "business_owner": "Business owner",
        "technical_owner": "Technical owner",
        "stage": "Stage",
        "kpis": "KPIs",
    }
    for name in fields:
        if name == "components":
            components = project.get("components") or []
            if components:
                filled.extend(f"Component: {c['name']} ({c['kind']}){' — ' + c['version'] if c.get('version') else ''}"
                              for c in components)  # fmt: skip
            else:
                gaps.append("No components (models, data sets, services) are recorded in the inventory.")
            continue
        value = project.get(name)
        if value:
            filled.append(f"{labels.get(name, name)}: {value}")
        else:
            gaps.append(f"{labels.get(name, name)} is not recorded in the inventory.")
    return filled, gaps


def annex_iv_sections(report) -> list[dict]:
    """Each Annex IV section with what Plumbline filled in and what is missing (a gap to close)."""
    sections = []
    for r in report.rows:
        filled, gaps = _inventory_lines(report.project, r.inventory)
        for item in r.items:
            if item["outcome"] == "verified":
                filled.append(f"Verified: {item['words']}")
            elif item["outcome"] == "claimed":
                gaps.append(f"Claimed but not verified: {item['words']}")
            elif item["outcome"] in ("absent", "failed", "contradicted"):
                gaps.append(f"Not in place: {item['words']}")
            elif item["outcome"] == "none":
                gaps.append(f"No evidence: {item['words']}")
        if not r.items and not r.inventory:
            gaps.append(r.reasoning)
        sections.append({"id": r.id, "title": r.title, "label": r.label, "status": r.status, "why": r.why,
                         "filled": filled, "gaps": gaps})  # fmt: skip
    return sections


def html(report) -> str:
    template = "reports/pdf/annex_iv.html" if report.key == ANNEX_IV else "reports/pdf/framework.html"
    context = {"r": report, "css_url": pdf._asset_url("css/report.css"), "soa": report.key == SOA}
    if report.key == ANNEX_IV:
        context["sections"] = annex_iv_sections(report)
    return render_to_string(template, context)


def _hashed(report):
    """What the PDF shows, without the time it was asked for, so an unchanged project hits the cache."""
    return dataclasses.replace(report, generated_at=None)


def framework_pdf(*, project, framework_key, user=None, report=None) -> tuple[Report, bool] | None:
    """The framework report PDF: the stored one when nothing it shows changed, else a fresh render."""
    report = report or framework_selectors.project_framework(project=project, framework_key=framework_key)
    if report is None:
        return None
    key = pdf.input_hash(Report.Kind.FRAMEWORK, _hashed(report))
    if existing := _stored(key):
        return existing, False
    with REPORT_RENDER_SECONDS.labels(Report.Kind.FRAMEWORK).time():
        data, pages = pdf.render_pdf(html(report))
    params = {"framework": report.key}
    return _store(kind=Report.Kind.FRAMEWORK, key=key, data=data, pages=pages, project=project, params=params,
                  user=user), True  # fmt: skip


#: Which files each framework gets in the evidence pack, besides its OSCAL assessment results.
FORMATS = {SOA: ("pdf", "csv", "xlsx"), ANNEX_IV: ("pdf", "docx", "csv")}
DEFAULT_FORMATS = ("pdf", "csv")
WRITERS = {"csv": to_csv, "xlsx": to_xlsx, "docx": to_docx}


def file_name(report, fmt) -> str:
    return f"{report.key}.{fmt}"


def project_framework_files(*, project, now=None, user=None) -> list[tuple[str, bytes]]:
    """Every framework report of the project as ``[(file name, bytes)]`` under ``frameworks/``: PDF, CSV and the
    formats each framework has, plus ``frameworks/oscal/<key>.json`` (OSCAL assessment results). For the signed
    evidence pack; the caller checks permissions."""
    now = now or timezone.now()
    files = []
    for report in framework_selectors.project_frameworks(project=project, now=now):
        for fmt in FORMATS.get(report.key, DEFAULT_FORMATS):
            if fmt == "pdf":
                stored, _ = framework_pdf(project=project, framework_key=report.key, user=user, report=report)
                with stored.file.open("rb") as handle:
                    data = handle.read()
            else:
                data = WRITERS[fmt](report)
            files.append((f"frameworks/{file_name(report, fmt)}", data))
        files.append((f"frameworks/oscal/{report.key}.json", oscal.assessment_results_json(report).encode()))
    return files

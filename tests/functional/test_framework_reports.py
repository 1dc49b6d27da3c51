"""Per-project framework reports read back as a user reads them: the SoA PDF lists all 38 Annex A controls with a
status each, Annex IV has its nine sections with gaps marked, CSV/XLSX/DOCX hold the same rows, OSCAL loads in
compliance-trestle's models, and the status follows the evidence (a failing check turns a claim contradicted)."""

import csv
import io
import json
import re
import subprocess

import pytest

from frameworks import catalog, selectors
from reports import framework_reports
from tests.factories import ComponentFactory, make_check_result, make_recorded_assessment

pytestmark = pytest.mark.django_db

ISO_IDS = [c.id for c in catalog.framework("iso42001").controls]
STATUS_WORDS = (
    r"(Verified|Claimed only|Contradicted|Partly in place|Not in place|Not applicable|Not assessed|Not covered)"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_definitions(monkeypatch):
    """assessments.selectors caches definitions by version id for the process; a rolled-back test database hands
    the same ids to other versions, so each test starts with an empty cache."""
    from assessments import selectors as assessment_selectors

    monkeypatch.setattr(assessment_selectors, "_DEFINITIONS", {})


@pytest.fixture
def assessed(project):
    ComponentFactory(project=project, name="answer-model", kind="model")
    make_recorded_assessment(
        project,
        "maturity",
        {
            "maturity.documentation.architecture": "yes",  # bound to git.architecture_doc_present (passes below)
            "maturity.documentation.model_choice": "yes",  # bound to git.model_choice_doc_present (fails below)
            "maturity.documentation.team_roles": "yes",  # no check: a claim only
            "maturity.monitoring.drift": "no",
        },
        evidence={"maturity.documentation.team_roles": ["https://wiki.example.com/raci"]},
    )
    make_check_result(project, "git.architecture_doc_present", "pass")
    make_check_result(project, "git.model_choice_doc_present", "fail")
    return project


def _row(report, control_id):
    return next(r for r in report.rows if r.id == control_id)


def pdf_text(data, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return path, text


def test_status_follows_the_evidence_not_the_claim(assessed):
    report = selectors.project_framework(project=assessed, framework_key="iso42001")
    assert _row(report, "A.6.2.3").status == "contradicted"  # model choice claimed, its check fails
    assert "git.model_choice_doc_present" in _row(report, "A.6.2.3").why
    assert _row(report, "A.4.6").status == "claimed_only"  # team roles: no check can verify it
    assert _row(report, "A.4.6").evidence == (
        {"label": "https://wiki.example.com/raci", "url": "https://wiki.example.com/raci"},
    )
    assert _row(report, "A.2.4").status == "not_covered"
    assert _row(report, "A.7.3").status == "not_assessed"


def test_the_soa_pdf_lists_all_38_controls_with_a_status_each(assessed, tmp_path):
    stored, rendered = framework_reports.framework_pdf(project=assessed, framework_key="iso42001-2023")
    assert rendered
    path, text = pdf_text(stored.file.read(), tmp_path, "soa.pdf")
    flat = re.sub(r"\s+", " ", text)
    assert "Statement of Applicability" in flat
    for control_id in ISO_IDS:
        line = next((ln for ln in text.splitlines() if re.match(rf"\s*{re.escape(control_id)}\s", ln)), None)
        assert line is not None, f"{control_id} missing from the SoA"
        assert re.search(STATUS_WORDS, line), f"{control_id} has no status on its line: {line!r}"
    assert "Contradicted" in flat and "Claimed only" in flat
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True)
    (png,) = tmp_path.glob("p*.png")
    assert png.stat().st_size > 1000
    again, rendered_again = framework_reports.framework_pdf(project=assessed, framework_key="iso42001-2023")
    assert (again.pk, rendered_again) == (stored.pk, False)  # nothing changed: the stored file


def test_annex_iv_pdf_has_its_nine_sections_with_gaps_marked(assessed, tmp_path):
    stored, _ = framework_reports.framework_pdf(project=assessed, framework_key="eu-ai-act-annex-iv")
    _, text = pdf_text(stored.file.read(), tmp_path, "annex-iv.pdf")
    flat = re.sub(r"\s+", " ", text)
    for number in range(1, 10):
        assert f"Section {number}." in flat
    assert "GAP:" in flat
    assert "answer-model" in flat  # pre-filled from the inventory
    assert "is not held in Plumbline: attach it" in flat


def test_xlsx_and_docx_hold_the_same_rows_as_the_csv(assessed):
    from docx import Document
    from openpyxl import load_workbook

    report = selectors.project_framework(project=assessed, framework_key="iso42001")
    rows = list(csv.reader(io.StringIO(framework_reports.to_csv(report).decode())))
    assert len(rows) == 39
    sheet = load_workbook(io.BytesIO(framework_reports.to_xlsx(report))).active
    assert [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)] == rows
    annex = selectors.project_framework(project=assessed, framework_key="eu-ai-act-annex-iv")
    annex_rows = list(csv.reader(io.StringIO(framework_reports.to_csv(annex).decode())))
    document = Document(io.BytesIO(framework_reports.to_docx(annex)))
    table = document.tables[-1]
    assert [[cell.text for cell in row.cells] for row in table.rows] == annex_rows
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 1")]
    assert [h.split(".")[0] for h in headings[:9]] == [f"Section {n}" for n in range(1, 10)]


def test_a_cell_that_looks_like_a_formula_is_escaped(assessed):
    assessed.technical_owner.first_name = '=HYPERLINK("http://x")'
    assessed.technical_owner.save()
    report = selectors.project_framework(project=assessed, framework_key="owasp-llm")
    text = framework_reports.to_csv(report).decode()
    assert "'=HYPERLINK" in text and ',"=HYPERLINK' not in text


def test_oscal_loads_in_trestle_models(assessed, tmp_path):
    from trestle.oscal.assessment_results import AssessmentResults

    report = selectors.project_framework(project=assessed, framework_key="iso42001")
    document = json.loads(selectors_oscal(report))
    path = tmp_path / "ar.json"
    path.write_text(json.dumps(document))
    loaded = AssessmentResults.oscal_read(path)
    (result,) = loaded.results
    assert len(result.findings) == 38
    by_target = {f.target.target_id: f.target.status.state.value for f in result.findings}
    assert by_target["A.6.2.3"] == "not-satisfied"
    annex = selectors.project_framework(project=assessed, framework_key="eu-ai-act-annex-iv")
    loaded = AssessmentResults.model_validate(json.loads(selectors_oscal(annex))["assessment-results"])
    assert [f.target.target_id for f in loaded.results[0].findings][:2] == ["section-1", "section-2"]


def selectors_oscal(report):
    from frameworks import oscal

    return oscal.assessment_results_json(report)


def test_project_framework_files_gives_every_report_for_the_evidence_pack(assessed):
    files = dict(framework_reports.project_framework_files(project=assessed))
    assert files["frameworks/iso42001-2023.pdf"].startswith(b"%PDF")
    assert {"frameworks/iso42001-2023.csv", "frameworks/iso42001-2023.xlsx", "frameworks/eu-ai-act-annex-iv-2024.docx",
            "frameworks/oscal/owasp-llm-2025.json", "frameworks/nist-ai-rmf-1.0.pdf"} <= set(files)  # fmt: skip

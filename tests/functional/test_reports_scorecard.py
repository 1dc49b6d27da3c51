"""The project scorecard PDF, read back with poppler: the right numbers, fonts embedded, no secrets, no network."""

import http.server
import re
import subprocess
import threading

import pytest

from connectors.secrets import encrypt_secrets
from reports import pdf, services
from tests.factories import ProjectFactory
from tests.reports_factories import maturity_result, risk_result, seed_scored_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Rendered reports go to a temporary media directory, not the shared var/test-media."""
    settings.MEDIA_ROOT = tmp_path / "media"


SECRET = "sk-live-PLANTED-0123456789abcdef"


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def flat(text):
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def seeded(project):
    return seed_scored_project(
        project, maturity=maturity_result(section_pcts=(85.0, 62.5, 40.0, 12.5), claimed=3, verified=1)
    )


@pytest.fixture
def scorecard(seeded, project, tmp_path):
    report, _ = services.report_scorecard(project=project)
    path = tmp_path / "scorecard.pdf"
    path.write_bytes(report.file.read())
    return path


def test_it_shows_claimed_and_verified_levels_and_section_scores(scorecard):
    text = flat(pdf_text(scorecard))
    assert "Verified by evidence level 1 (Documented)" in text
    assert "the answers claim level 3 (Managed)" in text
    for section, score in [
        ("Documentation", "85%"),
        ("Evaluation", "62%"),
        ("Monitoring", "40%"),
        ("Versioning", "12%"),
    ]:
        assert re.search(rf"{section} {score}", text), f"{section} {score} missing"


def test_it_shows_the_risk_tier_eu_category_and_risk_scores(scorecard):
    text = flat(pdf_text(scorecard))
    assert "Tier High" in text
    assert "EU AI Act category: High-risk system" in text
    assert "Prompt injection 15 L5×S3 12 L4×S3 Hallucination 16 L4×S4 8 L2×S4" in text


def test_a_prohibited_practice_reads_prohibited_stop_on_page_one_and_in_the_risk_section(project, tmp_path):
    stop = {"code": "stop", "label": "Prohibited — stop", "reason": "Social scoring is an Art. 5 practice."}
    seed_scored_project(project, risk={**risk_result(tier="critical", category="prohibited"), "verdict": stop})
    report, _ = services.report_scorecard(project=project)
    path = tmp_path / "scorecard.pdf"
    path.write_bytes(report.file.read())
    pages = [flat(page) for page in pdf_text(path).split("\f")]
    assert "RISK VERDICT" in pages[0] and "RISK TIER" not in pages[0]  # the headline figures
    assert "Risk verdict: Prohibited — stop." in pages[0]  # the status reasons
    assert "Prohibited — stop. Social scoring is an Art. 5 practice." in " ".join(pages)


def test_it_shows_the_recommendation_value_to_cost_and_costs(scorecard):
    text = flat(pdf_text(scorecard))
    assert "Proceed with conditions." in text
    assert "2.75×" in text
    assert "EUR 192,500" in text


def test_it_lists_evidence_approvals_and_next_actions_by_gain(scorecard, project):
    text = flat(pdf_text(scorecard))
    assert "git.ci_runs_tests docs-qa-repo Fail 2 days CI config has no test step." in text
    assert text.count("Approved Rita Reviewer") == 3
    assert text.index("Add latency, error and cost alerts") < text.index("Pin the model version in code")
    assert re.search(r"Add alerts \+10\.0% 3", text)


def test_its_footer_carries_page_numbers_and_content_hashes(scorecard, seeded):
    text = pdf_text(scorecard)
    pages = text.split("\f")
    assert "Page 2 of" in pages[1]
    assert seeded["maturity"].content_hash[:16] in pages[1]
    assert "llmops-maturity v1.0.0" in pages[1]


def test_its_crosswalk_separates_covered_and_open_framework_references(scorecard):
    text = pdf_text(scorecard)
    row = next(line for line in text.splitlines() if "NIST AI RMF" in line)
    assert row.index("GOVERN-1.1") < row.index("MAP-2.1"), "covered column comes before the open column"
    assert "1 covered, 1 open" in flat(text)


def test_page_one_renders_to_png(scorecard, tmp_path):
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(scorecard), str(tmp_path / "p")], check=True
    )
    png = next(tmp_path.glob("p*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 2000


def test_its_page_count_is_stable_across_renders(seeded, project):
    snapshot = services.selectors.scorecard_snapshot(project)
    html = pdf.scorecard_html(snapshot)
    assert pdf.render_pdf(html)[1] == pdf.render_pdf(html)[1] >= 3


def test_its_fonts_are_embedded(scorecard):
    listing = subprocess.run(["pdffonts", str(scorecard)], check=True, capture_output=True, text=True).stdout
    fonts = listing.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), listing
    assert "DejaVu" in listing


def test_a_connector_secret_never_reaches_the_pdf(seeded, project, tmp_path):
    repo = seeded["repo"]
    repo.encrypted_secrets = encrypt_secrets({"token": SECRET})
    repo.connector_settings = {"tracking_uri": "https://mlflow.example", "token": SECRET}
    repo.save()
    report, _ = services.report_scorecard(project=project)
    path = tmp_path / "s.pdf"
    path.write_bytes(report.file.read())
    assert SECRET not in pdf_text(path)
    assert SECRET.encode() not in path.read_bytes()


def test_an_unassessed_project_gets_a_scorecard_that_says_so(tmp_path, team):
    project = ProjectFactory(team=team, name="Fresh idea", slug="fresh-idea")
    report, _ = services.report_scorecard(project=project)
    path = tmp_path / "s.pdf"
    path.write_bytes(report.file.read())
    text = flat(pdf_text(path))
    assert "Not assessed" in text
    assert "No maturity assessment has been submitted." in text


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red; }")

    def log_message(self, *args):
        pass


def test_rendering_never_fetches_from_the_network():
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        html = f'<link rel="stylesheet" href="{url}/x.css"><img src="{url}/logo.png"><p>Hello</p>'
        data, pages = pdf.render_pdf(html)
    finally:
        server.shutdown()
    assert pages == 1 and data.startswith(b"%PDF")
    assert _CountingHandler.hits == []


def test_it_shows_the_verdicts_of_the_stage_gates_ahead(scorecard):
    text = flat(pdf_text(scorecard))
    assert "Proof of concept: may enter" in text
    assert "Production: blocked · requires verified maturity level 3" in text


def test_it_is_a_tagged_pdf_ua_document_with_its_title(scorecard, project):
    """Tagged structure (headings, tables, reading order) is what screen readers follow; PDF/UA also needs the title."""
    info = subprocess.run(["pdfinfo", str(scorecard)], check=True, capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Tagged"].strip() == "yes"
    assert fields["Title"].strip() == f"Scorecard: {project.name}"
    metadata = subprocess.run(["pdfinfo", "-meta", str(scorecard)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"pdfuaid:part[^0-9]*1", metadata), metadata


def test_a_project_claiming_level_4_with_nothing_verified_leads_with_verified_0_and_why(project, tmp_path):
    """The scorecard of a project whose every claim is unverified: page 1 says verified 0 and why; nothing on any
    page says that nothing blocks it."""
    from django.conf import settings as django_settings
    from django.utils import timezone

    from assessments.models import Assessment
    from assessments.scoring import score
    from questionnaires.selectors import latest_version
    from questionnaires.services import questionnaire_load_file
    from tests.unit.test_shipped_questionnaires import _context, _maturity_answers

    questionnaire_load_file(path=django_settings.BASE_DIR / "questionnaires/definitions/maturity.yaml")
    version = latest_version("maturity")
    context = _context()
    answers = _maturity_answers(version.definition, context, yes=lambda section, q: True)
    claimed = score(version.definition, answers, context, {}).to_dict()
    assert (claimed["claimed_level"], claimed["verified_level"]) == (4, 0)
    now = timezone.now()
    Assessment.objects.create(
        project=project,
        questionnaire=version,
        kind="maturity",
        state="approved",
        submitted_at=now,
        decided_at=now,
        expires_at=now + timezone.timedelta(days=90),
        result=claimed,
        record={"answers": {q: {"value": v} for q, v in answers.items()}, "project": context},
    )
    report, _ = services.report_scorecard(project=project)
    path = tmp_path / "scorecard.pdf"
    path.write_bytes(report.file.read())

    first_page = flat(
        subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", "-layout", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    )
    assert "Level 0 of 4" in first_page
    assert "Why verified is 0, not 1:" in first_page
    everything = flat(pdf_text(path))
    assert "Nothing blocks" not in everything
    assert "No further actions" not in everything

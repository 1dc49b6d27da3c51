"""The scorecard PDF names the sign-off each approval gave and the contradicted claims the approver acknowledged."""

import re
import subprocess

import pytest

from reports import services
from tests.reports_factories import seed_scored_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_scorecard_lists_each_sign_off_and_the_acknowledged_claims(project, tmp_path):
    seeded = seed_scored_project(project)
    review = seeded["maturity"].reviews.get()
    review.domain = "security"
    review.acknowledgements = [
        {"question_id": "m.docs.readme", "check_id": "git.readme_present", "state": "fail", "note": "Fixed in PR 42"}
    ]
    review.save()
    report, _ = services.report_scorecard(project=project)
    path = tmp_path / "scorecard.pdf"
    path.write_bytes(report.file.read())
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    text = re.sub(r"\s+", " ", text)
    assert "Maturity Approved Rita" in text and "(security)" in text  # the table wraps the sign-off
    assert "Acknowledged contradicted claim m.docs.readme (git.readme_present fail): Fixed in PR 42" in text

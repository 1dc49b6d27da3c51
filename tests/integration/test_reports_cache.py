"""Reports are stored under the hash of their inputs: unchanged inputs return the stored file without rendering."""

import os
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from connectors.models import CheckResult
from reports import pdf, services
from reports.models import Report, ReportJob
from tests.factories import ProjectFactory
from tests.reports_factories import seed_scored_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Rendered reports go to a temporary media directory, not the shared var/test-media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def seeded(project):
    return seed_scored_project(project)


def test_asking_again_with_nothing_changed_returns_the_stored_file_without_rendering(seeded, project):
    first, rendered = services.report_scorecard(project=project)
    assert rendered
    with mock.patch.object(pdf, "render_pdf", wraps=pdf.render_pdf) as render:
        second, rendered_again = services.report_scorecard(project=project)
    assert not rendered_again
    render.assert_not_called()
    assert second.pk == first.pk
    assert second.file.name == first.file.name
    assert Report.objects.count() == 1


def test_refreshed_evidence_makes_a_new_report(seeded, project):
    first, _ = services.report_scorecard(project=project)
    CheckResult.objects.filter(project=project, check_id="git.ci_runs_tests").update(
        state="pass", reason="CI runs pytest."
    )
    second, rendered = services.report_scorecard(project=project)
    assert rendered
    assert second.input_hash != first.input_hash
    assert Report.objects.count() == 2


def test_a_new_assessment_makes_a_new_report(seeded, project):
    first, _ = services.report_scorecard(project=project)
    maturity = seeded["maturity"]
    maturity.result = {**maturity.result, "verified_level": 3}
    maturity.save()
    second, rendered = services.report_scorecard(project=project)
    assert rendered and second.input_hash != first.input_hash


def test_a_stored_file_that_went_missing_is_rendered_again(seeded, project):
    first, _ = services.report_scorecard(project=project)
    first.file.storage.delete(first.file.name)
    second, rendered = services.report_scorecard(project=project)
    assert rendered
    assert second.file.storage.exists(second.file.name)


def test_the_portfolio_is_cached_per_filter(seeded, project):
    all_projects, rendered = services.report_portfolio(params={})
    assert rendered
    again, rendered_again = services.report_portfolio(params={"team": "", "stage": "", "tier": ""})
    assert not rendered_again and again.pk == all_projects.pk
    filtered, rendered_filtered = services.report_portfolio(params={"tier": "low"})
    assert rendered_filtered and filtered.pk != all_projects.pk


def test_a_failed_portfolio_job_says_so_on_the_job(seeded, monkeypatch, admin_user):
    def broken(html):
        raise OSError("disk full")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    job = ReportJob.objects.create(params={}, requested_by=admin_user)
    with pytest.raises(OSError):
        services.portfolio_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    assert "could not be generated" in job.message
    assert job.report is None


def test_the_fetcher_refuses_local_files_outside_the_report_assets():
    fetcher = pdf.LocalOnlyURLFetcher()
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch("file:///etc/hostname")
    css = (pdf.ASSETS_DIR / "css" / "report.css").resolve().as_uri()
    assert b"@font-face" in fetcher.fetch(css).read()


def test_old_reports_are_pruned_but_the_newest_of_each_subject_stays(seeded, project, other_team):
    old_scorecard, _ = services.report_scorecard(project=project)
    CheckResult.objects.filter(project=project).update(reason="changed since")  # new inputs, so a new report
    newest_scorecard, _ = services.report_scorecard(project=project)
    lone = ProjectFactory(team=other_team)
    lone_scorecard, _ = services.report_scorecard(project=lone)
    long_ago = timezone.now() - timedelta(days=45)
    Report.objects.update(created_at=long_ago)
    Report.objects.filter(pk=newest_scorecard.pk).update(created_at=long_ago + timedelta(hours=1))
    old_file = old_scorecard.file.path

    deleted = services.reports_prune(keep_days=30)

    assert deleted == 1
    assert set(Report.objects.values_list("pk", flat=True)) == {newest_scorecard.pk, lone_scorecard.pk}
    assert not os.path.exists(old_file)
    again, rendered = services.report_scorecard(project=project)
    assert (again.pk, rendered) == (newest_scorecard.pk, False)


def test_recent_reports_are_never_pruned(seeded, project):
    services.report_scorecard(project=project)
    CheckResult.objects.filter(project=project).update(reason="changed since")
    services.report_scorecard(project=project)

    assert services.reports_prune(keep_days=30) == 0
    assert Report.objects.count() == 2

"""Reports: what our data gathering and templating add on top of WeasyPrint, the cache, and a 500-project portfolio.

Runs on a throw-away test database (Django's test database: in-memory SQLite, or ``test_<name>`` on PostgreSQL)
and a temporary media directory, so it never touches the demo data.
"""

import datetime as dt
import statistics
import tempfile
import time

from bench.django_setup import run_in_test_db
from bench.table import Row

NAME = "reports"
REPEAT = 5
PORTFOLIO_PROJECTS = 500


def _median(fn, repeat=REPEAT):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _median_cpu(fn, repeat=REPEAT):
    """CPU seconds of this process: rendering is single-threaded and the test database is in-process SQLite, so on
    a machine shared with other jobs this is the steadier figure (wall time swings 2x with the load)."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return statistics.median(times)


def _seed_portfolio(n):
    """``n`` projects with approved impact, risk and maturity assessments and two checks each, in bulk."""
    from django.utils import timezone

    from assessments.models import Assessment
    from connectors.models import CheckResult
    from registry.models import Component, Project, Team
    from tests.reports_factories import (
        QuestionnaireVersionFactory,
        impact_result,
        maturity_result,
        risk_definition,
        risk_result,
    )

    now = timezone.now()
    teams = [Team.objects.create(name=f"Bench team {i}", slug=f"bench-team-{i}") for i in range(10)]
    projects = Project.objects.bulk_create(
        Project(name=f"Bench project {i:03d}", slug=f"bench-{i:03d}", team=teams[i % 10], stage="pilot")
        for i in range(n)
    )
    versions = {
        "maturity": QuestionnaireVersionFactory(),
        "risk": QuestionnaireVersionFactory(
            slug="llm-risk", version="2.1.0", kind="risk", definition=risk_definition()
        ),
        "impact": QuestionnaireVersionFactory(slug="llm-impact", version="1.2.0", kind="impact", definition={}),
    }
    tiers = ["low", "medium", "high", "critical"]
    assessments = []
    for i, project in enumerate(projects):
        pcts = tuple(float((i * 7 + k * 13) % 101) for k in range(4))
        results = {
            "maturity": maturity_result(section_pcts=pcts, claimed=i % 5, verified=max(0, i % 5 - i % 2)),
            "risk": risk_result(tier=tiers[i % 4]),
            "impact": impact_result(),
        }
        for kind, result in results.items():
            submitted = now - dt.timedelta(days=10 + (i % 300))
            assessments.append(
                Assessment(
                    project=project,
                    questionnaire=versions[kind],
                    kind=kind,
                    state=Assessment.State.APPROVED,
                    submitted_at=submitted,
                    decided_at=submitted,
                    expires_at=submitted + dt.timedelta(days=180),
                    content_hash=f"{i:064d}",
                    result=result,
                )
            )
    Assessment.objects.bulk_create(assessments)
    components = Component.objects.bulk_create(
        Component(project=p, kind="code_repository", name=f"{p.slug}-repo") for p in projects
    )
    CheckResult.objects.bulk_create(
        CheckResult(
            component=c,
            project_id=c.project_id,
            check_id=check,
            state=state,
            reason="bench",
            checked_at=now,
            expires_at=now + dt.timedelta(days=7),
        )
        for c in components
        for check, state in (("git.readme_present", "pass"), ("git.ci_runs_tests", "fail"))
    )
    return projects


def _measure():
    from django.test.utils import override_settings
    from weasyprint import HTML

    from reports import pdf, selectors, services
    from reports.models import Report
    from tests.factories import ProjectFactory, TeamFactory
    from tests.reports_factories import seed_scored_project

    rows = []
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        project = ProjectFactory(team=TeamFactory(name="Bench"), name="Bench scorecard", slug="bench-scorecard")
        seed_scored_project(project)
        html = pdf.scorecard_html(selectors.scorecard_snapshot(project))
        base_url = pdf.ASSETS_DIR.as_uri() + "/"

        def weasyprint_alone():
            HTML(string=html, base_url=base_url, url_fetcher=pdf.LocalOnlyURLFetcher()).write_pdf(
                pdf_variant=pdf.PDF_VARIANT
            )

        def full_render():
            Report.objects.all().delete()
            services.report_scorecard(project=project)

        def cached_download():
            report, rendered = services.report_scorecard(project=project)
            assert not rendered
            with report.file.open("rb") as f:
                f.read()

        baseline = _median(weasyprint_alone)
        scorecard = _median(full_render)
        scorecard_cpu = _median_cpu(full_render)
        scorecard_pages = services.report_scorecard(project=project)[0].pages
        services.report_scorecard(project=project)
        cached = _median(cached_download, repeat=20)
        base = "WeasyPrint alone on the same final HTML"
        rows += [
            Row(NAME, "WeasyPrint alone, scorecard HTML (baseline)", baseline * 1000, "ms", 1.0, base),
            Row(
                NAME,
                "scorecard: snapshot + templates + render + store",
                scorecard * 1000,
                "ms",
                scorecard / baseline,
                base,
            ),
            Row(NAME, "scorecard: cached re-download", cached * 1000, "ms", cached / baseline, base),
        ]

        _seed_portfolio(PORTFOLIO_PROJECTS)
        snapshot_time = _median(lambda: selectors.portfolio_snapshot(), repeat=3)
        started, started_cpu = time.perf_counter(), time.process_time()
        report, rendered = services.report_portfolio(params={})
        portfolio, portfolio_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        assert rendered
        per_project = portfolio / PORTFOLIO_PROJECTS
        per_page, scorecard_per_page = portfolio / report.pages, scorecard / scorecard_pages
        rows += [
            Row(NAME, f"portfolio snapshot, {PORTFOLIO_PROJECTS} projects", snapshot_time * 1000, "ms",
                snapshot_time / scorecard, "one full scorecard render"),
            Row(NAME, f"portfolio PDF, {PORTFOLIO_PROJECTS} projects ({report.pages} pages)", portfolio, "s",
                portfolio / scorecard, "one full scorecard render"),
            Row(NAME, "portfolio PDF per project", per_project * 1000, "ms", per_project / scorecard,
                "one full scorecard render"),
            Row(NAME, "portfolio PDF cost per page, wall (target: within 1.5x)", per_page * 1000, "ms",
                per_page / scorecard_per_page, f"scorecard cost per page ({scorecard_pages} pages)"),
            Row(NAME, "portfolio PDF cost per page, CPU (target: within 1.5x)", portfolio_cpu / report.pages * 1000,
                "ms", (portfolio_cpu / report.pages) / (scorecard_cpu / scorecard_pages),
                f"scorecard CPU per page ({scorecard_pages} pages)"),
        ]  # fmt: skip
    return rows


def run():
    return run_in_test_db(_measure)

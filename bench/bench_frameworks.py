"""Framework reports: the ISO/IEC 42001 Statement of Applicability PDF against WeasyPrint alone on its HTML, and
the portfolio framework coverage report for 1,000 projects against one scorecard render.

Runs on a throw-away test database and a temporary media directory, like bench_reports.
"""

import datetime as dt
import statistics
import tempfile
import time

from bench.django_setup import run_in_test_db
from bench.table import Row

NAME = "frameworks"
REPEAT = 5
PORTFOLIO_PROJECTS = 1000
ANSWERS = {
    "maturity": {
        "maturity.documentation.architecture": "yes",
        "maturity.documentation.model_choice": "yes",
        "maturity.documentation.team_roles": "yes",
        "maturity.documentation.risk_evaluation": "no",
        "maturity.code_quality.tests_every_step": "yes",
        "maturity.code_quality.ci_runs_tests": "yes",
        "maturity.code_quality.docs_as_code": "yes",
        "maturity.monitoring.health_alerts": "yes",
        "maturity.evaluation.offline_set": "yes",
        "maturity.evaluation.safety_tests": "no",
    },
    "impact": {"impact.problem.defined": "yes", "impact.problem.business_owner": "yes", "impact.uses.intended": "Q&A"},
    "risk": {"risk.prompt_injection.mitigations": [], "risk.hallucination.mitigations": []},
}


def _median(fn, repeat=REPEAT):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _interleaved(first, second, repeat=REPEAT):
    """Medians of two measurements taken in turn, so a change in the machine's load hits both alike (on a shared
    machine, five baselines then five renders differed by 30% either way)."""
    a, b = [], []
    for _ in range(repeat):
        for fn, times in ((first, a), (second, b)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return statistics.median(a), statistics.median(b)


def _record(kind, i):
    answers = {qid: {"value": v, "visible": True, "evidence": []} for qid, v in ANSWERS[kind].items()}
    if i % 3 == 0 and kind == "maturity":
        answers["maturity.documentation.risk_evaluation"]["value"] = "yes"
    return {"questionnaire": {}, "project": {"context": {}}, "answers": answers}


def _seed(n):
    from django.conf import settings
    from django.utils import timezone

    from assessments.models import Assessment
    from connectors.models import CheckResult
    from registry.models import Component, Project, Team
    from tests.factories import questionnaire_version_from_yaml

    now = timezone.now()
    folder = settings.BASE_DIR / "questionnaires" / "definitions"
    versions = {kind: questionnaire_version_from_yaml(folder / f"{kind}.yaml") for kind in ANSWERS}
    teams = [Team.objects.create(name=f"Frameworks team {i}", slug=f"fw-team-{i}") for i in range(10)]
    projects = Project.objects.bulk_create(
        Project(name=f"Framework project {i:04d}", slug=f"fw-{i:04d}", team=teams[i % 10]) for i in range(n)
    )
    Assessment.objects.bulk_create(
        Assessment(project=p, questionnaire=versions[kind], kind=kind, state=Assessment.State.APPROVED,
                   decided_at=now - dt.timedelta(days=i % 90), record=_record(kind, i), result={})
        for i, p in enumerate(projects)
        for kind in ANSWERS
    )  # fmt: skip
    components = Component.objects.bulk_create(
        Component(project=p, kind="code_repository", name=f"{p.slug}-repo") for p in projects
    )
    checks = (("git.architecture_doc_present", "pass"), ("git.model_choice_doc_present", "fail"),
              ("git.tests_present", "pass"), ("prometheus.alert_rules_defined", "unknown"))  # fmt: skip
    CheckResult.objects.bulk_create(
        CheckResult(component=c, project_id=c.project_id, check_id=check, state=state, reason="bench",
                    checked_at=now, expires_at=now + dt.timedelta(days=7))
        for c in components
        for check, state in checks
    )  # fmt: skip


def _measure():
    from django.test.utils import override_settings
    from weasyprint import HTML

    from frameworks import selectors as framework_selectors
    from frameworks.views import _coverage_csv
    from reports import framework_reports, pdf, services
    from reports.models import Report
    from tests.factories import ProjectFactory, TeamFactory, make_check_result, make_recorded_assessment
    from tests.reports_factories import seed_scored_project

    rows = []
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        team = TeamFactory(name="Bench")
        project = ProjectFactory(team=team, name="Bench SoA", slug="bench-soa")
        make_recorded_assessment(project, "maturity", ANSWERS["maturity"])
        make_check_result(project, "git.architecture_doc_present", "pass")
        html = framework_reports.html(
            framework_selectors.project_framework(project=project, framework_key=framework_reports.SOA)
        )
        base_url = pdf.ASSETS_DIR.as_uri() + "/"

        def weasyprint_alone():
            HTML(string=html, base_url=base_url, url_fetcher=pdf.LocalOnlyURLFetcher()).write_pdf(
                pdf_variant=pdf.PDF_VARIANT
            )

        def soa_full():
            Report.objects.all().delete()
            framework_reports.framework_pdf(project=project, framework_key=framework_reports.SOA)

        def weasyprint_alone_same_collector():
            with pdf._fewer_collections():
                weasyprint_alone()

        baseline, soa = _interleaved(weasyprint_alone, soa_full)
        same_gc, soa_again = _interleaved(weasyprint_alone_same_collector, soa_full)
        base = "WeasyPrint alone on the same SoA HTML"
        rows += [
            Row(NAME, "WeasyPrint alone, ISO 42001 SoA HTML (baseline)", baseline * 1000, "ms", 1.0, base),
            Row(NAME, "SoA PDF: statuses + template + render + store", soa * 1000, "ms", soa / baseline, base),
            Row(NAME, "SoA PDF vs WeasyPrint alone with the render's collector thresholds", soa_again * 1000, "ms",
                soa_again / same_gc, f"{same_gc * 1000:.0f} ms: what is left is Plumbline's own work"),
        ]  # fmt: skip

        scored = ProjectFactory(team=team, name="Bench scorecard", slug="bench-scorecard")
        seed_scored_project(scored)

        def scorecard():
            Report.objects.all().delete()
            services.report_scorecard(project=scored)

        one_scorecard = _median(scorecard)
        _seed(PORTFOLIO_PROJECTS)
        started = time.perf_counter()
        coverage = framework_selectors.portfolio_coverage_with_change()
        _coverage_csv(coverage)
        portfolio = time.perf_counter() - started
        assert coverage["projects"] == PORTFOLIO_PROJECTS + 2
        rows += [
            Row(NAME, "one scorecard render (baseline)", one_scorecard * 1000, "ms", 1.0, "one scorecard render"),
            Row(NAME, f"portfolio framework coverage + CSV, {PORTFOLIO_PROJECTS} projects, 6 frameworks", portfolio,
                "s", portfolio / one_scorecard, "one scorecard render"),
        ]  # fmt: skip
    return rows


def run():
    return run_in_test_db(_measure)

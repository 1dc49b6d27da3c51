"""Writes of the reports app: storing rendered PDFs under their input hash, and the portfolio job's life.

Reports change no governance data, so they write no ChangeRecord: the ``Report`` row (who, when, from which
inputs) and the ``ReportJob`` row are themselves the record.
"""

from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from config.metrics import REPORT_RENDER_SECONDS

from . import changes, pdf, selectors
from .models import Report, ReportJob

PORTFOLIO_FILTERS = ("team", "stage", "tier")


def _stored(key):
    report = Report.objects.filter(input_hash=key).first()
    if report and report.file and report.file.storage.exists(report.file.name):
        return report
    if report:
        report.delete()
    return None


def _store(*, kind, key, data, pages, project=None, params=None, user=None, summary=None):
    report = Report(
        kind=kind,
        project=project,
        params=params or {},
        input_hash=key,
        size=len(data),
        pages=pages,
        created_by=user,
        summary=summary or {},
    )
    name = f"{kind}-{project.slug if project else 'portfolio'}-{key[:16]}.pdf"
    report.file.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Someone rendered the same inputs at the same moment: keep theirs, drop ours.
        report.file.delete(save=False)
        return Report.objects.get(input_hash=key)
    return report


def report_scorecard(*, project, user=None) -> tuple[Report, bool]:
    """The project's scorecard PDF: the stored one when nothing changed, else a fresh render.

    Returns ``(report, rendered)``.
    """
    snapshot = selectors.scorecard_snapshot(project)
    key = pdf.input_hash(Report.Kind.SCORECARD, snapshot)
    if existing := _stored(key):
        return existing, False
    with REPORT_RENDER_SECONDS.labels(Report.Kind.SCORECARD).time():
        data, pages = pdf.render_pdf(pdf.scorecard_html(snapshot))
    return _store(kind=Report.Kind.SCORECARD, key=key, data=data, pages=pages, project=project, user=user), True


def clean_portfolio_params(params) -> dict:
    return {name: str(params.get(name) or "") for name in PORTFOLIO_FILTERS}


def portfolio_job_create(*, params, user) -> ReportJob:
    """Queue a portfolio report; the worker starts once the job row is committed."""
    from .tasks import generate_portfolio_report

    with transaction.atomic():
        job = ReportJob.objects.create(params=clean_portfolio_params(params), requested_by=user, message="Queued")
        transaction.on_commit(lambda: generate_portfolio_report.delay(job.pk))
    return job


DEAD_JOB_MESSAGE = (
    "The report stopped before it finished: its worker ended (restarted, or past the {minutes}-minute limit). "
    "Try again; if it stops again, tell an administrator."
)


def portfolio_job_progress(*, job_id, percent, message, started=False):
    """Record a job's progress. Every step is also its heartbeat, the sign of life ``_dead_jobs`` reads."""
    fields = {"progress": percent, "message": message, "heartbeat_at": timezone.now()}
    if started:
        fields["status"] = ReportJob.Status.RUNNING
    ReportJob.objects.filter(pk=job_id).update(**fields)


def portfolio_job_run(*, job_id) -> ReportJob:
    """Gather, draw, render and store the portfolio report, reporting progress on the job as it goes."""
    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status == ReportJob.Status.DONE:
        return job
    portfolio_job_progress(job_id=job.pk, percent=5, message="Reading the portfolio", started=True)
    try:
        report, _ = report_portfolio(
            params=job.params,
            user=job.requested_by,
            on_progress=lambda p, m: portfolio_job_progress(job_id=job.pk, percent=p, message=m),
        )
    except Exception as exc:
        ReportJob.objects.filter(pk=job.pk).update(
            message=f"The report could not be generated ({type(exc).__name__}); try again, or tell an administrator.",
            status=ReportJob.Status.FAILED,
            finished_at=timezone.now(),
        )
        raise
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.DONE, progress=100, message="Ready", report=report, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _dead_jobs(now):
    """Running jobs silent for longer than the task's hard time limit: no live worker can still be on them, since
    Celery kills a task at that limit, so their worker died without a word (killed, out of memory, redeployed)."""
    cutoff = now - timedelta(seconds=settings.PLUMBLINE_REPORT_JOB_TIME_LIMIT)
    return ReportJob.objects.filter(status=ReportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )


def _fail_dead(queryset, now) -> int:
    minutes = max(1, round(settings.PLUMBLINE_REPORT_JOB_TIME_LIMIT / 60))
    return queryset.update(
        status=ReportJob.Status.FAILED, message=DEAD_JOB_MESSAGE.format(minutes=minutes), finished_at=now
    )


def report_jobs_fail_dead(*, now=None) -> int:
    """Mark every job whose worker died as failed (Celery beat); returns how many."""
    now = now or timezone.now()
    return _fail_dead(_dead_jobs(now), now)


def portfolio_job_check(*, job, now=None) -> ReportJob:
    """The job as a reader should see it: failed, not "running" forever, when its worker died."""
    now = now or timezone.now()
    if job.status == ReportJob.Status.RUNNING and _fail_dead(_dead_jobs(now).filter(pk=job.pk), now):
        job.refresh_from_db()
    return job


def report_portfolio(*, params, user=None, on_progress=None) -> tuple[Report, bool]:
    """The portfolio PDF for the given filters, from the cache when nothing changed. Returns (report, rendered)."""
    params = clean_portfolio_params(params)
    snapshot = selectors.portfolio_snapshot(**{k: v or None for k, v in params.items()})
    key = pdf.input_hash(Report.Kind.PORTFOLIO, snapshot)
    if existing := _stored(key):
        return existing, False
    if on_progress:
        on_progress(25, f"Read {snapshot.counts['projects']} projects; drawing charts")
    summary = changes.summary(snapshot)
    previous = (
        Report.objects.filter(kind=Report.Kind.PORTFOLIO, params=params)
        .exclude(summary={})
        .order_by("-created_at", "-id")
    ).first()
    since = changes.since(previous.summary if previous else None, summary)
    html = pdf.portfolio_html(snapshot, changes=since, on_progress=on_progress)
    if on_progress:
        on_progress(60, "Laying out the pages")
    with REPORT_RENDER_SECONDS.labels(Report.Kind.PORTFOLIO).time():
        data, pages = pdf.render_pdf(html)
    if on_progress:
        on_progress(95, "Saving the PDF")
    stored = _store(
        kind=Report.Kind.PORTFOLIO, key=key, data=data, pages=pages, params=params, user=user, summary=summary
    )
    return stored, True


def reports_prune(*, now=None, keep_days=None) -> int:
    """Delete stored PDFs older than the retention period, except the newest one of each subject.

    Every change to a project's evidence or answers makes a new report, so without this the storage only grows.
    The newest report of each project scorecard and of each portfolio filter is kept whatever its age: it is
    the one a reader asks for again, and deleting it would only force a re-render. A job whose report is gone
    keeps its row (the request stays on record) and simply offers no download. Returns how many were deleted.
    """
    now = now or timezone.now()
    keep_days = settings.PLUMBLINE_REPORT_RETENTION_DAYS if keep_days is None else keep_days
    newest = {}
    for report_id, kind, project_id, params in Report.objects.order_by("-created_at", "-id").values_list(
        "id", "kind", "project_id", "params"
    ):
        newest.setdefault((kind, project_id, tuple(sorted((params or {}).items()))), report_id)
    stale = Report.objects.filter(created_at__lt=now - timedelta(days=keep_days)).exclude(pk__in=newest.values())
    deleted = 0
    for report in stale.iterator():
        # The row goes first: a concurrent download then finds no row (404), never a row without its file.
        name, storage = report.file.name, report.file.storage
        report.delete()
        if name:
            storage.delete(name)
        deleted += 1
    return deleted

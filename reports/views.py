"""Report pages: portfolio and team dashboards (with CSV exports), the scorecard PDF, portfolio jobs."""

from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from accounts.permissions import can_view_project
from registry.models import Project, Team

from . import exports, pdf, selectors, services
from .models import Report, ReportJob


def pdf_response(report: Report, *, filename: str, attachment: bool = True):
    """The stored PDF; ``attachment=False`` lets a browser show it inline (the scorecard link)."""
    response = FileResponse(
        report.file.open("rb"), content_type="application/pdf", filename=filename, as_attachment=attachment
    )
    response["Cache-Control"] = "private, max-age=0"
    response["ETag"] = f'"{report.input_hash}"'
    return response


def report_filename(report: Report) -> str:
    subject = report.project.slug if report.project_id else "portfolio"
    return f"plumbline-{report.kind}-{subject}-{report.created_at:%Y-%m-%d}.pdf"


def job_status(job: ReportJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "params": job.params,
        "download_url": reverse("reports:download", args=[job.report_id]) if job.report_id else None,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


class PortfolioDashboardView(View):
    """The leadership dashboard; ``?format=csv&table=<name>`` downloads one of its tables."""

    template_name = "reports/portfolio.html"

    def filters(self, request, **kwargs):
        params = services.clean_portfolio_params(request.GET)
        valid = selectors.report_filter_choices()
        for name, key in (("team", "teams"), ("stage", "stages"), ("tier", "tiers")):
            if params[name] and params[name] not in {value for value, _ in valid[key]}:
                params[name] = ""
        return params, valid

    def get(self, request, **kwargs):
        params, choices = self.filters(request, **kwargs)
        snapshot = selectors.portfolio_snapshot(**{k: v or None for k, v in params.items()})
        if request.GET.get("format") == "csv":
            return self.csv(request, snapshot, params)
        context = {
            "s": snapshot,
            "charts": pdf.portfolio_charts(snapshot, embed=pdf.inline_svg),
            "params": params,
            "choices": choices,
            "tables": list(exports.TABLES),
            "latest_job": ReportJob.objects.filter(requested_by=request.user, params=params).first(),
            **self.extra_context(**kwargs),
        }
        return render(request, self.template_name, context)

    def extra_context(self, **kwargs):
        return {"team": None}

    def csv(self, request, snapshot, params):
        table = request.GET.get("table", "projects")
        if table not in exports.TABLES:
            return HttpResponse(
                f"Unknown table {table!r}; choose one of: {', '.join(exports.TABLES)}.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        subject = params["team"] or "portfolio"
        response = HttpResponse(exports.portfolio_csv(snapshot, table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="plumbline-{subject}-{table}-{snapshot.as_of}.csv"'
        return response


class TeamDashboardView(PortfolioDashboardView):
    """The same figures for one team's projects."""

    def filters(self, request, *, slug):
        team = get_object_or_404(Team, slug=slug)
        params, choices = super().filters(request)
        params["team"] = team.slug
        return params, choices

    def extra_context(self, *, slug):
        return {"team": get_object_or_404(Team, slug=slug)}


class ScorecardPdfView(View):
    """Renders the scorecard on request; an unchanged project gets the stored file without rendering."""

    def get(self, request, slug):
        project = get_object_or_404(Project, slug=slug)
        if not can_view_project(request.user, project):
            raise Http404
        report, _ = services.report_scorecard(project=project, user=request.user)
        return pdf_response(report, filename=report_filename(report), attachment=False)


class PortfolioJobCreateView(View):
    def post(self, request):
        job = services.portfolio_job_create(params=request.POST, user=request.user)
        return redirect("reports:job", pk=job.pk)


class ReportJobDetailView(View):
    """Progress of a portfolio job; the page polls ``?format=json`` until the download link appears."""

    def get(self, request, pk):
        job = services.portfolio_job_check(job=get_object_or_404(ReportJob, pk=pk))
        if request.GET.get("format") == "json":
            return JsonResponse(job_status(job))
        return render(request, "reports/job.html", {"job": job, "status": job_status(job)})


class ReportDownloadView(View):
    def get(self, request, pk):
        report = get_object_or_404(Report.objects.select_related("project"), pk=pk)
        if report.project_id and not can_view_project(request.user, report.project):
            raise Http404
        return pdf_response(report, filename=report_filename(report))

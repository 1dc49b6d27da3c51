"""Framework pages: a project's standing on each framework, one framework control by control, and the portfolio
coverage with its change since the previous issued report."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from accounts.permissions import can_review, can_view_project
from config.spreadsheet import safe_row
from registry.models import Project

from . import selectors, services, status


def _project(request, slug):
    project = get_object_or_404(Project.objects.select_related("team"), slug=slug)
    if not can_view_project(request.user, project):
        raise Http404
    return project


class ProjectFrameworksView(View):
    def get(self, request, slug):
        project = _project(request, slug)
        reports = selectors.project_frameworks(project=project)
        return render(request, "frameworks/project_frameworks.html", {"project": project, "reports": reports})


class ProjectFrameworkView(View):
    def get(self, request, slug, key):
        project = _project(request, slug)
        report = selectors.project_framework(project=project, framework_key=key)
        if report is None:
            raise Http404("No such framework.")
        rows = (
            sorted(report.rows, key=lambda r: status.ORDER.index(r.status)) if request.GET.get("sort") else report.rows
        )
        return render(request, "frameworks/project_framework.html", {"project": project, "r": report, "rows": rows})


class PortfolioFrameworksView(View):
    def get(self, request):
        coverage = selectors.portfolio_coverage_with_change()
        if request.GET.get("format") == "csv":
            return _coverage_csv(coverage)
        return render(request, "frameworks/portfolio.html", {"c": coverage, "can_issue": can_review(request.user)})

    def post(self, request):
        if not can_review(request.user):
            raise PermissionDenied("Only reviewers and administrators issue the coverage report.")
        snapshot, _ = services.coverage_snapshot_create(user=request.user)
        messages.success(
            request, f"Coverage report issued for {snapshot.projects} projects; the next one shows the change."
        )
        return redirect("frameworks:portfolio")


def _coverage_csv(coverage):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Framework", "Project", "Verified %", "Claimed %", "Applicable controls", "Change in verified %"])
    for f in coverage["frameworks"]:
        for p in f["projects"]:
            change = p["change"]["verified_pct"]
            writer.writerow(
                safe_row([f["title"], p["name"], p["verified_pct"], p["claimed_pct"], p["applicable"], change])
            )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="plumbline-framework-coverage-{coverage["generated_at"]:%Y-%m-%d}.csv"'
    )
    return response

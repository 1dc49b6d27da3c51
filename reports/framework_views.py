"""Downloads of a project's framework reports: PDF (from the report cache), CSV, XLSX, DOCX and OSCAL JSON."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View

from accounts.permissions import can_view_project
from frameworks import oscal
from frameworks import selectors as framework_selectors
from registry.models import Project

from . import framework_reports
from .views import pdf_response

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "json": "application/json",
}


def framework_file(*, project, key, fmt, user=None):
    """``(content, content type, file name)`` of one framework report in ``fmt``, or None for an unknown one;
    a PDF comes back as the stored ``Report``."""
    report = framework_selectors.project_framework(project=project, framework_key=key)
    if report is None or fmt not in ("pdf", *CONTENT_TYPES):
        return None
    name = f"plumbline-{project.slug}-{report.key}-{report.generated_at:%Y-%m-%d}.{fmt}"
    if fmt == "pdf":
        stored, _ = framework_reports.framework_pdf(project=project, framework_key=key, user=user, report=report)
        return stored, "application/pdf", name
    if fmt == "json":
        return oscal.assessment_results_json(report).encode(), CONTENT_TYPES[fmt], name.replace(".json", "-oscal.json")
    writer = framework_reports.WRITERS[fmt]
    return writer(report), CONTENT_TYPES[fmt], name


def file_response(found, *, attachment=True):
    content, content_type, name = found
    if content_type == "application/pdf":
        return pdf_response(content, filename=name, attachment=attachment)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class FrameworkReportDownloadView(View):
    def get(self, request, slug, key, fmt):
        project = get_object_or_404(Project, slug=slug)
        if not can_view_project(request.user, project):
            raise Http404
        found = framework_file(project=project, key=key, fmt=fmt, user=request.user)
        if found is None:
            raise Http404("No such framework report.")
        return file_response(found, attachment=fmt != "pdf")

"""Evidence pages: the checks catalogue, refresh now (with a small JSON progress endpoint), waivers."""

from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_POST

from accounts import permissions as rules
from registry.models import Project

from . import selectors, services
from .api.views import can_refresh
from .forms import WaiverForm
from .models import RefreshRun, Waiver


def _project(slug):
    return get_object_or_404(Project.objects.select_related("team"), slug=slug)


class CheckListView(View):
    def get(self, request):
        return render(request, "connectors/check_list.html", {"catalogue": selectors.check_catalogue()})


@require_POST
def evidence_refresh(request, slug):
    project = _project(slug)
    if not can_refresh(request.user, project):
        raise PermissionDenied("Only the project's team and reviewers can refresh its evidence.")
    run = services.evidence_refresh(project=project, actor=request.user)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {"run_id": run.pk, "status_url": reverse("connectors:run-status", args=[project.slug, run.pk])},
            status=202,
        )
    messages.info(request, "Evidence refresh started; the panel shows its progress.")
    return redirect(f"{project.get_absolute_url()}#evidence-panel-title")


def run_status(request, slug, pk):
    run = get_object_or_404(RefreshRun, pk=pk, project__slug=slug)
    data = selectors.refresh_run_progress(run)
    for key in ("created_at", "finished_at"):
        data[key] = data[key].isoformat() if data[key] else None
    return JsonResponse(data)


class WaiverCreateView(View):
    def post(self, request, slug):
        project = _project(slug)
        form = WaiverForm(request.POST, project=project)
        if not form.is_valid():
            messages.error(
                request, "The waiver was not saved: " + "; ".join(m for ms in form.errors.values() for m in ms)
            )
            return redirect(project.get_absolute_url())
        data = form.cleaned_data
        component = project.components.filter(pk=data["component"]).first() if data["component"] else None
        expires_at = timezone.make_aware(datetime.combine(data["expires_at"], time(23, 59)))
        try:
            services.waiver_create(
                project=project,
                component=component,
                check_id=data["check_id"],
                reason=data["reason"],
                expires_at=expires_at,
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, "The waiver was not saved: " + "; ".join(exc.messages))
        else:
            messages.success(request, f"Waiver of {data['check_id']} saved until {data['expires_at']:%d %b %Y}.")
        return redirect(project.get_absolute_url())


@require_POST
def waiver_revoke(request, slug, pk):
    waiver = get_object_or_404(Waiver.objects.select_related("project"), pk=pk, project__slug=slug)
    if not rules.can_review(request.user):
        raise PermissionDenied("Only reviewers and admins can revoke a waiver.")
    services.waiver_revoke(waiver=waiver, actor=request.user)
    messages.success(request, f"Waiver of {waiver.check_id} revoked.")
    return redirect(waiver.project.get_absolute_url())

"""Gate pages: the project's gate detail, stage moves, policy versions, and the public/private badge."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.views import View
from django.views.decorators.http import require_POST

from accounts import permissions as rules
from registry.choices import Stage
from registry.models import Project

from . import badge, selectors, services
from .forms import MoveStageForm, PolicyForm, ThresholdsDecisionForm, ThresholdsForm, thresholds_text
from .policy import GATED_STAGES, evaluate

BADGE_MAX_AGE = 300
HISTORY_SHOWN = 10


def _project(slug):
    return get_object_or_404(Project.objects.select_related("team"), slug=slug)


def project_gate(request, slug):
    project = _project(slug)
    rules_, version, facts = selectors.gate_facts(project=project)
    verdicts = [evaluate(rules_, facts, stage=s, policy_version=version) for s in GATED_STAGES]
    return render(
        request,
        "gates/project_gate.html",
        {
            "project": project,
            "verdicts": verdicts,
            "next_stages": selectors.next_stages(project.stage),
            "can_edit": rules.can_edit_project(request.user, project),
            "pushed": selectors.pushed_evaluations(project=project, limit=10),
            "history": selectors.verdict_history(project=project)[:HISTORY_SHOWN],
            "stages": Stage,
            **_thresholds_context(request, project),
        },
    )


def _thresholds_context(request, project, form=None):
    in_force = selectors.thresholds_in_force(project_id=project.pk)
    versions = list(selectors.threshold_versions(project=project)[:HISTORY_SHOWN])
    return {
        "thresholds_in_force": in_force,
        "thresholds_in_force_text": thresholds_text(in_force.thresholds),
        "threshold_versions": [
            (v, thresholds_text(v.thresholds), rules.can_decide_thresholds(request.user, project, v)) for v in versions
        ],
        "thresholds_form": form or ThresholdsForm(initial={"thresholds": thresholds_text(in_force.thresholds)}),
        "can_propose_thresholds": rules.can_propose_thresholds(request.user, project),
    }


@require_POST
def project_thresholds_propose(request, slug):
    project = _project(slug)
    if not rules.can_propose_thresholds(request.user, project):
        raise PermissionDenied("Only the project's team or an admin can propose evaluation thresholds.")
    form = ThresholdsForm(request.POST)
    if form.is_valid():
        try:
            proposal = services.thresholds_propose(
                project=project,
                thresholds=form.cleaned_data["thresholds"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error("thresholds", " ".join(exc.messages))
        else:
            messages.success(
                request, f"Thresholds v{proposal.version} proposed; they apply once a reviewer approves them."
            )
            return redirect("gates:project-gate", slug=slug)
    messages.error(request, "The thresholds were not proposed: " + " ".join(form.errors.get("thresholds", [])))
    return redirect("gates:project-gate", slug=slug)


@require_POST
def project_thresholds_decide(request, slug, version):
    project = _project(slug)
    proposal = get_object_or_404(selectors.threshold_versions(project=project), version=version)
    if not rules.can_decide_thresholds(request.user, project, proposal):
        raise PermissionDenied("Only a reviewer or an admin other than the proposer can decide on thresholds.")
    form = ThresholdsDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("gates:project-gate", slug=slug)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.thresholds_decide(
            proposal=proposal, approve=approve, note=form.cleaned_data["note"], actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Thresholds v{version} {'approved: now in force' if approve else 'rejected'}.")
    return redirect("gates:project-gate", slug=slug)


@require_POST
def project_move_stage(request, slug):
    project = _project(slug)
    if not rules.can_edit_project(request.user, project):
        raise PermissionDenied("Only the project's team or an admin can move it to another stage.")
    form = MoveStageForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid stage.")
        return redirect("gates:project-gate", slug=slug)
    stage = form.cleaned_data["stage"]
    try:
        services.project_move_stage(project=project, stage=stage, actor=request.user)
    except services.GateRefused as refused:
        messages.error(
            request,
            f"Not moved to {Stage(stage).label}: " + " ".join(f"• {line}" for line in refused.verdict.refusal_lines),
        )
        return redirect("gates:project-gate", slug=slug)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("gates:project-gate", slug=slug)
    messages.success(request, f"{project.name} moved to {Stage(stage).label}.")
    return redirect(project.get_absolute_url())


class PolicyListView(View):
    """Every policy version; admins save a new version from the current one (versions are never edited)."""

    def get(self, request):
        initial = {"rules": json.dumps(selectors.policy_in_force().rules, indent=2)}
        return self._render(request, PolicyForm(initial=initial))

    def post(self, request):
        if not rules.is_admin(request.user):
            raise PermissionDenied("Only admins can change the gate policy.")
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                policy = services.policy_create(
                    rules=form.cleaned_data["rules"], note=form.cleaned_data["note"], actor=request.user
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error("rules", f"{field.removeprefix('rules: ')}: {error}")
            else:
                messages.success(request, f"Gate policy version {policy.version} is now in force.")
                return redirect("gates:policy-list")
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        return render(
            request,
            "gates/policy_list.html",
            {"policies": selectors.policy_list(), "form": form, "can_edit": rules.is_admin(request.user)},
            status=status,
        )


@login_not_required
def project_badge(request, slug):
    """Public when the owner enabled it; otherwise only for signed-in users (404 for anyone else)."""
    project = get_object_or_404(Project, slug=slug)
    if not project.badge_public and not request.user.is_authenticated:
        raise Http404("No such badge.")
    verdict = selectors.gate_verdict(project=project, stage=Stage.PRODUCTION.value)
    response = HttpResponse(badge.for_verdict(verdict), content_type="image/svg+xml; charset=utf-8")
    if project.badge_public:
        patch_cache_control(response, public=True, max_age=BADGE_MAX_AGE)
    else:
        patch_cache_control(response, private=True, max_age=60)
    response["Vary"] = "Cookie"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response

"""Evidence API: refresh, progress, current check results, waivers. Thin: parse, authorise, call one service."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import permissions as rules
from accounts.permissions import TokenScopePermission
from registry.models import Project

from .. import selectors, services
from ..models import RefreshRun, Waiver
from .serializers import CheckResultSerializer, RefreshRunSerializer, RefreshStartedSerializer, WaiverSerializer

ERROR = OpenApiResponse(description='Error: {"detail": "...", "errors": {"field": ["message"]}}')


def can_refresh(user, project) -> bool:
    """Refreshing makes calls to the team's systems: the team and the reviewers may ask for it."""
    return rules.can_edit_project(user, project) or rules.can_review(user)


class ProjectScoped(APIView):
    permission_classes = [permissions.IsAuthenticated, TokenScopePermission]

    def get_project(self, slug):
        project = get_object_or_404(Project.objects.select_related("team"), slug=slug)
        self.check_object_permissions(self.request, project)
        return project


def run_payload(request, run):
    data = selectors.refresh_run_progress(run)
    data["project"] = run.project.slug
    return data


class EvidenceRefreshView(ProjectScoped):
    @extend_schema(
        summary="Refresh a project's evidence now (one background check per connected component)",
        request=None,
        responses={202: RefreshStartedSerializer, 403: ERROR, 404: ERROR},
    )
    def post(self, request, slug):
        project = self.get_project(slug)
        if not can_refresh(request.user, project):
            raise PermissionDenied("Only the project's team and reviewers can refresh its evidence.")
        run = services.evidence_refresh(project=project, actor=request.user)
        status_url = request.build_absolute_uri(reverse("api-evidence-run", args=[run.pk]))
        return Response({"run_id": run.pk, "status_url": status_url}, status=status.HTTP_202_ACCEPTED)


class EvidenceRunView(APIView):
    permission_classes = [permissions.IsAuthenticated, TokenScopePermission]

    @extend_schema(summary="Progress of an evidence refresh", responses={200: RefreshRunSerializer, 404: ERROR})
    def get(self, request, pk):
        run = get_object_or_404(RefreshRun.objects.select_related("project"), pk=pk)
        self.check_object_permissions(request, run)
        return Response(run_payload(request, run))


class ProjectChecksView(ProjectScoped):
    @extend_schema(
        summary="Every current check result of a project, with its effective state",
        parameters=[
            OpenApiParameter(
                "check",
                str,
                many=True,
                description="Only these checks (repeat the parameter); an old id answers with the check it became "
                "(mlflow.traces_present -> traces.present).",
            )
        ],
        responses={200: CheckResultSerializer(many=True), 404: ERROR},
    )
    def get(self, request, slug):
        project = self.get_project(slug)
        wanted = request.query_params.getlist("check") or None
        if wanted is not None:
            unknown = selectors.unknown_check_ids(wanted)
            if unknown:
                return Response(
                    {
                        "detail": "The request has invalid fields; see errors.",
                        "errors": {"check": [f"Unknown check(s): {', '.join(unknown)}; see /checks/."]},
                    },
                    status=status.HTTP_400_BAD_REQUEST,
                )
        return Response(CheckResultSerializer(selectors.project_checks(project, check_ids=wanted), many=True).data)


class ProjectWaiversView(ProjectScoped):
    @extend_schema(summary="Waivers of a project, active first", responses={200: WaiverSerializer(many=True)})
    def get(self, request, slug):
        project = self.get_project(slug)
        return Response(WaiverSerializer(selectors.project_waivers(project), many=True).data)

    @extend_schema(
        summary="Waive a check (reviewers and admins): reason and expiry required",
        request=WaiverSerializer,
        responses={201: WaiverSerializer, 400: ERROR, 403: ERROR},
    )
    def post(self, request, slug):
        project = self.get_project(slug)
        serializer = WaiverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        component = None
        if data.get("component_id"):
            component = project.components.filter(pk=data["component_id"]).first()
            if component is None:
                return Response(
                    {
                        "detail": "The request has invalid fields; see errors.",
                        "errors": {"component_id": ["No such component in this project."]},
                    },
                    status=status.HTTP_400_BAD_REQUEST,
                )
        try:
            waiver = services.waiver_create(
                project=project,
                component=component,
                check_id=data["check_id"],
                reason=data["reason"],
                expires_at=data["expires_at"],
                actor=request.user,
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(WaiverSerializer(waiver).data, status=status.HTTP_201_CREATED)


class WaiverRevokeView(APIView):
    permission_classes = [permissions.IsAuthenticated, TokenScopePermission]

    @extend_schema(
        summary="Revoke a waiver (reviewers and admins)", request=None, responses={200: WaiverSerializer, 403: ERROR}
    )
    def post(self, request, pk):
        waiver = get_object_or_404(Waiver.objects.select_related("project", "component", "approved_by"), pk=pk)
        self.check_object_permissions(request, waiver)
        try:
            waiver = services.waiver_revoke(waiver=waiver, actor=request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(WaiverSerializer(waiver).data)

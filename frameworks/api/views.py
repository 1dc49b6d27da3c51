"""Frameworks API: where a project stands on each framework, OSCAL assessment results, portfolio coverage."""

import json

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.permissions import DEFAULT_API_PERMISSIONS, can_review
from frameworks import oscal, selectors, services
from registry.models import Project

from .serializers import FrameworkReportSerializer, FrameworkSummarySerializer, PortfolioCoverageSerializer


class _ProjectView(GenericAPIView):
    permission_classes = DEFAULT_API_PERMISSIONS
    queryset = Project.objects.all()
    lookup_field = "slug"
    pagination_class = None

    def report(self, project, key):
        report = selectors.project_framework(project=project, framework_key=key)
        if report is None:
            raise Http404("No such framework.")
        return report


class ProjectFrameworkListApiView(_ProjectView):
    serializer_class = FrameworkSummarySerializer

    @extend_schema(
        summary="A project's standing on every framework (verified coverage first)",
        tags=["frameworks"],
        operation_id="projects_frameworks_list",
    )
    def get(self, request, slug):
        reports = selectors.project_frameworks(project=self.get_object())
        return Response(self.get_serializer(reports, many=True).data)


class ProjectFrameworkApiView(_ProjectView):
    serializer_class = FrameworkReportSerializer

    @extend_schema(
        summary="A project's status per control of one framework",
        tags=["frameworks"],
        operation_id="projects_framework_retrieve",
    )
    def get(self, request, slug, key):
        return Response(self.get_serializer(self.report(self.get_object(), key)).data)


class ProjectFrameworkOscalApiView(_ProjectView):
    serializer_class = None

    @extend_schema(
        summary="OSCAL assessment results of a project against one framework",
        description="OSCAL 1.2 JSON (root key `assessment-results`), built and validated with compliance-trestle.",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="OSCAL assessment results")},
        tags=["frameworks"],
    )
    def get(self, request, slug, key):
        report = self.report(self.get_object(), key)
        response = Response(json.loads(oscal.assessment_results_json(report)))
        response["Content-Disposition"] = f'attachment; filename="{report.project["slug"]}-{report.key}-oscal.json"'
        return response


class PortfolioFrameworksApiView(GenericAPIView):
    permission_classes = DEFAULT_API_PERMISSIONS
    allow_project_tokens = False  # the portfolio spans every project
    serializer_class = PortfolioCoverageSerializer
    pagination_class = None
    queryset = Project.objects.none()

    @extend_schema(
        summary="Framework coverage across the portfolio, with the change since the previous issued report",
        tags=["frameworks"],
    )
    def get(self, request):
        return Response(self.get_serializer(selectors.portfolio_coverage_with_change()).data)

    @extend_schema(
        summary="Issue the portfolio framework report (stores the figures the next report compares with)",
        request=None,
        responses={201: PortfolioCoverageSerializer},
        tags=["frameworks"],
    )
    def post(self, request):
        if not can_review(request.user):
            self.permission_denied(request, message="Only reviewers and administrators issue the coverage report.")
        _, coverage = services.coverage_snapshot_create(user=request.user)
        return Response(self.get_serializer(coverage).data, status=status.HTTP_201_CREATED)

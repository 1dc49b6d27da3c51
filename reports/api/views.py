"""Reports API: a project's scorecard PDF, and portfolio report jobs to create, poll and download."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.permissions import DEFAULT_API_PERMISSIONS
from registry.models import Project
from reports import services
from reports.framework_views import file_response, framework_file
from reports.models import Report, ReportJob
from reports.selectors import portfolio_snapshot
from reports.views import pdf_response, report_filename

from .serializers import PortfolioJobCreateSerializer, PortfolioProjectSerializer, ReportJobSerializer

PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF file.")}


class ScorecardApiView(GenericAPIView):
    permission_classes = DEFAULT_API_PERMISSIONS
    queryset = Project.objects.all()
    lookup_field = "slug"
    serializer_class = None

    @extend_schema(
        summary="Download a project's scorecard PDF",
        description="Rendered on request; when nothing it shows has changed, the stored file is returned.",
        responses=PDF,
        tags=["reports"],
    )
    def get(self, request, slug):
        project = self.get_object()
        report, _ = services.report_scorecard(project=project, user=request.user)
        return pdf_response(report, filename=report_filename(report))


class PortfolioJobListApiView(GenericAPIView):
    permission_classes = DEFAULT_API_PERMISSIONS
    allow_project_tokens = False  # the portfolio spans every project
    serializer_class = PortfolioJobCreateSerializer

    @extend_schema(
        summary="Start a portfolio report",
        request=PortfolioJobCreateSerializer,
        responses={202: ReportJobSerializer},
        tags=["reports"],
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.portfolio_job_create(params=serializer.validated_data, user=request.user)
        job.refresh_from_db()
        return Response(ReportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class PortfolioJobDetailApiView(GenericAPIView):
    permission_classes = DEFAULT_API_PERMISSIONS
    allow_project_tokens = False
    serializer_class = ReportJobSerializer
    queryset = ReportJob.objects.all()

    @extend_schema(summary="Poll a portfolio report job", responses=ReportJobSerializer, tags=["reports"])
    def get(self, request, pk):
        return Response(self.get_serializer(services.portfolio_job_check(job=self.get_object())).data)


class ReportDownloadApiView(GenericAPIView):
    permission_classes = DEFAULT_API_PERMISSIONS
    queryset = Report.objects.select_related("project")
    serializer_class = None

    @extend_schema(summary="Download a stored report PDF", responses=PDF, tags=["reports"])
    def get(self, request, pk):
        report = self.get_object()
        return pdf_response(report, filename=report_filename(report))


class PortfolioApiView(GenericAPIView):
    """Every active project with its verified and claimed level, tier and the verdict for its next gated stage."""

    permission_classes = DEFAULT_API_PERMISSIONS
    allow_project_tokens = False  # the portfolio spans every project
    serializer_class = PortfolioProjectSerializer
    pagination_class = None
    queryset = Project.objects.none()  # for the schema generator; the list comes from the portfolio snapshot

    @extend_schema(
        summary="The portfolio: every project's verified level and next-gate verdict",
        description=(
            "The same figures as the portfolio report and its CSV, from the same facts as the gate API: verified "
            "level (the headline), claimed level, risk tier, and the gate verdict for the next gated stage. "
            "Filters: team (slug), stage, tier."
        ),
        parameters=[PortfolioJobCreateSerializer],
        responses={200: PortfolioProjectSerializer(many=True)},
        tags=["reports"],
    )
    def get(self, request):
        filters = PortfolioJobCreateSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = {k: v or None for k, v in filters.validated_data.items()}
        snapshot = portfolio_snapshot(**params)
        return Response(PortfolioProjectSerializer(snapshot.projects, many=True).data)


class FrameworkReportFileApiView(GenericAPIView):
    """A project's framework report as a file: the SoA, Annex IV and the other frameworks."""

    permission_classes = DEFAULT_API_PERMISSIONS
    queryset = Project.objects.all()
    lookup_field = "slug"
    serializer_class = None

    @extend_schema(
        summary="Download a project's framework report (pdf, csv, xlsx, docx, or json for OSCAL)",
        description="Framework keys as in GET /api/v1/projects/{slug}/frameworks/ (e.g. iso42001-2023 for the ISO "
        "42001 Statement of Applicability, eu-ai-act-annex-iv-2024 for the Annex IV outline).",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")},
        tags=["reports"],
    )
    def get(self, request, slug, key, fmt):
        found = framework_file(project=self.get_object(), key=key, fmt=fmt, user=request.user)
        if found is None:
            raise Http404("No such framework report.")
        return file_response(found)

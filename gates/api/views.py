"""Gate and CI-evidence API: what pipelines call. Thin: parse, check permissions, call a selector or a service."""

from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import permissions as rules
from accounts.permissions import TokenScopePermission, token_of
from config.api import error_response
from config.metrics import GATE_VERDICTS
from connectors.pushed import CHECK_ID as PUSHED_CHECK_ID
from connectors.selectors import project_result
from registry.choices import Stage
from registry.models import Project

from .. import evidence, selectors, services
from ..facts import PROJECT_FIELDS
from ..policy import GATED_STAGES
from .serializers import (
    EvidencePushResponseSerializer,
    GateVerdictSerializer,
    PushedEvaluationSerializer,
    StageMoveResultSerializer,
    StageMoveSerializer,
    ThresholdsDecisionSerializer,
    ThresholdsInForceSerializer,
    ThresholdsProposalSerializer,
    ThresholdsSerializer,
    ThresholdVersionSerializer,
    VerdictChangeSerializer,
)
from .throttling import ApiTokenRateThrottle

ERROR_SHAPE = OpenApiResponse(
    OpenApiTypes.OBJECT, description='Error: {"detail": "...", "errors": {"json.path": ["message"]}}'
)


CLAIM_HELP = {
    "commit": "The git commit evaluated; must be reachable from the branch of a project repository.",
    "dataset": "Name of the evaluation dataset.",
    "dataset_version": "Version of the dataset (or give dataset_digest).",
    "dataset_digest": "Digest of the dataset (or give dataset_version).",
    "mlflow_run": "The MLflow run holding the same metric values (checked within 1e-6).",
    "ci_url": "The CI run that pushed (http(s) URL), kept as provenance.",
}


CLAIM_SCHEMAS = {
    name: {"maxLength": max_length, **({"pattern": f"^{pattern}$"} if pattern else {})}
    for name, (_field, pattern, max_length) in evidence.CLAIM_PARAMETERS.items()
}


class FormatParamIsOursNegotiation(DefaultContentNegotiation):
    """``?format=`` names the evidence payload format here, not DRF's response renderer: always answer JSON."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)


class ProjectScopedView(APIView):
    """Looks the project up by slug and applies the token's project scope (a CI token reaches its project only)."""

    permission_classes = [permissions.IsAuthenticated, TokenScopePermission]
    throttle_classes = [ApiTokenRateThrottle]
    content_negotiation_class = FormatParamIsOursNegotiation
    allow_ci_tokens = True

    project_fields = None  # all; a view that needs fewer names them (``Project.objects.only``)

    def get_project(self, slug):
        rows = Project.objects.only(*self.project_fields) if self.project_fields else Project
        project = get_object_or_404(rows, slug=slug)
        self.check_object_permissions(self.request, project)
        return project


def verdict_payload(request, verdict):
    data = verdict if isinstance(verdict, dict) else verdict.to_dict()
    data["scorecard_url"] = request.build_absolute_uri(data["scorecard_url"])
    return data


class ProjectGateView(ProjectScopedView):
    project_fields = PROJECT_FIELDS  # what the verdict reads of the project (the gate's hot path)

    @extend_schema(
        summary="May this project enter a stage? (the stage gate)",
        description=(
            "Evaluates the policy in force for the project and the target stage: verified and required maturity "
            "level, risk tier, every failing requirement with a one-line reason, unknown checks listed apart, "
            "the policy version used and a link to the scorecard. CI tokens may read their own project's gate."
        ),
        parameters=[
            OpenApiParameter("stage", str, enum=list(GATED_STAGES), default="production", description="Target stage.")
        ],
        responses={200: GateVerdictSerializer, 400: ERROR_SHAPE, 401: ERROR_SHAPE, 403: ERROR_SHAPE, 404: ERROR_SHAPE},
    )
    def get(self, request, slug):
        stage = request.query_params.get("stage", Stage.PRODUCTION.value)
        if stage not in GATED_STAGES:
            return error_response(
                f"Unknown stage {stage!r}.", errors={"stage": [f"Use one of: {', '.join(GATED_STAGES)}."]}
            )
        project = self.get_project(slug)
        verdict = services.verdict_current(project=project, stage=stage)
        GATE_VERDICTS.labels(stage, "allowed" if verdict["allowed"] else "blocked").inc()
        return Response(verdict_payload(request, verdict))


class ProjectGateHistoryView(ProjectScopedView, ListAPIView):
    """Every change of the project's stored verdicts, newest first."""

    serializer_class = VerdictChangeSerializer
    filter_backends = []

    @extend_schema(
        summary="History of the project's gate verdicts",
        description=(
            "Each time a stored verdict changed: when, the summary before (null when first computed) and after "
            "(allowed, verified/claimed/required level, tier), the policy version and the input that changed it "
            "(a check result, a waiver, an assessment decision, a CI push, a policy or project change, or an input "
            "that expired). Newest first, paginated."
        ),
        parameters=[
            OpenApiParameter("stage", str, enum=list(GATED_STAGES), required=False, description="Only this stage.")
        ],
        responses={200: VerdictChangeSerializer(many=True), 400: ERROR_SHAPE, 401: ERROR_SHAPE, 404: ERROR_SHAPE},
    )
    def get(self, request, slug):
        stage = request.query_params.get("stage") or None
        if stage is not None and stage not in GATED_STAGES:
            return error_response(
                f"Unknown stage {stage!r}.", errors={"stage": [f"Use one of: {', '.join(GATED_STAGES)}."]}
            )
        self.project = self.get_project(slug)
        self.stage = stage
        return self.list(request)

    def get_queryset(self):
        return selectors.verdict_history(project=self.project, stage=self.stage)


class ProjectEvidenceView(ProjectScopedView):
    @extend_schema(
        summary="Push evaluation results from CI as evidence",
        description=(
            "Accepts Plumbline JSON, MLflow evaluation output (`mlflow runs describe` JSON or `metrics.json`) "
            "or promptfoo's results JSON (`promptfoo eval --output results.json`); the format is detected or "
            "given with `?format=`. See docs/ci.md for the fields. Invalid payloads are rejected whole with a "
            "400 naming every bad field by JSON path. A push is a claim: it must name its git commit and its "
            "dataset (name and version or digest), in the payload or as query parameters; Plumbline reads the "
            "commit in the project's repository (reachable from its branch) and, when a run is named, the metrics "
            "of the MLflow run (equal within 1e-6). The push is always stored with provenance (token, user, CI "
            "URL, time received) and `verification` (verified, unverified with the reasons, or unknown when a "
            "system could not be asked); the `ci.eval_results_recent` check judges it on the project's Plumbline "
            "thresholds, never its own. Caps per push (beyond any of them: a 400 naming the limit): "
            + evidence.caps_text()
        ),
        parameters=[
            OpenApiParameter(
                "format", str, enum=list(evidence.FORMATS), description="Payload format (default: detect)."
            ),
            *[
                OpenApiParameter(name, {"type": "string", **schema}, description=CLAIM_HELP[name])
                for name, schema in CLAIM_SCHEMAS.items()
            ],
        ],
        request=OpenApiTypes.OBJECT,
        examples=[
            OpenApiExample(
                "Plumbline JSON",
                request_only=True,
                value={
                    "evaluated_at": "2026-11-23T12:00:00Z",
                    "metrics": [{"name": "faithfulness", "value": 0.91, "threshold": 0.85}],
                    "dataset": {"name": "docs-qa-golden", "version": "3", "hash": "sha256:9f2c"},
                    "model_version": "gpt-4o-mini-2024-07-18",
                    "git_commit": "3f2c9a1d",
                    "run_url": "https://ci.example.com/runs/42",
                },
            )
        ],
        responses={
            201: EvidencePushResponseSerializer,
            400: ERROR_SHAPE,
            401: ERROR_SHAPE,
            403: ERROR_SHAPE,
            404: ERROR_SHAPE,
            429: ERROR_SHAPE,
        },
    )
    def post(self, request, slug):
        project = self.get_project(slug)
        if len(request.body) > settings.PLUMBLINE_PUSH_MAX_BYTES:
            return error_response(
                "The evaluation results were not stored: the body is too large.",
                errors={"(body)": [f"At most {settings.PLUMBLINE_PUSH_MAX_BYTES:,} bytes (PLUMBLINE_PUSH_MAX_BYTES)."]},
            )
        if not rules.can_push_evidence(request.user, project):
            raise PermissionDenied(
                "Only the project's team and admins, or a CI token of someone who still is, can push evidence."
            )
        try:
            pushed = services.evidence_push(
                project=project,
                payload=request.data,
                fmt=request.query_params.get("format"),
                token=token_of(request),
                user=request.user,
                claims={name: request.query_params.get(name) for name in evidence.CLAIM_PARAMETERS},
            )
        except evidence.EvidenceError as exc:
            return error_response(
                "The evaluation results were not stored: fix the fields in errors.", errors=exc.errors
            )
        stored = project_result(project=project, check_id=PUSHED_CHECK_ID)
        return Response(
            {
                "evaluation": PushedEvaluationSerializer(pushed).data,
                "check": {"id": stored.check_id, "state": stored.state, "reason": stored.shown_reason},
            },
            status=status.HTTP_201_CREATED,
        )


class ProjectStageView(ProjectScopedView):
    """Move a project to another stage through the gate, as the "Move to" button does on the project page."""

    allow_ci_tokens = False

    @extend_schema(
        summary="Move a project to another stage (through the stage gate)",
        description=(
            "Moving forward needs the gate of the target stage to allow it; the refusal (409) carries the full "
            "verdict with every missing item. Moving back or retiring needs no gate. Team members of the project's "
            "team and admins may move it; the change is recorded in the project's history with the policy version."
        ),
        request=StageMoveSerializer,
        responses={
            200: StageMoveResultSerializer,
            400: ERROR_SHAPE,
            401: ERROR_SHAPE,
            403: ERROR_SHAPE,
            404: ERROR_SHAPE,
            409: GateVerdictSerializer,
        },
    )
    def post(self, request, slug):
        project = self.get_project(slug)
        if not rules.can_edit_project(request.user, project):
            raise PermissionDenied("Only the project's team members and admins can move it to another stage.")
        serializer = StageMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        previous = project.stage
        try:
            services.project_move_stage(project=project, stage=serializer.validated_data["stage"], actor=request.user)
        except services.GateRefused as refused:
            return Response(verdict_payload(request, refused.verdict), status=status.HTTP_409_CONFLICT)
        return Response({"project": project.slug, "stage": project.stage, "previous_stage": previous})


def _validation_error(detail, exc):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"(body)": exc.messages}
    return error_response(detail, errors=errors)


class ProjectThresholdsView(ProjectScopedView):
    """The project's evaluation thresholds: the ones in force and every version; team members propose new ones."""

    allow_ci_tokens = False

    @extend_schema(
        summary="The project's evaluation thresholds (owned by Plumbline)",
        description=(
            "The thresholds that judge the project's CI pushes: its newest approved version, else the gate "
            "policy's defaults for its risk tier (a RAG project also needs faithfulness or groundedness). Every "
            "version, proposed, approved, rejected or superseded, with who proposed and decided."
        ),
        responses={200: ThresholdsSerializer},
    )
    def get(self, request, slug):
        project = self.get_project(slug)
        in_force = selectors.thresholds_in_force(project_id=project.pk)
        return Response(
            {
                "in_force": ThresholdsInForceSerializer(in_force._asdict()).data,
                "versions": ThresholdVersionSerializer(selectors.threshold_versions(project=project), many=True).data,
            }
        )

    @extend_schema(
        summary="Propose new evaluation thresholds",
        description=(
            "A new version, proposed: it applies only once a reviewer (not the proposer) approves it. Each "
            "threshold names the metric (alternative names allowed) and a min or a max. Team members and admins; "
            "never a CI token."
        ),
        request=ThresholdsProposalSerializer,
        responses={201: ThresholdVersionSerializer},
    )
    def post(self, request, slug):
        project = self.get_project(slug)
        if not rules.can_propose_thresholds(request.user, project):
            raise PermissionDenied("Only the project's team and admins can propose evaluation thresholds.")
        serializer = ThresholdsProposalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            proposal = services.thresholds_propose(
                project=project,
                thresholds=serializer.validated_data["thresholds"],
                note=serializer.validated_data.get("note", ""),
                actor=request.user,
            )
        except DjangoValidationError as exc:
            return _validation_error("The thresholds were not proposed: fix the fields in errors.", exc)
        return Response(ThresholdVersionSerializer(proposal).data, status=status.HTTP_201_CREATED)


class ProjectThresholdsDecisionView(ProjectScopedView):
    allow_ci_tokens = False

    @extend_schema(
        summary="Approve or reject proposed evaluation thresholds",
        description=(
            "Reviewers and admins, other than the proposer. Approving puts the version in force (the one before it "
            "is superseded), judges the newest CI push again and recomputes the stored verdicts, which records the "
            "change in the verdict history and sends the verdict-changed webhook when a verdict changes. 409 when "
            "the version is not awaiting a decision."
        ),
        request=ThresholdsDecisionSerializer,
        responses={200: ThresholdVersionSerializer, 409: ERROR_SHAPE},
    )
    def post(self, request, slug, version):
        project = self.get_project(slug)
        proposal = get_object_or_404(selectors.threshold_versions(project=project), version=version)
        if not rules.can_decide_thresholds(request.user, project, proposal):
            raise PermissionDenied("Only a reviewer or an admin other than the proposer can decide on thresholds.")
        serializer = ThresholdsDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            decided = services.thresholds_decide(
                proposal=proposal,
                approve=serializer.validated_data["approve"],
                note=serializer.validated_data.get("note", ""),
                actor=request.user,
            )
        except DjangoValidationError as exc:
            return error_response(" ".join(exc.messages), status_code=status.HTTP_409_CONFLICT)
        return Response(ThresholdVersionSerializer(decided).data)

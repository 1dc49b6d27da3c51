"""Assessment API: start, list, read, answer (with version check), submit, review. Thin: services do the work."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import CanManageApprovals, TokenScopePermission, token_of
from config.api import error_response
from config.null_characters import FormParser, JSONParser, MultiPartParser
from registry.models import Project

from .. import selectors, services
from ..filtersets import AssessmentFilterSet
from ..models import ApprovalCondition, ApproverGroup, Assessment, SectionAssignment
from .serializers import (
    AnswerEvidenceSerializer,
    AnswerInputSerializer,
    AnswerSerializer,
    ApprovalSerializer,
    ApproverGroupSerializer,
    AssessmentDetailSerializer,
    AssessmentSerializer,
    AssignmentInputSerializer,
    AssignmentSerializer,
    ConditionCloseSerializer,
    ConditionSerializer,
    ConflictResponseSerializer,
    ErrorSerializer,
    EvidenceInputSerializer,
    ReviewInputSerializer,
    StartSerializer,
)

BASE_PERMISSIONS = [permissions.IsAuthenticated, TokenScopePermission]


def _assessments_for(request):
    queryset = Assessment.objects.select_related("project", "questionnaire").order_by("-created_at", "-id")
    token = token_of(request)
    if token is not None and token.project_id is not None:
        queryset = queryset.filter(project_id=token.project_id)
    return queryset


def _detail(pk, request, view):
    assessment = get_object_or_404(_assessments_for(request), pk=pk)
    view.check_object_permissions(request, assessment)
    return selectors.assessment_with_answers(assessment.pk)


def _service_error(exc):
    if isinstance(exc, DjangoPermissionDenied):
        raise PermissionDenied(str(exc))
    return error_response(str(exc), status_code=status.HTTP_409_CONFLICT)


def _step(run, assessment):
    """Run one workflow step: missing answers answer 400 by question, a refused step 409 (403 for permissions),
    else the assessment as it is now."""
    try:
        run()
    except services.AssessmentIncomplete as exc:
        errors = {}
        for problem in exc.problems:
            errors.setdefault(problem["question_id"], []).append(problem["message"])
        return error_response(str(exc), errors=errors)
    except (services.AssessmentError, DjangoPermissionDenied) as exc:
        return _service_error(exc)
    return Response(AssessmentDetailSerializer(selectors.assessment_with_answers(assessment.pk)).data)


class ProjectAssessmentsView(generics.ListAPIView):
    """``/projects/{slug}/assessments``: the project's assessments; POST starts one."""

    permission_classes = BASE_PERMISSIONS
    serializer_class = AssessmentSerializer
    filter_backends = []

    def get_project(self):
        project = get_object_or_404(Project, slug=self.kwargs["slug"])
        self.check_object_permissions(self.request, project)
        return project

    def get_queryset(self):
        return _assessments_for(self.request).filter(project=self.get_project())

    @extend_schema(summary="List a project's assessments, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Start an assessment of the latest questionnaire version, pre-filled (or get the open draft)",
        request=StartSerializer,
        responses={201: AssessmentDetailSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request, slug):
        project = self.get_project()
        data = StartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            assessment = services.assessment_start(
                project=project, kind=data.validated_data["kind"], actor=request.user
            )
        except (services.AssessmentError, DjangoPermissionDenied) as exc:
            return _service_error(exc)
        return Response(
            AssessmentDetailSerializer(selectors.assessment_with_answers(assessment.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class AssessmentListView(generics.ListAPIView):
    permission_classes = BASE_PERMISSIONS
    serializer_class = AssessmentSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AssessmentFilterSet

    @extend_schema(summary="List assessments (filter by project slug, kind, state)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return _assessments_for(self.request)


class AssessmentDetailView(APIView):
    permission_classes = BASE_PERMISSIONS

    @extend_schema(summary="One assessment with its answers, result and reviews", responses=AssessmentDetailSerializer)
    def get(self, request, pk):
        return Response(AssessmentDetailSerializer(_detail(pk, request, self)).data)


class AnswerView(APIView):
    permission_classes = BASE_PERMISSIONS

    @extend_schema(
        summary="Save one answer, if nobody changed it since expected_version",
        request=AnswerInputSerializer,
        responses={
            200: AnswerSerializer,
            400: ErrorSerializer,
            409: OpenApiResponse(ConflictResponseSerializer, description="Changed by someone else: both values"),
        },
    )
    def put(self, request, pk, question_id):
        assessment = _detail(pk, request, self)
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            answer = services.answer_save(
                assessment=assessment, question_id=question_id, actor=request.user, **data.validated_data
            )
        except services.AnswerConflict as conflict:
            return Response(
                {"detail": str(conflict), "errors": {}, "conflict": conflict.to_dict()}, status=status.HTTP_409_CONFLICT
            )
        except (services.AssessmentError, DjangoPermissionDenied) as exc:
            return _service_error(exc)
        return Response(AnswerSerializer(answer).data)


class AnswerEvidenceView(APIView):
    permission_classes = BASE_PERMISSIONS
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        summary="Attach evidence to an answer: a link, or an uploaded file (size and type limited)",
        request={"multipart/form-data": EvidenceInputSerializer, "application/json": EvidenceInputSerializer},
        responses={201: AnswerEvidenceSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk, question_id):
        assessment = _detail(pk, request, self)
        data = EvidenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            item = services.evidence_add(
                assessment=assessment,
                question_id=question_id,
                actor=request.user,
                url=data.validated_data.get("url", ""),
                upload=data.validated_data.get("file"),
            )
        except (services.AssessmentError, DjangoPermissionDenied) as exc:
            return _service_error(exc)
        return Response(AnswerEvidenceSerializer(item).data, status=status.HTTP_201_CREATED)


class SubmitView(APIView):
    permission_classes = BASE_PERMISSIONS

    @extend_schema(
        summary="Submit: check completeness, freeze the record and its content hash",
        request=None,
        responses={200: AssessmentDetailSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk):
        assessment = _detail(pk, request, self)
        return _step(lambda: services.assessment_submit(assessment=assessment, actor=request.user), assessment)


class ReviewView(APIView):
    permission_classes = BASE_PERMISSIONS

    @extend_schema(
        summary="Approve (one required sign-off) or return a submitted assessment",
        description="Refused with 403 and the reason for the submitter, the project's owners and its team "
        "(separation of duties) and for people in no approver group the policy needs; approving needs every "
        "contradicted claim acknowledged (400 otherwise). The assessment is approved once every required sign-off "
        "is given.",
        request=ReviewInputSerializer,
        responses={200: AssessmentDetailSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk):
        assessment = _detail(pk, request, self)
        data = ReviewInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["acknowledgements"] = {a["question_id"]: a["note"] for a in values.get("acknowledgements", [])}
        return _step(
            lambda: services.assessment_review(assessment=assessment, reviewer=request.user, **values),
            assessment,
        )


class ApprovalView(APIView):
    """``/assessments/{id}/approval``: sign-offs given and waiting, what the caller may do, the claims to
    acknowledge."""

    permission_classes = BASE_PERMISSIONS

    @extend_schema(
        summary="Where an assessment stands with its approvals, and what you may do", responses=ApprovalSerializer
    )
    def get(self, request, pk):
        assessment = _detail(pk, request, self)
        options = selectors.review_options(assessment, request.user)
        status_ = options.status
        claims = selectors.contradicted_claims(assessment, list(assessment.answers.all()))
        return Response(
            ApprovalSerializer(
                {
                    "state": assessment.state,
                    "summary": status_.summary(),
                    "tier": status_.tier,
                    "policy_version": options.policy_version,
                    "required": list(status_.required),
                    "given": list(status_.given),
                    "waiting": list(status_.waiting),
                    "you_may_approve_as": options.steps,
                    "you_may_return": options.may_return,
                    "why_not": options.refusal,
                    "contradicted_claims": claims if assessment.state == Assessment.State.SUBMITTED else [],
                }
            ).data
        )


def _conditions_for(request):
    queryset = ApprovalCondition.objects.select_related("owner", "closed_by", "assessment__project")
    token = token_of(request)
    if token is not None and token.project_id is not None:
        queryset = queryset.filter(assessment__project_id=token.project_id)
    return queryset


@extend_schema(
    parameters=[
        OpenApiParameter("project", str, description="Project slug"),
        OpenApiParameter("assessment", int),
        OpenApiParameter("open", bool, description="true: only open conditions"),
    ]
)
class ConditionListView(generics.ListAPIView):
    """Conditions attached to approvals: open items with owners and due dates."""

    permission_classes = BASE_PERMISSIONS
    serializer_class = ConditionSerializer
    filter_backends = []

    @extend_schema(summary="List conditions of approvals (filter by project, assessment, open)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        from rest_framework.exceptions import ValidationError

        from config import limits

        queryset = _conditions_for(self.request)
        params = self.request.query_params
        if params.get("project"):
            queryset = queryset.filter(assessment__project__slug=params["project"])
        if params.get("assessment"):
            pk = limits.parse_id(params["assessment"])
            if pk is None:
                raise ValidationError({"assessment": ["Enter an assessment id (a whole number)."]})
            queryset = queryset.filter(assessment_id=pk)
        if params.get("open") not in (None, "", "true", "false"):
            raise ValidationError({"open": ["Enter true or false."]})
        if params.get("open") == "true":
            queryset = queryset.filter(closed_at__isnull=True)
        elif params.get("open") == "false":
            queryset = queryset.filter(closed_at__isnull=False)
        return queryset.order_by("due_on", "id")


class ConditionCloseView(APIView):
    permission_classes = BASE_PERMISSIONS

    @extend_schema(
        summary="Close a condition of approval with a note (its owner, the project's team, admins)",
        request=ConditionCloseSerializer,
        responses={200: ConditionSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk):
        condition = get_object_or_404(_conditions_for(request), pk=pk)
        self.check_object_permissions(request, condition.assessment)
        data = ConditionCloseSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            services.condition_close(condition=condition, actor=request.user, note=data.validated_data["note"])
        except (services.AssessmentError, DjangoPermissionDenied) as exc:
            return _service_error(exc)
        return Response(ConditionSerializer(condition).data)


class ApproverGroupListView(generics.ListAPIView):
    """Approver groups (admins): which people sign off each domain the approval policy names."""

    permission_classes = [*BASE_PERMISSIONS, CanManageApprovals]
    serializer_class = ApproverGroupSerializer
    allow_project_tokens = False
    filter_backends = []

    def get_queryset(self):
        return ApproverGroup.objects.prefetch_related("members").order_by("domain")

    @extend_schema(summary="List approver groups (admins)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Create an approver group (admins)", request=ApproverGroupSerializer,
                   responses={201: ApproverGroupSerializer})  # fmt: skip
    def post(self, request):
        data = ApproverGroupSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        group = services.approver_group_save(
            domain=values["domain"],
            name=values.get("name"),
            description=values.get("description"),
            members=values.get("members"),
            actor=request.user,
        )
        return Response(ApproverGroupSerializer(group).data, status=status.HTTP_201_CREATED)


class ApproverGroupDetailView(APIView):
    permission_classes = [*BASE_PERMISSIONS, CanManageApprovals]
    allow_project_tokens = False

    @extend_schema(summary="One approver group (admins)", responses=ApproverGroupSerializer)
    def get(self, request, domain):
        return Response(ApproverGroupSerializer(get_object_or_404(ApproverGroup, domain=domain)).data)

    @extend_schema(summary="Change an approver group's name, description or members (admins)",
                   request=ApproverGroupSerializer, responses=ApproverGroupSerializer)  # fmt: skip
    def patch(self, request, domain):
        group = get_object_or_404(ApproverGroup, domain=domain)
        data = ApproverGroupSerializer(group, data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("domain", domain) != domain:
            return error_response("A group's domain cannot change; create a new group.", errors={"domain": [
                "The approval policy names groups by domain; create a new group instead."]})  # fmt: skip
        group = services.approver_group_save(
            group=group,
            domain=domain,
            name=values.get("name"),
            description=values.get("description"),
            members=values.get("members"),
            actor=request.user,
        )
        return Response(ApproverGroupSerializer(group).data)


class WithdrawView(APIView):
    permission_classes = BASE_PERMISSIONS

    @extend_schema(
        summary="Withdraw a submission before its decision: back to draft (the project's team)",
        request=None,
        responses={200: AssessmentDetailSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk):
        assessment = _detail(pk, request, self)
        return _step(lambda: services.assessment_withdraw(assessment=assessment, actor=request.user), assessment)


class DiscardView(APIView):
    permission_classes = BASE_PERMISSIONS

    @extend_schema(
        summary="Discard a draft with its answers and uploaded files (the project's team)",
        request=None,
        responses={204: None, 409: ErrorSerializer},
    )
    def post(self, request, pk):
        assessment = _detail(pk, request, self)
        try:
            services.assessment_discard(assessment=assessment, actor=request.user)
        except (services.AssessmentError, DjangoPermissionDenied) as exc:
            return _service_error(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _assignment_rows(assessment):
    from ..questions import index_for

    index = index_for(assessment.questionnaire)
    state = selectors.form_state(assessment, with_evidence=False, answers=list(assessment.answers.all()))
    parts = [selectors.assignment_part(index, state, a) for a in selectors.assignments_of(assessment)]
    return [{**vars(p["assignment"]), **p, "assignee": p["assignment"].assignee} for p in parts]


class AssignmentsView(APIView):
    permission_classes = BASE_PERMISSIONS

    @extend_schema(
        summary="Who answers which section or question, by when, and how far each got",
        responses={200: AssignmentSerializer(many=True)},
    )
    def get(self, request, pk):
        return Response(AssignmentSerializer(_assignment_rows(_detail(pk, request, self)), many=True).data)

    @extend_schema(
        summary="Assign a section (or one question) of a draft to a team member, with an optional due date",
        request=AssignmentInputSerializer,
        responses={201: AssignmentSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk):
        from accounts.models import User

        assessment = _detail(pk, request, self)
        data = AssignmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["assignee"] = User.objects.filter(username=values["assignee"]).first()
        try:
            assignment = services.section_assign(assessment=assessment, actor=request.user, **values)
        except ValidationError as exc:
            return error_response("Check the assignment.", errors=exc.message_dict)
        except (services.AssessmentError, DjangoPermissionDenied) as exc:
            return _service_error(exc)
        row = next(r for r in _assignment_rows(assessment) if r["id"] == assignment.pk)
        return Response(AssignmentSerializer(row).data, status=status.HTTP_201_CREATED)


class AssignmentDetailView(APIView):
    permission_classes = BASE_PERMISSIONS

    @extend_schema(summary="Remove an assignment", request=None, responses={204: None, 409: ErrorSerializer})
    def delete(self, request, pk):
        assignment = get_object_or_404(
            SectionAssignment.objects.select_related("assessment__project", "assessment__created_by", "assignee"),
            pk=pk,
            assessment__in=_assessments_for(request),
        )
        self.check_object_permissions(request, assignment.assessment)
        try:
            services.section_unassign(assignment=assignment, actor=request.user)
        except (services.AssessmentError, DjangoPermissionDenied) as exc:
            return _service_error(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

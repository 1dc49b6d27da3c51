"""Inventory API: thin viewsets over the same FilterSet, selectors and services as the pages."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import permissions as rules
from accounts.permissions import CanEditProjectOrReadOnly, CanManageTeamsOrReadOnly, TokenScopePermission, token_of
from config.api import error_response

from .. import selectors, services
from ..filtersets import ComponentFilterSet, ProjectFilterSet
from ..models import Component
from ..stage_gate import StageRefused
from .serializers import ChangeRecordSerializer, ComponentSerializer, ProjectSerializer, TeamSerializer

BASE_PERMISSIONS = [permissions.IsAuthenticated, TokenScopePermission]
GATE_REFUSAL = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='The stage gate refused the stage: {"detail": "...", "errors": {"stage": ["what is missing", ...]}}.',
)


def _gate_refusal(refused):
    """The gate refused the stage: 409 like ``POST /projects/<slug>/stage``, naming what is missing."""
    return error_response(
        f"The stage gate refused {refused.verdict.stage!r}; nothing was saved. See errors.stage for what is missing.",
        errors={"stage": refused.messages},
        status_code=status.HTTP_409_CONFLICT,
    )


def _project_kwargs(data):
    data = dict(data)
    tags = data.pop("tags", None)
    data.pop("components", None)
    return tags, data


@extend_schema_view(
    list=extend_schema(summary="List projects (filter, search with q, order, paginate)"),
    retrieve=extend_schema(summary="One project"),
    create=extend_schema(summary="Create a project", responses={201: ProjectSerializer, 409: GATE_REFUSAL}),
    update=extend_schema(
        summary="Replace a project's attributes", responses={200: ProjectSerializer, 409: GATE_REFUSAL}
    ),
    partial_update=extend_schema(
        summary="Change some of a project's attributes", responses={200: ProjectSerializer, 409: GATE_REFUSAL}
    ),
)
class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProjectSerializer
    permission_classes = [*BASE_PERMISSIONS, CanEditProjectOrReadOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilterSet
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        queryset = selectors.project_list(token=token_of(self.request))
        if self.action != "list":
            return queryset.order_by("name")
        return queryset

    def create(self, request, *args, **kwargs):
        if not rules.can_create_project(request.user):
            raise PermissionDenied("Only admins and team members can create projects.")
        if token_of(request) is not None and token_of(request).project_id is not None:
            raise PermissionDenied("A project-scoped API token cannot create projects.")
        try:
            return super().create(request, *args, **kwargs)
        except StageRefused as refused:
            return _gate_refusal(refused)

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except StageRefused as refused:
            return _gate_refusal(refused)

    def perform_create(self, serializer):
        tags, data = _project_kwargs(serializer.validated_data)
        serializer.instance = services.project_create(actor=self.request.user, tags=tags or (), **data)

    def perform_update(self, serializer):
        tags, data = _project_kwargs(serializer.validated_data)
        serializer.instance = services.project_update(
            actor=self.request.user, project=serializer.instance, tags=tags, **data
        )

    @extend_schema(request=None, responses=ProjectSerializer, summary="Archive a project (hide it from the inventory)")
    @action(detail=True, methods=["post"])
    def archive(self, request, slug=None):
        project = self.get_object()
        self._check_edit(project)
        services.project_archive(actor=request.user, project=project)
        return Response(self.get_serializer(self.get_object_fresh(project)).data)

    @extend_schema(request=None, responses=ProjectSerializer, summary="Restore an archived project")
    @action(detail=True, methods=["post"])
    def restore(self, request, slug=None):
        project = self.get_object()
        self._check_edit(project)
        services.project_restore(actor=request.user, project=project)
        return Response(self.get_serializer(self.get_object_fresh(project)).data)

    @extend_schema(request=None, responses=ChangeRecordSerializer(many=True), summary="Change history, newest first")
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, slug=None):
        project = self.get_object()
        return Response(ChangeRecordSerializer(selectors.project_history(project=project), many=True).data)

    def _check_edit(self, project):
        if not rules.can_edit_project(self.request.user, project):
            raise PermissionDenied("You can only change projects of your own team.")

    def get_object_fresh(self, project):
        return self.get_queryset().get(pk=project.pk)


@extend_schema_view(
    list=extend_schema(summary="List teams"),
    retrieve=extend_schema(summary="One team"),
    create=extend_schema(summary="Create a team (admins)"),
    update=extend_schema(summary="Change a team (admins)"),
    partial_update=extend_schema(summary="Change some of a team's fields (admins)"),
)
class TeamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TeamSerializer
    permission_classes = [*BASE_PERMISSIONS, CanManageTeamsOrReadOnly]
    allow_project_tokens = False
    filter_backends = []
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return selectors.team_list().prefetch_related("members").order_by("name")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.team_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.team_update(actor=self.request.user, team=serializer.instance, **data)


@extend_schema_view(
    list=extend_schema(
        summary="List components",
        parameters=[OpenApiParameter("project", str, description="Slug of the project whose components to list")],
    ),
    retrieve=extend_schema(summary="One component (secrets are never returned)"),
    create=extend_schema(summary="Add a component to a project"),
    update=extend_schema(summary="Replace a component"),
    partial_update=extend_schema(summary="Change some of a component's fields"),
    destroy=extend_schema(summary="Delete a component"),
)
class ComponentViewSet(viewsets.ModelViewSet):
    serializer_class = ComponentSerializer
    permission_classes = [*BASE_PERMISSIONS, CanEditProjectOrReadOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ComponentFilterSet

    def get_queryset(self):
        return selectors.component_list(token=token_of(self.request)).order_by("project__slug", "kind", "name")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.component_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("project", None)
        serializer.instance = services.component_update(actor=self.request.user, component=serializer.instance, **data)

    def perform_destroy(self, instance: Component):
        services.component_delete(actor=self.request.user, component=instance)

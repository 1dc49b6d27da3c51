"""Token management and "who am I" for API clients."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken

from .. import selectors, services
from ..permissions import CanManageUsers, TokenScopePermission, token_of
from .serializers import ApiTokenSerializer, MeSerializer, NewApiTokenSerializer, UserSerializer

BASE_PERMISSIONS = [permissions.IsAuthenticated, TokenScopePermission]


@extend_schema_view(
    list=extend_schema(summary="Your API tokens (never the raw values)"),
    retrieve=extend_schema(summary="One of your API tokens"),
    create=extend_schema(
        summary="Create a token; the response holds the raw token, once", responses={201: NewApiTokenSerializer}
    ),
    destroy=extend_schema(summary="Revoke a token"),
)
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ApiTokenSerializer
    permission_classes = BASE_PERMISSIONS
    allow_project_tokens = False  # a token limited to one project must not mint, list or revoke broader ones
    filter_backends = []
    queryset = ApiToken.objects.none()  # for the schema: ids are integers; get_queryset() scopes to the user

    def get_queryset(self):
        return selectors.token_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            token, raw = services.token_create(
                user=request.user,
                name=data["name"],
                scope=data.get("scope", "read"),
                project=data.get("project"),
                expires_in_days=data.get("expires_in_days"),
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        body = NewApiTokenSerializer(token, context=self.get_serializer_context()).data
        body["token"] = raw
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.token_revoke(token=instance, actor=self.request.user)

    @extend_schema(request=None, responses=ApiTokenSerializer, summary="Revoke a token")
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.token_revoke(token=self.get_object(), actor=request.user)
        return Response(self.get_serializer(token).data)


@extend_schema_view(
    list=extend_schema(summary="Users with role and teams (admins only)"),
    retrieve=extend_schema(summary="One user (admins only)"),
    create=extend_schema(summary="Provision a user with role and teams; no usable password (admins only, audited)"),
    partial_update=extend_schema(
        summary="Change a user's details, role, teams or active flag (admins only, audited); "
        "deactivating revokes all their API tokens"
    ),
    update=extend_schema(summary="Replace a user's details, role, teams and active flag (admins only, audited)"),
)
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = UserSerializer
    permission_classes = [*BASE_PERMISSIONS, CanManageUsers]
    allow_project_tokens = False
    filter_backends = []
    lookup_field = "username"
    lookup_value_regex = r"[\w.@+-]+"

    def get_queryset(self):
        return selectors.user_list()

    def perform_create(self, serializer):
        serializer.instance = services.user_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.user_update(
            actor=self.request.user, user=serializer.instance, **serializer.validated_data
        )


class MeView(APIView):
    """Who the request is authenticated as, and through which token (if any)."""

    permission_classes = BASE_PERMISSIONS
    allow_ci_tokens = True

    @extend_schema(responses=MeSerializer, summary="The authenticated user")
    def get(self, request):
        return Response(MeSerializer(request.user, context={"token": token_of(request)}).data)

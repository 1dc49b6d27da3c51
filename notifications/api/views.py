"""Notifications API: your notices (newest first, ``?unread=true`` for unread only), mark one or all read, your
e-mail choices. Only ever the caller's own notices; tokens scoped to a project cannot use it."""

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..filtersets import NotificationFilterSet
from ..models import Notification
from .serializers import MarkedReadSerializer, NotificationSerializer, PreferenceSerializer


class NotificationApiMixin:
    allow_project_tokens = False


class NotificationListView(NotificationApiMixin, ListAPIView):
    serializer_class = NotificationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema is built without a signed-in user
            return Notification.objects.none()
        return selectors.inbox(self.request.user)

    @extend_schema(summary="Your notices, newest first (unread=true: unread only)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _marked(request, count):
    return Response(MarkedReadSerializer({"marked_read": count, "unread": selectors.unread_count(request.user)}).data)


class NotificationReadView(NotificationApiMixin, APIView):
    @extend_schema(summary="Mark one of your notices read", request=None, responses={200: MarkedReadSerializer})
    def post(self, request, pk):
        if not Notification.objects.filter(pk=pk, user=request.user).exists():
            raise Http404("No such notice in your inbox.")
        return _marked(request, services.notifications_mark_read(user=request.user, ids=[pk]))


class NotificationReadAllView(NotificationApiMixin, APIView):
    @extend_schema(summary="Mark all your notices read", request=None, responses={200: MarkedReadSerializer})
    def post(self, request):
        return _marked(request, services.notifications_mark_read(user=request.user))


class NotificationPreferenceView(NotificationApiMixin, APIView):
    @extend_schema(summary="The events you get by e-mail", responses={200: PreferenceSerializer})
    def get(self, request):
        return Response({"email_events": selectors.email_events_of(request.user)})

    @extend_schema(
        summary="Choose the events you get by e-mail",
        request=PreferenceSerializer,
        responses={200: PreferenceSerializer},
    )
    def put(self, request):
        data = PreferenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.preference_update(user=request.user, email_events=data.validated_data["email_events"])
        return Response({"email_events": selectors.email_events_of(request.user)})

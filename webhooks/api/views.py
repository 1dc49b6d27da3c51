"""Webhooks API: register, list and remove endpoints, read the delivery log, redeliver. Thin: parse, call one
service or selector, answer. Tokens scoped to a project cannot use it (webhooks are about a team)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.models import Project, Team

from .. import events, selectors, services
from .serializers import (
    DeliverySerializer,
    EndpointCreatedSerializer,
    EndpointCreateSerializer,
    EndpointSerializer,
    EventTypeSerializer,
)

ERROR_SHAPE = OpenApiResponse(OpenApiTypes.OBJECT, description='Error: {"detail": "...", "errors": {"field": [...]}}')


class WebhookApiMixin:
    allow_project_tokens = False

    def get_endpoint(self, pk):
        endpoint = selectors.endpoint_for(user=self.request.user, pk=pk)
        if endpoint is None:
            raise Http404("No such webhook, or not one of your teams'.")
        return endpoint


class WebhookListView(WebhookApiMixin, ListAPIView):
    serializer_class = EndpointSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.endpoint_list(user=self.request.user)

    @extend_schema(summary="Webhooks of your teams", responses={200: EndpointSerializer(many=True), 401: ERROR_SHAPE})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Register a webhook for a team's projects",
        description=(
            "Plumbline generates the signing secret and answers it this once (`secret`); every event is sent as "
            "JSON signed with HMAC-SHA256 over `timestamp.body` in the `Plumbline-Signature: t=<unix>,v1=<hex>` "
            "header (docs/webhooks.md). The address must be https:// and public (the connectors' address policy). "
            "Members of the team and admins only."
        ),
        request=EndpointCreateSerializer,
        responses={201: EndpointCreatedSerializer, 400: ERROR_SHAPE, 401: ERROR_SHAPE, 403: ERROR_SHAPE},
    )
    def post(self, request):
        form = EndpointCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        team = Team.objects.filter(slug=data["team"]).first()
        if team is None:
            raise ValidationError({"team": [f"No team {data['team']!r}."]})
        project = None
        if data.get("project"):
            project = Project.objects.filter(slug=data["project"]).first()
            if project is None:
                raise ValidationError({"project": [f"No project {data['project']!r}."]})
        endpoint, secret = services.endpoint_create(
            actor=request.user,
            team=team,
            project=project,
            url=data["url"],
            format=data["format"],
            event_names=data["events"],
            description=data.get("description", ""),
        )
        body = EndpointSerializer(endpoint).data | {"secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDetailView(WebhookApiMixin, APIView):
    @extend_schema(summary="One webhook", responses={200: EndpointSerializer, 401: ERROR_SHAPE, 404: ERROR_SHAPE})
    def get(self, request, pk):
        return Response(EndpointSerializer(self.get_endpoint(pk)).data)

    @extend_schema(summary="Remove a webhook", responses={204: None, 401: ERROR_SHAPE, 404: ERROR_SHAPE})
    def delete(self, request, pk):
        services.endpoint_delete(actor=request.user, endpoint=self.get_endpoint(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListView(WebhookApiMixin, ListAPIView):
    serializer_class = DeliverySerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.delivery_list(endpoint=self.get_endpoint(self.kwargs["pk"]))

    @extend_schema(
        summary="Delivery log of a webhook",
        description="Every event sent to the webhook, newest first, with each attempt: HTTP status, duration, "
        "error and the back-off before the next try.",
        responses={200: DeliverySerializer(many=True), 401: ERROR_SHAPE, 404: ERROR_SHAPE},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WebhookRedeliverView(WebhookApiMixin, APIView):
    @extend_schema(
        summary="Redeliver an event by hand",
        description="Sends the same body (same event id) once more, newly signed; the attempt joins the log.",
        request=None,
        responses={202: DeliverySerializer, 401: ERROR_SHAPE, 404: ERROR_SHAPE},
    )
    def post(self, request, pk, delivery_id):
        endpoint = self.get_endpoint(pk)
        delivery = endpoint.deliveries.filter(pk=delivery_id).first()
        if delivery is None:
            raise Http404("No such delivery.")
        services.delivery_redeliver(actor=request.user, delivery=delivery)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookEventListView(WebhookApiMixin, APIView):
    @extend_schema(
        summary="The events a webhook can receive, with an example body of each",
        description=(
            "Every event is POSTed as JSON with this envelope (schema version 1, stable: fields are only ever added): "
            "`event`, `id` (the same on a redelivery), `schema`, `occurred_at`, `project` {slug, name, team, url} and "
            "`data`, whose fields depend on the event. Signed in the `Plumbline-Signature: t=<unix>,v1=<hex>` header: "
            "HMAC-SHA256 with the webhook's secret over `<t>.<body>` (docs/webhooks.md)."
        ),
        responses={200: EventTypeSerializer(many=True), 401: ERROR_SHAPE},
    )
    def get(self, request):
        project = {"slug": "docs-qa", "name": "Docs Q&A", "team": "search", "url": "https://plumbline.example.com/"}
        when = timezone.now()
        return Response(
            [
                {
                    "event": name,
                    "description": text,
                    "example": events.envelope(
                        event=name,
                        event_id="7b0c4f7e-2a55-4a7e-9a57-0c0f5c3b9e11",
                        occurred_at=when,
                        project=project,
                        data=events.EXAMPLE_DATA[name],
                    ),
                }
                for name, text in events.EVENTS.items()
            ]
        )

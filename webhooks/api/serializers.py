"""Shapes of the webhooks API and of the event body, for the OpenAPI schema and the responses."""

from rest_framework import serializers

from ..events import EVENT_NAMES
from ..models import Delivery, DeliveryAttempt, Endpoint


class EndpointSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_NAMES))

    class Meta:
        model = Endpoint
        fields = ["id", "team", "project", "url", "description", "format", "events", "is_active", "created_at"]
        read_only_fields = fields


class EndpointCreateSerializer(serializers.Serializer):
    team = serializers.SlugField(help_text="Slug of the team whose projects' events are sent.")
    project = serializers.SlugField(required=False, allow_blank=True, help_text="Only this project (optional).")
    url = serializers.CharField(max_length=1000, help_text="https:// address that receives the events.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    format = serializers.ChoiceField(choices=Endpoint.Format.choices, default=Endpoint.Format.JSON)
    events = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="Event names; empty for every event."
    )


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="The signing secret, shown this once only. Store it now.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "manual", "started_at", "status_code", "duration_ms", "error", "retry_in_seconds"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    attempts = AttemptSerializer(many=True, source="attempt_log")
    attempt_count = serializers.IntegerField(source="attempts")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "event_id",
            "project",
            "status",
            "attempt_count",
            "created_at",
            "delivered_at",
            "attempts",
        ]
        read_only_fields = fields


class EventProjectSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    team = serializers.CharField(help_text="The team's slug.")
    url = serializers.URLField(help_text="The project's page.")


class EventSerializer(serializers.Serializer):
    """The body of every event (Plumbline JSON format); see docs/webhooks.md for ``data`` per event."""

    event = serializers.ChoiceField(choices=EVENT_NAMES)
    id = serializers.UUIDField(help_text="The event's id: the same on a redelivery, so receivers can de-duplicate.")
    schema = serializers.IntegerField(help_text="Version of this body schema (1).")
    occurred_at = serializers.DateTimeField()
    project = EventProjectSerializer()
    data = serializers.DictField(help_text="What happened; its fields depend on the event (docs/webhooks.md).")


class EventTypeSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=EVENT_NAMES)
    description = serializers.CharField()
    example = EventSerializer(help_text="An example body of this event, as sent (Plumbline JSON format).")

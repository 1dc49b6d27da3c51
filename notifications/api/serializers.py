from rest_framework import serializers

from ..events import EVENT_NAMES
from ..models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "event", "project", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class MarkedReadSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField()
    unread = serializers.IntegerField()


class PreferenceSerializer(serializers.Serializer):
    email_events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_NAMES), max_length=len(EVENT_NAMES)
    )

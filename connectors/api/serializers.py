"""Shapes of the evidence API. Facts are returned as observed (already stripped of secrets by the framework)."""

from django.utils import timezone
from rest_framework import serializers

from config import api

from ..models import Waiver


class RefreshStartedSerializer(serializers.Serializer):
    run_id = serializers.IntegerField()
    status_url = serializers.URLField()


class RefreshRunSerializer(serializers.Serializer):
    run_id = serializers.IntegerField()
    project = serializers.CharField(help_text="Project slug.")
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed"])
    components_total = serializers.IntegerField()
    components_done = serializers.IntegerField()
    done = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class CheckResultSerializer(serializers.Serializer):
    id = serializers.CharField(source="result.check_id", help_text="Check id, e.g. traces.present.")
    old_ids = serializers.ListField(
        child=serializers.CharField(),
        help_text="Ids the check had before (e.g. mlflow.traces_present); they still resolve to it.",
    )
    title = serializers.CharField()
    component = serializers.CharField(source="source", help_text='Component name, or "CI push".')
    component_id = serializers.IntegerField(source="result.component_id", allow_null=True)
    connector = serializers.CharField(source="result.component.connector", default="pushed")
    state = serializers.CharField(
        help_text="Effective state (connectors.reading): pass, fail, warn, not_applicable, unknown, error, waived, "
        "or stale (past its validity)."
    )
    recorded_state = serializers.CharField(source="result.state", help_text="The state the connector observed.")
    stale = serializers.BooleanField()
    reason = serializers.CharField(source="result.reason")
    facts = serializers.JSONField(source="result.facts")
    checked_at = serializers.DateTimeField(source="result.checked_at")
    expires_at = serializers.DateTimeField(source="result.expires_at")
    duration_ms = serializers.IntegerField(source="result.duration_ms")
    connector_version = serializers.CharField(source="result.connector_version")
    waiver_id = serializers.IntegerField(source="waiver.pk", allow_null=True, default=None)


class WaiverSerializer(api.ModelSerializer):
    component = serializers.CharField(
        source="component.name", read_only=True, default=None, allow_null=True, help_text="Null: every component."
    )
    component_id = serializers.IntegerField(required=False, allow_null=True, write_only=True)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True)
    revoked_by = serializers.CharField(source="revoked_by.username", read_only=True, default=None, allow_null=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = Waiver
        fields = [
            "id",
            "check_id",
            "component",
            "component_id",
            "reason",
            "approved_by",
            "created_at",
            "expires_at",
            "revoked_at",
            "revoked_by",
            "active",
        ]
        read_only_fields = ["id", "approved_by", "created_at", "revoked_at", "revoked_by", "active"]

    def get_active(self, waiver) -> bool:
        return waiver.revoked_at is None and waiver.expires_at > timezone.now()

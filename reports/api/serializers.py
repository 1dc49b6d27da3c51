from django.urls import reverse
from rest_framework import serializers

from config import api
from registry.choices import Stage
from registry.models import Team
from reports.models import ReportJob
from reports.selectors import TIER_ORDER


class PortfolioJobCreateSerializer(serializers.Serializer):
    team = api.SlugField(required=False, allow_blank=True, help_text="Team slug; empty for every team.")
    stage = serializers.ChoiceField(choices=Stage.choices, required=False, allow_blank=True)
    tier = serializers.ChoiceField(choices=[(t, t) for t in TIER_ORDER], required=False, allow_blank=True)

    def validate_team(self, value):
        if value and not Team.objects.filter(slug=value).exists():
            raise serializers.ValidationError(f"No team with slug {value!r}; the team list shows the slugs.")
        return value


class ReportJobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="The PDF, once the job is done.")

    class Meta:
        model = ReportJob
        fields = ["id", "status", "progress", "message", "params", "download_url", "created_at", "finished_at"]
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        if not job.report_id:
            return None
        path = reverse("reports-api:report-download", args=[job.report_id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class PortfolioProjectSerializer(serializers.Serializer):
    """One project as leadership reads it: the verified level first, the claimed one beside it."""

    slug = serializers.CharField()
    name = serializers.CharField()
    team = serializers.CharField()
    stage = serializers.CharField(source="stage_value")
    tier = serializers.CharField(allow_null=True, help_text="Risk tier of the latest approved risk assessment.")
    verified_level = serializers.IntegerField(allow_null=True, help_text="What the evidence supports today.")
    claimed_level = serializers.IntegerField(allow_null=True, help_text="What the answers claim.")
    next_gate = serializers.CharField(
        source="next_gate_stage", allow_null=True, help_text="The next gated stage (poc, pilot, production)."
    )
    next_gate_allowed = serializers.BooleanField(
        source="gate_allowed", allow_null=True, help_text="The gate's verdict for it, as the gate API gives it."
    )
    required_level = serializers.IntegerField(allow_null=True, help_text="Level that gate requires for the tier.")
    status = serializers.CharField(help_text="on_track, attention, at_risk, not_assessed or retired.")
    failing_checks = serializers.IntegerField()
    why = serializers.ListField(child=serializers.DictField(), help_text="The first reason the next gate refuses.")

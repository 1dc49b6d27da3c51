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

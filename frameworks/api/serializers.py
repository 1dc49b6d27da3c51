from rest_framework import serializers


class EvidenceLinkSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField()


class ItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["question", "check"])
    id = serializers.CharField()
    outcome = serializers.CharField(help_text="verified, claimed, contradicted, absent, failed, na or none")
    words = serializers.CharField()


class ControlRowSerializer(serializers.Serializer):
    ref = serializers.CharField(help_text="framework:edition:control, e.g. iso42001:2023:A.6.2.4")
    id = serializers.CharField()
    title = serializers.CharField()
    group = serializers.CharField()
    role = serializers.CharField()
    applicable = serializers.BooleanField()
    status = serializers.CharField(
        help_text="verified, claimed_only, contradicted, partial, not_in_place, not_applicable, not_assessed, "
        "not_covered (frameworks.status)"
    )
    label = serializers.CharField()
    implementation = serializers.CharField()
    reasoning = serializers.CharField(help_text="Why the mapped questions and checks show this control.")
    why = serializers.CharField(help_text="Why the control has this status, from the evidence.")
    owner = serializers.CharField()
    last_verified = serializers.DateTimeField(allow_null=True)
    evidence = EvidenceLinkSerializer(many=True)
    questions = serializers.ListField(child=serializers.CharField())
    checks = serializers.ListField(child=serializers.CharField())
    items = ItemSerializer(many=True)


class SummarySerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    total = serializers.IntegerField()
    applicable = serializers.IntegerField()
    verified_pct = serializers.FloatField(allow_null=True, help_text="Verified controls among the applicable ones.")
    claimed_pct = serializers.FloatField(allow_null=True, help_text="Controls claimed in place, verified or not.")


class ProjectSummarySerializer(SummarySerializer):
    with_verified_evidence = serializers.IntegerField(
        help_text="Applicable controls with at least one part verified by evidence (fully verified or not)."
    )


class FrameworkSummarySerializer(serializers.Serializer):
    key = serializers.CharField()
    framework = serializers.CharField()
    edition = serializers.CharField()
    version = serializers.CharField(help_text="Version of the crosswalk file.")
    title = serializers.CharField()
    summary = ProjectSummarySerializer()


class FrameworkReportSerializer(FrameworkSummarySerializer):
    generated_at = serializers.DateTimeField()
    rows = ControlRowSerializer(many=True)


class ProjectCoverageSerializer(SummarySerializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    change = serializers.DictField(help_text="Change in verified coverage since the previous issued report.")


class FrameworkCoverageSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    controls = serializers.IntegerField()
    totals = SummarySerializer()
    change = serializers.DictField(help_text="Change in verified and claimed coverage since the previous report.")
    projects = ProjectCoverageSerializer(many=True)


class PortfolioCoverageSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    previous = serializers.DateTimeField(allow_null=True, help_text="When the previous report was issued.")
    projects = serializers.IntegerField()
    frameworks = FrameworkCoverageSerializer(many=True)

"""Shapes of the gate and evidence API, for the OpenAPI schema and for the responses."""

from rest_framework import serializers

from config.api import OptionalURLField
from connectors.models import PushedEvaluation
from registry.choices import Stage


class RequirementSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField(help_text="assessment, level, must_have or check.")
    title = serializers.CharField()
    status = serializers.CharField(help_text="met, failed or unknown (could not be verified).")
    message = serializers.CharField()


class GateVerdictSerializer(serializers.Serializer):
    project = serializers.CharField()
    stage = serializers.CharField()
    allowed = serializers.BooleanField()
    policy_version = serializers.IntegerField(allow_null=True)
    tier = serializers.CharField(allow_null=True, help_text="Risk tier from the latest approved risk assessment.")
    verified_level = serializers.IntegerField(allow_null=True)
    claimed_level = serializers.IntegerField(allow_null=True)
    level_name = serializers.CharField(allow_blank=True)
    required_level = serializers.IntegerField(allow_null=True, help_text="Level the policy requires for the tier.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Each failing requirement, one line.")
    unknown_checks = serializers.ListField(
        child=serializers.CharField(), help_text="Checks that could not be verified, listed apart from failures."
    )
    requirements = RequirementSerializer(many=True)
    scorecard_url = serializers.URLField()


class PushedEvaluationSerializer(serializers.ModelSerializer):
    run_url = OptionalURLField(read_only=True, help_text="The CI run that produced the results, or empty.")

    class Meta:
        model = PushedEvaluation
        fields = [
            "id",
            "format",
            "metrics",
            "dataset_name",
            "dataset_version",
            "dataset_hash",
            "model_version",
            "prompt_version",
            "git_commit",
            "run_url",
            "evaluated_at",
            "received_at",
        ]
        read_only_fields = fields


class EvidencePushResponseSerializer(serializers.Serializer):
    evaluation = PushedEvaluationSerializer()
    check = serializers.DictField(help_text="The ci.eval_results_recent outcome for this push: state and reason.")


class StageMoveSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, help_text="The stage to move the project to.")


class StageMoveResultSerializer(serializers.Serializer):
    project = serializers.CharField()
    stage = serializers.CharField()
    previous_stage = serializers.CharField()

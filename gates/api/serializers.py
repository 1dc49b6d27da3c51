"""Shapes of the gate and evidence API, for the OpenAPI schema and for the responses."""

from rest_framework import serializers

from config.api import BooleanField, CharField, OptionalURLField
from connectors.models import PushedEvaluation
from gates.models import EvaluationThresholds, VerdictChange
from registry.choices import Stage


class RequirementSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField(help_text="assessment, level, must_have or check.")
    title = serializers.CharField()
    status = serializers.CharField(help_text="met, failed or unknown (could not be verified).")
    message = serializers.CharField()


class WhySerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="assessment, contradicted_claim, unverified_claim, unmet_must_have, score_short, check or "
        "unknown_check."
    )
    question_id = serializers.CharField(allow_blank=True, help_text="The questionnaire question, if the item is one.")
    question = serializers.CharField(allow_blank=True, help_text="The question's text.")
    check_id = serializers.CharField(allow_blank=True, help_text="The check behind it (several joined by commas).")
    reason = serializers.CharField(help_text="What holds the project back, in plain words, with the check's reason.")


class GateVerdictSerializer(serializers.Serializer):
    project = serializers.CharField()
    stage = serializers.CharField()
    allowed = serializers.BooleanField()
    policy_version = serializers.IntegerField(allow_null=True)
    tier = serializers.CharField(allow_null=True, help_text="Risk tier from the latest approved risk assessment.")
    verified_level = serializers.IntegerField(
        allow_null=True,
        help_text="The headline: the maturity level the evidence supports today (approved answers re-scored "
        "against the current check results).",
    )
    verified_level_name = serializers.CharField(allow_blank=True)
    claimed_level = serializers.IntegerField(allow_null=True, help_text="The level the answers claim.")
    level_name = serializers.CharField(allow_blank=True, help_text="Name of the claimed level.")
    required_level = serializers.IntegerField(allow_null=True, help_text="Level the policy requires for the tier.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Each failing requirement, one line.")
    unknown_checks = serializers.ListField(
        child=serializers.CharField(), help_text="Checks that could not be verified, listed apart from failures."
    )
    requirements = RequirementSerializer(many=True)
    why = WhySerializer(
        many=True,
        help_text="Why the gate refuses and the verified level is not higher, most unblocking first (empty when "
        "allowed).",
    )
    scorecard_url = serializers.URLField()
    computed_at = serializers.DateTimeField(
        required=False, help_text="When this verdict was computed (the gate API answers the stored verdict)."
    )
    valid_until = serializers.DateTimeField(
        required=False,
        help_text="Until when it holds unless an input changes: the earliest expiry among its inputs (check "
        "results, waivers, assessments, maximum ages). A read after it recomputes.",
    )


class PushedEvaluationSerializer(serializers.ModelSerializer):
    run_url = OptionalURLField(read_only=True, help_text="The CI run that produced the results, or empty.")
    pushed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    token = serializers.SerializerMethodField(help_text="The API token's prefix (never the token), or null.")
    verification = serializers.ChoiceField(
        choices=["verified", "unverified", "unknown"],
        read_only=True,
        help_text="What Plumbline read itself: verified, unverified (reasons say why) or unknown (could not look).",
    )
    verification_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    def get_token(self, obj) -> str | None:
        return f"{obj.token.prefix}…" if obj.token_id and obj.token else None

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
            "mlflow_run_id",
            "run_url",
            "evaluated_at",
            "received_at",
            "pushed_by",
            "token",
            "verification",
            "verification_reasons",
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


class VerdictSummarySerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    verified_level = serializers.IntegerField(allow_null=True)
    claimed_level = serializers.IntegerField(allow_null=True)
    required_level = serializers.IntegerField(allow_null=True)
    tier = serializers.CharField(allow_null=True)


class VerdictChangeSerializer(serializers.ModelSerializer):
    before = VerdictSummarySerializer(allow_null=True, help_text="Null when the verdict was first computed.")
    after = VerdictSummarySerializer()

    class Meta:
        model = VerdictChange
        fields = ["id", "stage", "changed_at", "before", "after", "cause", "policy_version"]
        read_only_fields = fields


class ThresholdSerializer(serializers.Serializer):
    names = serializers.ListField(child=CharField(max_length=200), min_length=1, help_text="The metric's names.")
    min = serializers.FloatField(required=False, help_text="The value must be at least this (or give max).")
    max = serializers.FloatField(required=False, help_text="The value must be at most this (or give min).")


class ThresholdsInForceSerializer(serializers.Serializer):
    thresholds = ThresholdSerializer(many=True)
    source = serializers.ChoiceField(
        choices=["project", "policy"],
        help_text="project: the project's approved version; policy: the policy's defaults for the risk tier.",
    )
    version = serializers.IntegerField(allow_null=True, help_text="The project's version, or the policy version.")
    tier = serializers.CharField(allow_null=True, help_text="The risk tier the policy defaults were taken for.")


class ThresholdVersionSerializer(serializers.ModelSerializer):
    thresholds = ThresholdSerializer(many=True)
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = EvaluationThresholds
        fields = [
            "version",
            "thresholds",
            "state",
            "note",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class ThresholdsSerializer(serializers.Serializer):
    in_force = ThresholdsInForceSerializer()
    versions = ThresholdVersionSerializer(many=True)


class ThresholdsProposalSerializer(serializers.Serializer):
    thresholds = serializers.ListField(
        child=serializers.DictField(),
        help_text='[{"names": ["faithfulness", "groundedness"], "min": 0.8}, {"names": ["toxicity"], "max": 0.05}]',
    )
    note = CharField(max_length=250, required=False, allow_blank=True)


class ThresholdsDecisionSerializer(serializers.Serializer):
    approve = BooleanField(help_text="true approves (the version comes into force), false rejects.")
    note = CharField(max_length=250, required=False, allow_blank=True)

"""Assessment API shapes. Reads come from selectors; writes go through services (see views)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from config import api

from .. import selectors
from ..models import Answer, AnswerEvidence, ApprovalCondition, ApproverGroup, Assessment, Review
from ..services import MAX_CONDITIONS, MAX_NOTE


class AnswerEvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = AnswerEvidence
        fields = ["id", "url", "filename", "content_type", "size", "sha256", "added_at"]


class AnswerSerializer(serializers.ModelSerializer):
    value = serializers.JSONField(allow_null=True)
    answered_by = serializers.StringRelatedField()
    evidence = AnswerEvidenceSerializer(many=True, read_only=True)
    claim = serializers.SerializerMethodField(
        help_text="What the check bound to the question says of this answer: verified, contradicted (the check "
        "fails or warns), unverified (unknown, error, stale or no result), or null (no bound check, or the answer "
        "claims nothing)."
    )

    class Meta:
        model = Answer
        fields = [
            "question_id",
            "value",
            "comment",
            "justification",
            "source",
            "version",
            "answered_by",
            "answered_at",
            "evidence",
            "claim",
        ]

    def get_claim(self, obj) -> str | None:
        claims = self.context.get("claims")
        if claims is None:  # one answer on its own (``PUT .../answers/<question_id>``)
            claims = selectors.claims(obj.assessment, [obj])
        return claims.get(obj.question_id)


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.StringRelatedField()
    acknowledgements = serializers.JSONField(read_only=True)

    class Meta:
        model = Review
        fields = ["decision", "domain", "comment", "reviewer", "acknowledgements", "at"]


class AssessmentSerializer(serializers.ModelSerializer):
    """An assessment with its questionnaire version and, for lists, no answers."""

    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    questionnaire = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "url",
            "project",
            "kind",
            "state",
            "questionnaire",
            "created_at",
            "submitted_at",
            "decided_at",
            "expires_at",
            "content_hash",
            "result",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "slug": {"type": "string"},
                "version": {"type": "string"},
                "content_hash": {"type": "string"},
            },
        }
    )
    def get_questionnaire(self, obj):
        q = obj.questionnaire
        return {"slug": q.slug, "version": q.version, "content_hash": q.content_hash}

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class AssessmentDetailSerializer(AssessmentSerializer):
    answers = AnswerSerializer(many=True, read_only=True)
    reviews = ReviewSerializer(many=True, read_only=True)
    hash_verified = serializers.SerializerMethodField()
    prefill = serializers.JSONField(read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "prefill", "hash_verified", "answers", "reviews"]

    def to_representation(self, instance):
        self.context.setdefault("claims", selectors.claims(instance, instance.answers.all()))
        return super().to_representation(instance)

    def get_hash_verified(self, obj) -> bool | None:
        from ..services import assessment_verify

        return assessment_verify(obj) if obj.content_hash else None


class StartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["impact", "risk", "maturity"])


class AnswerInputSerializer(serializers.Serializer):
    value = serializers.JSONField(allow_null=True, help_text="The answer value for the question type; null clears it.")
    comment = api.CharField(required=False, allow_blank=True, default="")
    justification = api.CharField(required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(
        min_value=0, help_text="The answer version you last read (0 when it had no answer): conflicts answer 409."
    )


class AnswerStateSerializer(serializers.Serializer):
    value = serializers.JSONField(allow_null=True)
    comment = serializers.CharField()
    justification = serializers.CharField()
    version = serializers.IntegerField()
    by = serializers.CharField(allow_null=True, required=False)
    at = serializers.CharField(allow_null=True, required=False)


class ConflictSerializer(serializers.Serializer):
    question_id = serializers.CharField()
    yours = AnswerStateSerializer()
    theirs = AnswerStateSerializer()


class ConflictResponseSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField()
    conflict = ConflictSerializer()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField()


class AcknowledgementInputSerializer(serializers.Serializer):
    question_id = api.CharField(max_length=200)
    note = api.CharField(required=False, allow_blank=True, default="", max_length=MAX_NOTE)


class ConditionInputSerializer(serializers.Serializer):
    text = api.CharField(max_length=MAX_NOTE)
    owner = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True))
    due_on = serializers.DateField()


class ReviewInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Review.Decision.choices)
    comment = api.CharField(required=False, allow_blank=True, default="", max_length=MAX_NOTE)
    domain = api.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        help_text="The sign-off this approval gives (an approver domain or 'any'); default: the first you may give.",
    )
    acknowledgements = AcknowledgementInputSerializer(
        many=True,
        required=False,
        default=list,
        help_text="Every claim the evidence contradicts (GET .../approval lists them), each with an optional note.",
    )
    conditions = ConditionInputSerializer(many=True, required=False, default=list)

    def validate_acknowledgements(self, value):
        if len(value) > 500:
            raise serializers.ValidationError("Send at most 500 acknowledgements.")
        return value

    def validate_conditions(self, value):
        if len(value) > MAX_CONDITIONS:
            raise serializers.ValidationError(f"Attach at most {MAX_CONDITIONS} conditions to one approval.")
        return value


class ClaimSerializer(serializers.Serializer):
    question_id = serializers.CharField()
    text = serializers.CharField()
    check_id = serializers.CharField()
    state = serializers.CharField()
    reason = serializers.CharField()


class SignoffSerializer(serializers.Serializer):
    by = serializers.CharField(source="username")
    domain = serializers.CharField(source="step")


class ApprovalSerializer(serializers.Serializer):
    """Where an assessment stands with its sign-offs, and what the caller may do."""

    state = serializers.CharField()
    summary = serializers.CharField()
    tier = serializers.CharField()
    policy_version = serializers.IntegerField(allow_null=True)
    required = serializers.ListField(child=serializers.CharField())
    given = SignoffSerializer(many=True)
    waiting = serializers.ListField(child=serializers.CharField())
    you_may_approve_as = serializers.ListField(child=serializers.CharField())
    you_may_return = serializers.BooleanField()
    why_not = serializers.CharField(help_text="Why you may not approve; empty when you may.")
    contradicted_claims = ClaimSerializer(many=True)


class ConditionSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    project = serializers.CharField(source="assessment.project.slug", read_only=True)

    class Meta:
        model = ApprovalCondition
        fields = [
            "id",
            "assessment",
            "project",
            "text",
            "owner",
            "due_on",
            "created_at",
            "closed_at",
            "closed_by",
            "close_note",
        ]


class ConditionCloseSerializer(serializers.Serializer):
    note = api.CharField(max_length=MAX_NOTE, help_text="How the condition was met.")


class ApproverGroupSerializer(api.ModelSerializer):
    members = api.ListOnlyManyRelatedField(
        child_relation=serializers.SlugRelatedField(
            slug_field="username", queryset=User.objects.filter(is_active=True)
        ),
        required=False,
    )
    name = api.CharField(max_length=100, required=False)
    description = api.CharField(required=False, allow_blank=True, max_length=MAX_NOTE)

    class Meta:
        model = ApproverGroup
        fields = ["domain", "name", "description", "members"]


class EvidenceInputSerializer(serializers.Serializer):
    """A link (JSON or form field ``url``) or one uploaded file (multipart field ``file``), not both."""

    url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    file = serializers.FileField(required=False)


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    section_id = serializers.CharField(read_only=True)
    question_id = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    assignee = serializers.CharField(source="assignee.username", read_only=True)
    due_date = serializers.DateField(read_only=True, allow_null=True)
    answered = serializers.IntegerField(read_only=True)
    total = serializers.IntegerField(read_only=True)
    overdue = serializers.BooleanField(read_only=True)


class AssignmentInputSerializer(serializers.Serializer):
    section_id = api.CharField(max_length=200)
    question_id = api.CharField(max_length=200, required=False, allow_blank=True, default="")
    assignee = api.CharField(max_length=150, help_text="Username of a member of the project's team.")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)

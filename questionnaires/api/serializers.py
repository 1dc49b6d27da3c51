from rest_framework import serializers

from questionnaires.definition import question_count
from questionnaires.models import QuestionnaireVersion


class QuestionnaireVersionSerializer(serializers.ModelSerializer):
    question_count = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = QuestionnaireVersion
        fields = [
            "id", "slug", "version", "kind", "title", "description", "content_hash", "validity_days",
            "loaded_at", "question_count", "url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_question_count(self, obj) -> int:
        return question_count(obj.definition)

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class QuestionnaireVersionDetailSerializer(QuestionnaireVersionSerializer):
    definition = serializers.JSONField(
        read_only=True, help_text="The normalised definition (docs/questionnaire-format.md)."
    )

    class Meta(QuestionnaireVersionSerializer.Meta):
        fields = [*QuestionnaireVersionSerializer.Meta.fields, "definition"]
        read_only_fields = fields

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config import api

from ..models import ApiToken, User

# Reached through the token's foreign key: accounts sits below registry and never imports it.
Project = ApiToken._meta.get_field("project").related_model
Team = User.teams.field.model  # registry's Team, reached through the relation for the same reason


class ApiTokenSerializer(api.ModelSerializer):
    project = api.NullableSlugRelatedField(slug_field="slug", queryset=Project.objects.all(), required=False)
    expires_in_days = serializers.IntegerField(
        write_only=True, required=False, allow_null=True, min_value=1, max_value=3650
    )
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "scope",
            "project",
            "prefix",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
            "is_active",
            "expires_in_days",
        ]
        read_only_fields = ["prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]

    def validate(self, attrs):
        if attrs.get("scope") == ApiToken.Scope.CI and not attrs.get("project"):
            raise serializers.ValidationError({"project": ["A CI token acts on one project: choose the project."]})
        return attrs


class NewApiTokenSerializer(ApiTokenSerializer):
    """Returned once, on creation: the only time the raw token is ever shown."""

    token = serializers.CharField(read_only=True, help_text="The raw token. Store it now: it is not shown again.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class UserSerializer(api.ModelSerializer):
    """A user as provisioning scripts and identity systems see them; passwords are never read or written here."""

    teams = api.ListOnlyManyRelatedField(
        child_relation=serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all()), required=False
    )
    role = serializers.ChoiceField(choices=User.Role.choices, default=User.Role.MEMBER)

    class Meta:
        model = User
        fields = [
            "username", "email", "first_name", "last_name", "role", "teams", "is_active", "date_joined", "last_login"
        ]  # fmt: skip
        read_only_fields = ["date_joined", "last_login"]


class MeSerializer(serializers.ModelSerializer):
    teams = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    is_admin = serializers.BooleanField(source="is_plumbline_admin", read_only=True)
    is_reviewer = serializers.BooleanField(read_only=True)
    token = serializers.SerializerMethodField(help_text="The token this request used, null for a session.")

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "teams", "is_admin", "is_reviewer", "token"]

    @extend_schema_field(ApiTokenSerializer(allow_null=True))
    def get_token(self, user):
        token = self.context.get("token")
        return ApiTokenSerializer(token).data if token is not None else None

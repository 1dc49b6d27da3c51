"""API representations of the inventory. The import files use the same field names and validation."""

from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from accounts import permissions
from accounts.models import User
from config import api

from ..choices import ComponentKind
from ..models import PROJECT_EDITABLE_FIELDS, ChangeRecord, Component, Project, Team
from ..services import component_validate
from ..validators import clean_links, clean_regions


class TagListField(serializers.ListField):
    """Tag names; read from the project's (prefetched) tags, written as plain names."""

    child = api.CharField(max_length=50)

    def to_representation(self, data):
        return [tag.name for tag in data.all()] if hasattr(data, "all") else super().to_representation(data)


class LinkSerializer(serializers.Serializer):
    label = api.CharField(max_length=100, allow_blank=True, required=False)
    url = serializers.URLField()


class TeamSerializer(api.ModelSerializer):
    members = api.ListOnlyManyRelatedField(
        child_relation=serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all()),
        required=False,
    )
    url = serializers.HyperlinkedIdentityField(view_name="api-team-detail", lookup_field="slug")

    class Meta:
        model = Team
        fields = ["url", "id", "name", "slug", "description", "members"]


class ComponentSerializer(api.ModelSerializer):
    """``secrets`` is write-only: it is encrypted on save and only ``has_secrets`` is ever returned."""

    project = serializers.SlugRelatedField(slug_field="slug", queryset=Project.objects.all())
    kind = serializers.ChoiceField(choices=ComponentKind.choices)
    attributes = serializers.DictField(child=api.CharField(allow_blank=True), required=False)
    connector = serializers.ChoiceField(
        choices=[("", "None"), *((a, a) for a in settings.PLUMBLINE_CONNECTORS)], required=False, allow_blank=True
    )
    connector_settings = serializers.DictField(required=False)
    secrets = serializers.DictField(
        child=api.CharField(allow_blank=True),
        write_only=True,
        required=False,
        help_text="Write-only. Values are encrypted; an empty value removes that secret.",
    )
    has_secrets = serializers.BooleanField(read_only=True)

    class Meta:
        model = Component
        fields = [
            "id",
            "project",
            "kind",
            "name",
            "description",
            "attributes",
            "connector",
            "connector_settings",
            "secrets",
            "has_secrets",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators = []

    def validate_project(self, project):
        request = self.context["request"]
        if not permissions.can_edit_project(request.user, project):
            raise PermissionDenied("You can only add components to your own team's projects.")
        if not permissions.token_allows_project(request, project.pk):
            raise PermissionDenied("This API token is limited to another project.")
        if self.instance is not None and project.pk != self.instance.project_id:
            raise serializers.ValidationError("A component cannot move to another project.")
        return project

    def validate(self, attrs):
        instance = self.instance
        project = attrs.get("project", instance.project if instance else None)
        name = attrs.get("name", instance.name if instance else None)
        others = Component.objects.filter(project=project, name=name)
        if instance is not None:
            others = others.exclude(pk=instance.pk)
        if others.exists():
            raise serializers.ValidationError({"name": ["This project already has a component with this name."]})
        errors = component_validate(
            kind=attrs.get("kind", instance.kind if instance else ""),
            attributes=attrs.get("attributes", instance.attributes if instance else {}),
            connector=attrs.get("connector", instance.connector if instance else ""),
            connector_settings=attrs.get("connector_settings", instance.connector_settings if instance else {}),
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class NestedComponentSerializer(serializers.Serializer):
    """A component inside a project document (import/export); secrets never travel in files."""

    kind = serializers.ChoiceField(choices=ComponentKind.choices)
    name = api.CharField(max_length=200)
    description = api.CharField(allow_blank=True, required=False, default="")
    attributes = serializers.DictField(child=api.CharField(allow_blank=True), required=False, default=dict)
    connector = api.CharField(allow_blank=True, required=False, default="")
    connector_settings = serializers.DictField(required=False, default=dict)

    def validate(self, attrs):
        errors = component_validate(
            kind=attrs["kind"],
            attributes=attrs["attributes"],
            connector=attrs["connector"],
            connector_settings=attrs["connector_settings"],
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ProjectSerializer(api.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-project-detail", lookup_field="slug")
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    business_owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), required=False, allow_null=True
    )
    technical_owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), required=False, allow_null=True
    )
    tags = TagListField(required=False)
    regions = serializers.ListField(child=api.CharField(max_length=50), required=False)
    links = LinkSerializer(many=True, required=False)
    estimated_build_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    run_cost_per_month = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    expected_value_per_year = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    component_count = serializers.IntegerField(read_only=True, required=False)
    is_archived = serializers.BooleanField(read_only=True)

    class Meta:
        model = Project
        fields = [
            "url",
            "id",
            *PROJECT_EDITABLE_FIELDS,
            "component_count",
            "is_archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["archived_at", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not hasattr(instance, "component_count"):
            data["component_count"] = instance.components.count()
        return data

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple) and "request" in self.context:
            fields["slug"].read_only = True
        return fields

    def validate_team(self, team):
        request = self.context.get("request")
        user = request.user if request else self.context.get("user")
        if user is not None and not permissions.can_edit_team_projects(user, team.pk):
            raise serializers.ValidationError(
                f"You cannot create or move projects into team {team.slug!r}; pick one of your own teams."
            )
        return team

    def validate_links(self, value):
        return clean_links([dict(v) for v in value])

    def validate_regions(self, value):
        return clean_regions(value)


class ProjectImportSerializer(ProjectSerializer):
    """A project as written in an import file: the API fields plus its components, checked the same way."""

    url = None
    components = NestedComponentSerializer(many=True, required=False)

    class Meta(ProjectSerializer.Meta):
        fields = [f for f in ProjectSerializer.Meta.fields if f != "url"] + ["components"]
        extra_kwargs = {"slug": {"validators": []}}


class ChangeRecordSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ChangeRecord
        fields = ["id", "object_type", "object_id", "object_repr", "action", "actor", "at", "changes", "note"]

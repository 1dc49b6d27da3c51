"""Admin for the inventory, following ``accounts.permissions`` exactly: staff status grants nothing extra.

Saves go through the same audit trail as pages and the API, so admin edits appear in the change history.
"""

from django.contrib import admin

from accounts import permissions
from config.admin import ReadOnlyAdmin

from .audit import diff, record_change
from .models import ChangeRecord, Component, Project, Tag, Team
from .services import PROJECT_AUDITED, component_snapshot, project_snapshot


class ReadForSignedInMixin:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


class TeamAdmin(ReadForSignedInMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]
    search_fields = ["name", "slug"]

    def has_add_permission(self, request):
        return permissions.can_manage_teams(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_manage_teams(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_manage_teams(request.user)


class TagAdmin(TeamAdmin):
    filter_horizontal = []
    list_display = ["name", "slug"]


class ComponentInline(admin.TabularInline):
    """Listed for reading; components are edited on their own admin page so every change is audited."""

    model = Component
    extra = 0
    fields = ["kind", "name", "connector"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdminMixin:
    """Record admin saves in the change history with before/after, like the services do; staff who may edit the
    object's project (``_project(obj)``) may change it, as in the pages and the API."""

    def has_add_permission(self, request):
        return request.user.is_staff and permissions.can_create_project(request.user)

    def has_change_permission(self, request, obj=None):
        if not request.user.is_staff:
            return False
        if obj is None:
            return permissions.can_create_project(request.user)
        return permissions.can_edit_project(request.user, self._project(obj))

    def _snapshot(self, obj):
        raise NotImplementedError

    def _project(self, obj):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        before = self._snapshot(type(obj).objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        self._pending = (before, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before, change = self._pending
        obj = form.instance
        changes = diff(before, self._snapshot(obj), secret_fields={"secrets"})
        if changes:
            action = ChangeRecord.Action.UPDATE if change else ChangeRecord.Action.CREATE
            record_change(
                instance=obj, project=self._project(obj), action=action, actor=request.user, changes=changes,
                note="Changed in the admin site",
            )  # fmt: skip

    def delete_model(self, request, obj):
        record_change(
            instance=obj,
            project=self._project(obj) if not isinstance(obj, Project) else None,
            action=ChangeRecord.Action.DELETE,
            actor=request.user,
            note="Deleted in the admin site",
        )
        super().delete_model(request, obj)


class ProjectAdmin(AuditedAdminMixin, ReadForSignedInMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "team", "stage", "exposure", "archived_at"]
    list_filter = ["team", "stage", "exposure", "archetype"]
    search_fields = ["name", "slug"]
    list_select_related = ["team"]
    filter_horizontal = ["tags"]
    inlines = [ComponentInline]
    fields = [*PROJECT_AUDITED, "archived_at"]
    # A stage changes only through the gate (the project's gate page or the API), never by editing it here.
    readonly_fields = ["stage"]

    def _snapshot(self, obj):
        return project_snapshot(obj)

    def _project(self, obj):
        return obj

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("team")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "team":
            team_ids = permissions.editable_team_ids(request.user)
            if team_ids is not None:
                kwargs["queryset"] = Team.objects.filter(id__in=team_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Projects are archived, not deleted, except by admins cleaning up mistakes.
        return permissions.is_admin(request.user)


class ComponentAdmin(AuditedAdminMixin, ReadForSignedInMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "project", "connector", "has_secrets"]
    list_filter = ["kind", "connector"]
    search_fields = ["name", "project__slug"]
    list_select_related = ["project"]
    fields = ["project", "kind", "name", "description", "attributes", "connector", "connector_settings"]

    def _snapshot(self, obj):
        return component_snapshot(obj)

    def _project(self, obj):
        return obj.project

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            team_ids = permissions.editable_team_ids(request.user)
            if team_ids is not None:
                kwargs["queryset"] = Project.objects.filter(team_id__in=team_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(boolean=True, description="secret set")
    def has_secrets(self, obj):
        return obj.has_secrets

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class ChangeRecordAdmin(ReadForSignedInMixin, ReadOnlyAdmin):
    """The history is append-only: nobody edits or deletes it, not even admins."""

    list_display = ["at", "actor", "action", "object_type", "object_repr", "project"]
    list_filter = ["action", "object_type"]
    list_select_related = ["actor", "project"]


admin.site.register(Team, TeamAdmin)
admin.site.register(Tag, TagAdmin)
admin.site.register(Project, ProjectAdmin)
admin.site.register(Component, ComponentAdmin)
admin.site.register(ChangeRecord, ChangeRecordAdmin)

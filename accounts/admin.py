"""Admin for users and tokens. Only Plumbline admins manage them; the raw token is never shown here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from . import permissions, services
from .models import ApiToken, User


class AdminOnlyMixin:
    """Staff flags alone grant nothing: the Plumbline role decides, as in pages and the API."""

    def has_module_permission(self, request):
        return permissions.is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.is_admin(request.user)

    def has_add_permission(self, request):
        return permissions.can_manage_users(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_manage_users(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_manage_users(request.user)


class TeamMembershipInline(admin.TabularInline):
    model = User.teams.through  # the registry Team.members table, reached from the user side
    extra = 1
    verbose_name = "team membership"
    verbose_name_plural = "Teams (members edit their teams' projects)"

    def has_view_permission(self, request, obj=None):
        return permissions.can_manage_users(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(User)
class UserAdmin(AdminOnlyMixin, DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "teams"]
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Plumbline", {"fields": ("role",)}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Plumbline", {"fields": ("role",)}))
    inlines = [TeamMembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.is_active:
            services.user_tokens_revoke(user=obj)


@admin.register(ApiToken)
class ApiTokenAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "scope",
        "project",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["scope", "revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    fields = ["name", "user", "prefix", "scope", "project", "created_at", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "scope", "project", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        # Tokens are created on the tokens page or the API, where the raw value is shown once.
        return False

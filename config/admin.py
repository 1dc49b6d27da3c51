"""Admin building blocks every app may use (config sits beside the apps, not above them, for these)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows nobody adds, edits or deletes here, not even admins (immutable versions, append-only history)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from .models import QuestionnaireVersion


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are immutable and only `manage.py load_questionnaires` creates them."""

    list_display = ["slug", "version", "kind", "title", "loaded_at", "content_hash"]
    list_filter = ["kind", "slug"]
    search_fields = ["slug", "title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

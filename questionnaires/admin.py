from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import QuestionnaireVersion


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(ReadOnlyAdmin):
    """Read-only: versions are immutable and only `manage.py load_questionnaires` creates them."""

    list_display = ["slug", "version", "kind", "title", "loaded_at", "content_hash"]
    list_filter = ["kind", "slug"]
    search_fields = ["slug", "title"]

from django.conf import settings
from django.db import models


class CoverageSnapshot(models.Model):
    """A portfolio framework coverage report as issued: what the next report shows its change against."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    projects = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict, help_text='{"frameworks": {key: {"totals": ..., "projects": {slug: ...}}}}')

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Framework coverage of {self.projects} projects at {self.created_at:%Y-%m-%d %H:%M}"

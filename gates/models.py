from django.conf import settings
from django.db import models


class GatePolicy(models.Model):
    """A version of the stage-gate policy, as data. The newest active version is the one in force.

    Versions are never edited: admins save a new version, so every verdict can name the policy it used.
    ``rules`` format: see docs/gate-policy.md.
    """

    version = models.PositiveIntegerField(unique=True)
    rules = models.JSONField()
    note = models.CharField(max_length=250, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "gate policies"

    def __str__(self):
        return f"Gate policy v{self.version}"

from django.conf import settings
from django.db import models

from .events import EVENTS


class Notification(models.Model):
    """One notice in one person's inbox. ``dedupe_key`` makes a repeated notice (a daily reminder task, a retried
    signal) a no-op: unique per user when set."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=40, choices=[(k, v) for k, v in EVENTS.items()])
    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, null=True, related_name="+")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="A path inside Plumbline.")
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="one_notice_per_key_per_user"
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.title}"


class NotificationPreference(models.Model):
    """Which events a person also wants by e-mail (every event shows in the inbox). No row: all of them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_events = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"E-mail preferences of {self.user}"

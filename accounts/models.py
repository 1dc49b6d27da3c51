import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """A person using Plumbline. The role is global; what a member may edit depends on their teams."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        REVIEWER = "reviewer", "Reviewer"
        MEMBER = "member", "Team member"
        VIEWER = "viewer", "Viewer"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_plumbline_admin(self):
        return self.is_superuser or self.role == self.Role.ADMIN

    @property
    def is_reviewer(self):
        return self.role == self.Role.REVIEWER or self.is_plumbline_admin


TOKEN_PREFIX = "plb_"


def hash_token(raw):
    """Tokens are long random strings, so a fast unsalted hash is enough and keeps lookups indexed."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A hashed API token. With a project it is a CI token: it acts on that project only."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"
        CI = "ci", "CI: push evidence and read the gate of one project"

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    project = models.ForeignKey(
        "registry.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=12, db_index=True, help_text="First characters, to recognise the token.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(scope="ci") | models.Q(project__isnull=False),
                name="ci_token_has_project",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate_raw():
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self):
        if self.revoked_at:
            return False
        return not (self.expires_at and self.expires_at <= timezone.now())


class ExternalIdentity(models.Model):
    """A person at an identity provider (issuer + subject, as OpenID Connect names them) linked to a user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="accounts_identity_unique")]

    def __str__(self):
        return f"{self.subject} at {self.issuer}"

"""Reads for accounts."""

from .models import ApiToken, User


def user_list():
    return User.objects.prefetch_related("teams").order_by("username", "id")


def token_list(*, user):
    """The user's own tokens, newest first (admins manage others' tokens in the admin site)."""
    return ApiToken.objects.filter(user=user).select_related("project").order_by("-created_at", "-id")

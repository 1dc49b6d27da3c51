"""Writes for accounts: API tokens. The raw token is returned once and only its hash is stored."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import permissions
from .models import ApiToken, hash_token


@transaction.atomic
def token_create(*, user, name, scope=ApiToken.Scope.READ, project=None, expires_in_days=None):
    """Create a token for ``user``; returns ``(token, raw)``. ``raw`` cannot be recovered later."""
    if scope == ApiToken.Scope.CI and project is None:
        raise ValidationError({"project": ["A CI token acts on one project: choose the project."]})
    if project is not None and scope != ApiToken.Scope.READ and not permissions.can_edit_project(user, project):
        raise PermissionDenied("You can only create write or CI tokens for projects your team owns.")
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        project=project,
        prefix=raw[:12],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token, actor):
    if not permissions.can_manage_token(actor, token):
        raise PermissionDenied("You can only revoke your own API tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token

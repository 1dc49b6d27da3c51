"""Writes for accounts: users and their team memberships (provisioning, audited in the change history) and API
tokens (the raw token is returned once and only its hash is stored)."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import permissions
from .models import ApiToken, ExternalIdentity, User, hash_token
from .signals import user_changed

USER_FIELDS = ("username", "email", "first_name", "last_name", "role", "is_active")
AUDITED_USER_FIELDS = (*USER_FIELDS, "teams")


def _user_snapshot(user) -> dict:
    values = {name: getattr(user, name) for name in USER_FIELDS}
    values["teams"] = sorted(str(team) for team in user.teams.all())
    return values


def _diff(before: dict, after: dict) -> dict:
    return {key: [before.get(key), after.get(key)] for key in sorted(after) if before.get(key) != after.get(key)}


@transaction.atomic
def user_create(*, actor, username, teams=(), **fields):
    """A user who signs in through single sign-on or a password an admin sets later: none is usable yet."""
    if not permissions.can_manage_users(actor):
        raise PermissionDenied("Only admins can create users.")
    user = User(username=username, **{k: v for k, v in fields.items() if k in USER_FIELDS})
    user.set_unusable_password()
    user.full_clean()
    user.save()
    user.teams.set(teams)
    after = _user_snapshot(user)
    user_changed.send(
        sender=User,
        instance=user,
        actor=actor,
        action="create",
        changes={key: [None, value] for key, value in after.items() if value not in (None, "", [], False)},
    )
    return user


@transaction.atomic
def user_update(*, actor, user, teams=None, **fields):
    """Change a user's details, role, teams or active flag. Deactivating revokes every token they hold, for good:
    reactivating them later does not bring old tokens back."""
    if not permissions.can_manage_users(actor):
        raise PermissionDenied("Only admins can change users.")
    if fields.get("is_active") is False and user.pk == actor.pk:
        raise ValidationError({"is_active": ["You cannot deactivate yourself; ask another admin."]})
    before = _user_snapshot(user)
    for key, value in fields.items():
        if key in USER_FIELDS:
            setattr(user, key, value)
    user.full_clean(exclude=["password"])
    user.save()
    if teams is not None:
        user.teams.set(teams)
    revoked = user_tokens_revoke(user=user) if not user.is_active else 0
    changes = _diff(before, _user_snapshot(user))
    if revoked:
        changes["tokens_revoked"] = [0, revoked]
    if changes:
        user_changed.send(sender=User, instance=user, actor=actor, action="update", changes=changes)
    return user


@transaction.atomic
def user_sync_from_identity(*, issuer: str, claims: dict, mapping) -> User | None:
    """A sign-in through the identity provider: find the person by issuer + subject (or link the local user of the
    same username at their first sign-in, or create one), then bring e-mail, names, role and teams in step with the
    claims, audited like provisioning (actor: none, the identity provider). Returns ``None`` for a deactivated user:
    deactivation by an admin outlives any sign-in. A superuser keeps their flags whatever the claims say."""
    subject = str(claims["sub"])[:255]
    identity = ExternalIdentity.objects.select_related("user").filter(issuer=issuer[:255], subject=subject).first()
    username = mapping.username(claims)
    fields = {
        "email": str(claims.get("email") or "")[:254],
        "first_name": str(claims.get("given_name") or "")[:150],
        "last_name": str(claims.get("family_name") or "")[:150],
        "role": mapping.role(claims),
    }
    slugs = mapping.team_slugs(claims)
    teams_field = User._meta.get_field("teams")
    teams = None if slugs is None else list(teams_field.related_model.objects.filter(slug__in=slugs))
    if identity is not None:
        user = identity.user
    else:
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            user = User(username=username)
            user.set_unusable_password()
            user.full_clean(exclude=["password"])
            user.save()
            user_changed.send(
                sender=User, instance=user, actor=None, action="create", changes={"username": [None, username]}
            )
        identity = ExternalIdentity.objects.create(user=user, issuer=issuer[:255], subject=subject)
    if not user.is_active:
        return None
    before = _user_snapshot(user)
    for key, value in fields.items():
        if key == "role" and user.is_superuser:
            continue
        setattr(user, key, value)
    user.full_clean(exclude=["password"])
    user.save()
    if teams is not None:
        user.teams.set(teams)
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["last_login_at"])
    changes = _diff(before, _user_snapshot(user))
    if changes:
        user_changed.send(sender=User, instance=user, actor=None, action="update", changes=changes)
    return user


def user_tokens_revoke(*, user) -> int:
    """Revoke every active token of ``user`` (on deactivation, whichever way it happens); returns how many."""
    return ApiToken.objects.active().filter(user=user).update(revoked_at=timezone.now())


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

"""Single sign-on with OpenID Connect (mozilla-django-oidc): who a person is, and their role and teams, come from
the identity provider's claims, mapped by settings (``OidcMapping.from_settings``).

A person is recognised by the provider's issuer and subject (``ExternalIdentity``), never by a claim they could
change at the provider such as their e-mail. At their first sign-in they are linked to the local user with the same
username (an account an admin provisioned ahead, through the API or the admin site), or a user is created. Role and
teams follow the claims at every sign-in; a superuser's flags and an admin-deactivated account are never changed
by a sign-in (a deactivated user stays out).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .models import User

ROLE_RANK = {User.Role.VIEWER: 0, User.Role.MEMBER: 1, User.Role.REVIEWER: 2, User.Role.ADMIN: 3}
NO_ROLE = "none"


def _claim_values(claims: dict, name: str) -> list[str]:
    """A claim as a list of strings: providers send groups as a list, a space-separated string or one value."""
    value = claims.get(name) if name else None
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if isinstance(item, (str, int))]
    return []


@dataclass(frozen=True)
class OidcMapping:
    """How claims become a Plumbline user: which claim holds the username, which the role groups, which the teams."""

    username_claim: str = "preferred_username"
    role_claim: str = "groups"
    role_map: tuple[tuple[str, str], ...] = ()
    default_role: str = User.Role.MEMBER
    team_claim: str = ""
    team_map: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_settings(cls) -> OidcMapping:
        return cls(
            username_claim=settings.PLUMBLINE_OIDC_USERNAME_CLAIM,
            role_claim=settings.PLUMBLINE_OIDC_ROLE_CLAIM,
            role_map=tuple(settings.PLUMBLINE_OIDC_ROLE_MAP.items()),
            default_role=settings.PLUMBLINE_OIDC_DEFAULT_ROLE,
            team_claim=settings.PLUMBLINE_OIDC_TEAM_CLAIM,
            team_map=tuple(settings.PLUMBLINE_OIDC_TEAM_MAP.items()),
        )

    def username(self, claims: dict) -> str:
        values = _claim_values(claims, self.username_claim)
        return values[0][:150] if values else ""

    def role(self, claims: dict) -> str | None:
        """The highest role any of the person's groups maps to; the default role when none does (``None``: the
        default is ``none`` and the person may not sign in)."""
        groups = set(_claim_values(claims, self.role_claim))
        roles = [role for group, role in self.role_map if group in groups]
        if roles:
            return max(roles, key=lambda role: ROLE_RANK[role])
        return None if self.default_role == NO_ROLE else self.default_role

    def team_slugs(self, claims: dict) -> list[str] | None:
        """Team slugs from the team claim (through the map when one is set); ``None`` when teams are not mapped,
        so a sign-in leaves memberships as admins set them."""
        if not self.team_claim:
            return None
        values = _claim_values(claims, self.team_claim)
        if self.team_map:
            mapped = dict(self.team_map)
            return sorted({mapped[value] for value in values if value in mapped})
        return sorted(set(values))


def validate_mapping_settings(*, role_map: dict, default_role: str) -> None:
    """Refuse at start-up a role map that names no Plumbline role (a typo would quietly make admins members)."""
    valid = set(User.Role.values)
    wrong = sorted({role for role in role_map.values() if role not in valid})
    if wrong:
        raise ValueError(f"PLUMBLINE_OIDC_ROLE_MAP names unknown roles {wrong}; use {sorted(valid)}.")
    if default_role not in valid | {NO_ROLE}:
        raise ValueError(f"PLUMBLINE_OIDC_DEFAULT_ROLE must be one of {sorted(valid | {NO_ROLE})}.")


class PlumblineOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow (state, nonce, PKCE, signature and audience checks are the library's), with
    users found by issuer + subject and kept in step with the claims by ``accounts.services``."""

    def get_userinfo(self, access_token, id_token, payload):
        # The userinfo answer, with the verified ID token's claims on top (the mapping is documented as "ID-token
        # claims"; many providers put groups only in one of the two).
        claims = dict(super().get_userinfo(access_token, id_token, payload))
        claims.update(payload)
        return claims

    def verify_claims(self, claims):
        mapping = OidcMapping.from_settings()
        return bool(claims.get("sub")) and bool(mapping.username(claims)) and mapping.role(claims) is not None

    def get_or_create_user(self, access_token, id_token, payload):
        from . import services

        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("The identity provider's claims give no username or no Plumbline role.")
        issuer = str(payload.get("iss") or settings.OIDC_OP_ISSUER or "")
        return services.user_sync_from_identity(issuer=issuer, claims=claims, mapping=OidcMapping.from_settings())

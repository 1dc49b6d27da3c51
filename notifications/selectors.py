"""Reads of notifications: one person's inbox and unread count, their e-mail choices, and who hears of what."""

from django.db.models import Q

from accounts.models import User

from .events import EVENT_NAMES
from .models import Notification, NotificationPreference


def inbox(user):
    """The user's notices, newest first; nobody else's, ever."""
    return Notification.objects.filter(user=user).select_related("project").order_by("-created_at", "-id")


def unread_count(user) -> int:
    if not (user and user.is_authenticated):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def email_events_of(user) -> list[str]:
    """The events the user gets by e-mail: their choice, or every event until they choose."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return list(EVENT_NAMES) if preference is None else [e for e in EVENT_NAMES if e in preference.email_events]


def reviewers_for(project):
    """Active people who may review the project's assessments (``accounts.permissions.can_review``)."""
    from accounts import permissions

    candidates = User.objects.filter(is_active=True).filter(
        Q(role__in=[User.Role.REVIEWER, User.Role.ADMIN]) | Q(is_superuser=True)
    )
    return [user for user in candidates.order_by("id") if permissions.can_review(user)]


def team_of(project):
    """The project's team: its active members and the project's business and technical owners."""
    people = {u.pk: u for u in project.team.members.filter(is_active=True).order_by("id")}
    for owner in (project.business_owner, project.technical_owner):
        if owner is not None and owner.is_active:
            people.setdefault(owner.pk, owner)
    return list(people.values())

"""Writes of notifications: tell people (inbox row now, e-mail by Celery once the change is committed), mark read,
choose which events come by e-mail, remind assignees of due dates.

Bounded: one event reaches at most ``PLUMBLINE_NOTIFICATION_MAX_RECIPIENTS`` people, and a notice's text is cut to
its field's length. Recipients are chosen by the receivers from the project's own team or its reviewers, never
from other teams.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import events, selectors
from .models import Notification, NotificationPreference

logger = logging.getLogger(__name__)
BODY_MAX = 2000
PRUNE_BATCH = 1000


def notify(*, event, users, project=None, title, body="", url="", dedupe_key="", exclude=None, emailed_ids=()):
    """One notice per person in ``users`` (active, once each, without ``exclude``, the person who acted); the ones
    who want this event by e-mail get it after the commit, except ``emailed_ids`` (people another mail already told).
    A ``dedupe_key`` a person already has is skipped. Returns the notices created."""
    if event not in events.EVENTS:
        raise ValueError(f"Unknown notification event {event!r}")
    people, seen = [], set()
    for user in users:
        if user is None or not user.is_active or user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        people.append(user)
    limit = settings.PLUMBLINE_NOTIFICATION_MAX_RECIPIENTS
    if len(people) > limit:
        logger.warning("Notification %s: %d recipients, telling the first %d", event, len(people), limit)
        people = people[:limit]
    created = []
    for user in people:
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        user=user,
                        event=event,
                        project=project,
                        title=title[:300],
                        body=body[:BODY_MAX],
                        url=url[:500],
                        dedupe_key=dedupe_key[:200],
                        emailed_at=timezone.now() if user.pk in emailed_ids else None,
                    )
                )
        except IntegrityError:
            continue  # this person already has this notice
    if created:
        ids = [n.pk for n in created]
        from . import tasks

        transaction.on_commit(lambda: tasks.send_notification_emails.delay(ids))
    return created


def notification_emails_send(*, ids):
    """E-mail the notices ``ids`` not e-mailed yet to the people who want their event by e-mail and have an address.
    Each notice is marked before its mail goes, so a retried task never sends twice. Returns the number sent."""
    sent = 0
    site = settings.SITE_URL.rstrip("/")
    for notice in Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related("user"):
        user = notice.user
        if not user.is_active or not user.email or notice.event not in selectors.email_events_of(user):
            continue
        if not Notification.objects.filter(pk=notice.pk, emailed_at__isnull=True).update(emailed_at=timezone.now()):
            continue
        link = f"\n\n{site}{notice.url}" if notice.url else ""
        try:
            send_mail(
                subject=f"[Plumbline] {notice.title}",
                message=f"{notice.body}{link}\n\nChoose which notices come by e-mail: {site}/inbox/preferences/\n",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email],
            )
        except Exception:
            Notification.objects.filter(pk=notice.pk).update(emailed_at=None)  # the retry sends it
            raise
        sent += 1
    return sent


def notifications_mark_read(*, user, ids=None):
    """Mark the user's notices ``ids`` (all unread ones when None) read; others' notices are never touched.
    Returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids)[: settings.PLUMBLINE_NOTIFICATION_MAX_RECIPIENTS])
    return qs.update(read_at=timezone.now())


def preference_update(*, user, email_events):
    unknown = sorted(set(email_events) - set(events.EVENT_NAMES))
    if unknown:
        raise ValidationError({"email_events": [f"Unknown event(s): {', '.join(unknown)}."]})
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_events": [e for e in events.EVENT_NAMES if e in set(email_events)]}
    )
    return preference


def assignment_reminders_send(*, today=None):
    """Tell assignees of parts due within ``PLUMBLINE_ASSIGNMENT_DUE_SOON_DAYS`` and of parts past their date, once
    per part and date (a later run, or a retried one, adds nothing). Returns the notices created."""
    from assessments.selectors import open_assignments

    today = today or timezone.localdate()
    due_by = today + timedelta(days=settings.PLUMBLINE_ASSIGNMENT_DUE_SOON_DAYS)
    created = 0
    for assignment in open_assignments(due_by=due_by):
        overdue = assignment.due_date < today
        event = events.ASSIGNMENT_OVERDUE if overdue else events.ASSIGNMENT_DUE
        assessment = assignment.assessment
        part = f"“{assignment.label}”"
        when = f"{'was due' if overdue else 'is due'} on {assignment.due_date:%d %b %Y}"
        created += len(
            notify(
                event=event,
                users=[assignment.assignee],
                project=assessment.project,
                title=f"{part} of the {assessment.kind} assessment of {assessment.project.name} {when}",
                body=f"You were asked to answer {part}; it {when}.",
                url=f"{assessment.get_absolute_url()}?section={assignment.section_id}",
                dedupe_key=f"{event}:{assignment.pk}:{assignment.due_date.isoformat()}",
            )
        )
    return created


def notifications_prune(*, now=None):
    """Delete read notices older than ``PLUMBLINE_NOTIFICATION_RETENTION_DAYS`` (unread ones stay until read), in
    batches so one run never holds a long transaction. Returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.PLUMBLINE_NOTIFICATION_RETENTION_DAYS)
    deleted = 0
    while True:
        batch = list(
            Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff).values_list("pk", flat=True)[
                :PRUNE_BATCH
            ]
        )
        if not batch:
            return deleted
        deleted += Notification.objects.filter(pk__in=batch).delete()[0]

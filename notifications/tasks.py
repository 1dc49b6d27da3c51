"""Celery tasks of notifications: load by id, call one service, own the retry policy."""

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=120, time_limit=150)
def send_notification_emails(self, ids):
    """E-mail the notices whose people want them; a failed mail server is tried again later."""
    try:
        return services.notification_emails_send(ids=ids)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=60) from exc


@shared_task(soft_time_limit=300, time_limit=330)
def send_assignment_reminders():
    return services.assignment_reminders_send()


@shared_task(soft_time_limit=300, time_limit=330)
def prune_notifications():
    return services.notifications_prune()

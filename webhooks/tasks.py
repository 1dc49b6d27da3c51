"""Celery task of the webhooks app: load the delivery, make one attempt, own the retry policy."""

from celery import shared_task
from django.conf import settings

from . import services
from .models import Delivery


@shared_task(bind=True, acks_late=True, max_retries=None, soft_time_limit=120, time_limit=150)
def deliver(self, delivery_id, manual=False):
    """One attempt; on a failure worth retrying, again after the back-off the attempt logged, up to
    ``PLUMBLINE_WEBHOOK_MAX_ATTEMPTS`` attempts in all. A redelivery by hand is one attempt."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or (delivery.status == Delivery.Status.DELIVERED and not manual):
        return
    final = manual or self.request.retries + 1 >= settings.PLUMBLINE_WEBHOOK_MAX_ATTEMPTS
    attempt = services.delivery_attempt(delivery=delivery, manual=manual, final=final)
    if attempt.retry_in_seconds is not None:
        # Without a broker (demo, tests) Celery runs the retry at once, in-process: returned, not raised, so it runs.
        retry = self.retry(countdown=attempt.retry_in_seconds, throw=not self.request.is_eager)
        return retry

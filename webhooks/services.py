"""Writes of the webhooks app: register and remove endpoints, emit events, deliver them, redeliver by hand.

Addresses follow the connectors' policy (``connectors.urls_policy``) and are called through the connectors' HTTP
client (``connectors.http_client``), which checks the address again at connect time. Only https:// is accepted,
except for hosts an administrator allowed in ``PLUMBLINE_CONNECTOR_ALLOWED_HOSTS``.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import uuid
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import permissions as rules
from connectors.base import ConnectorError
from connectors.http_client import connector_client
from connectors.secrets import decrypt_secrets, encrypt_secrets, redact
from connectors.urls_policy import is_allowed_host, validate_url

from . import events, signing
from .models import Delivery, DeliveryAttempt, Endpoint

logger = logging.getLogger(__name__)
SECRET_PREFIX = "whsec_"
# Answers that say the request itself is wrong: trying again cannot help (timeouts and rate limits can).
PERMANENT_STATUS = frozenset(range(400, 500)) - {408, 409, 425, 429}


class DeliveryFailed(Exception):
    """An attempt failed; ``permanent`` says whether trying again could help."""

    def __init__(self, message, *, permanent=False):
        super().__init__(message)
        self.permanent = permanent


def check_url(url: str) -> str:
    """The URL when Plumbline may call it; else ``ValidationError`` on ``url`` saying how to fix it."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and is_allowed_host(parts.hostname or "")):
        raise ValidationError({"url": ["Use an https:// address: events are signed, but their content is not secret."]})
    try:
        validate_url(url)
    except ConnectorError as exc:
        raise ValidationError({"url": [str(exc)]}) from None
    return url


def masked_url(url: str) -> str:
    """What pages and the API show of an address: scheme, host and first path segment. The rest often is a secret
    (a Slack incoming-webhook URL is one), so the full address is stored only encrypted, with the signing secret."""
    parts = urlsplit(url)
    segments = [p for p in parts.path.split("/") if p]
    path = f"/{segments[0]}/…" if len(segments) > 1 else parts.path
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}{path}{query}"


def endpoint_create(*, actor, team, url, format=Endpoint.Format.JSON, event_names=(), project=None, description=""):
    """Register an endpoint for ``team``'s projects (or one of them). Returns ``(endpoint, secret)``: the secret is
    shown once and stored only encrypted. Raises ``PermissionDenied`` or ``ValidationError`` (field errors)."""
    if not rules.can_manage_webhooks(actor, team.pk):
        raise PermissionDenied("Only members of the team and admins can add webhooks for its projects.")
    errors = {}
    try:
        url = check_url(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    unknown = [e for e in event_names if e not in events.EVENTS]
    if unknown:
        errors["events"] = [f"Unknown event {e!r}; use any of {', '.join(events.EVENTS)}." for e in unknown]
    if format not in Endpoint.Format.values:
        errors["format"] = [f"Use one of {', '.join(Endpoint.Format.values)}."]
    if project is not None and project.team_id != team.pk:
        errors["project"] = ["That project belongs to another team."]
    if errors:
        raise ValidationError(errors)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = Endpoint.objects.create(
        team=team,
        project=project,
        url=masked_url(url),
        format=format,
        events=list(dict.fromkeys(event_names)),
        description=(description or "").strip()[:200],
        encrypted_secret=encrypt_secrets({"secret": secret, "url": url}),
        created_by=actor,
    )
    return endpoint, secret


def endpoint_delete(*, actor, endpoint) -> None:
    if not rules.can_manage_webhooks(actor, endpoint.team_id):
        raise PermissionDenied("Only members of the team and admins can remove its webhooks.")
    endpoint.delete()


def endpoint_secrets(endpoint) -> tuple[str, str]:
    """``(signing secret, full URL)``, decrypted (and remembered, so no log line shows them)."""
    values = decrypt_secrets(endpoint.encrypted_secret)
    return values["secret"], values["url"]


# --- Events ----------------------------------------------------------------------------------------------------


def project_info(project) -> dict:
    return {
        "slug": project.slug,
        "name": project.name,
        "team": project.team.slug,
        "url": settings.SITE_URL.rstrip("/") + project.get_absolute_url(),
    }


def event_emit(*, event, project, data, dedupe_key=None, occurred_at=None) -> list[Delivery]:
    """Queue ``event`` about ``project`` for every active endpoint that wants it, once per endpoint and
    ``dedupe_key`` (a repeated key, e.g. the same expiring result on the next beat, is sent once). Delivery
    tasks start when the transaction commits."""
    endpoints = [
        e
        for e in Endpoint.objects.filter(team_id=project.team_id, is_active=True)
        if (e.project_id is None or e.project_id == project.pk) and e.wants(event)
    ]
    if not endpoints:
        return []
    event_id = str(uuid.uuid4())
    body = events.envelope(
        event=event,
        event_id=event_id,
        occurred_at=occurred_at or timezone.now(),
        project=project_info(project),
        data=data,
    )
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    created = []
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    endpoint=endpoint,
                    project=project,
                    event=event,
                    event_id=event_id,
                    dedupe_key=(dedupe_key or f"{event}:{event_id}")[:200],
                    body=text,
                )
        except IntegrityError:
            continue  # this endpoint already has this event
        created.append(delivery)
    if created:
        transaction.on_commit(lambda: [_enqueue(d.pk) for d in created])
    return created


def _enqueue(delivery_id, *, manual=False):
    from .tasks import deliver

    deliver.delay(delivery_id=delivery_id, manual=manual)


# --- Delivery --------------------------------------------------------------------------------------------------


def backoff_seconds(failed_attempts: int) -> int:
    """Seconds to wait after the n-th failed attempt: doubling from ``PLUMBLINE_WEBHOOK_BACKOFF``, capped."""
    base = settings.PLUMBLINE_WEBHOOK_BACKOFF
    return min(base * 2 ** (failed_attempts - 1), settings.PLUMBLINE_WEBHOOK_BACKOFF_MAX)


def request_for(delivery: Delivery, *, secret: str, now: int) -> tuple[bytes, dict]:
    """The exact bytes and headers of one attempt (Slack endpoints get a Slack message, signed the same way)."""
    body = delivery.body.encode()
    if delivery.endpoint.format == Endpoint.Format.SLACK:
        body = json.dumps(events.slack_message(json.loads(delivery.body))).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Plumbline-Webhooks/1",
        "Plumbline-Event": delivery.event,
        "Plumbline-Event-Id": str(delivery.event_id),
        "Plumbline-Delivery": str(delivery.pk),
        signing.HEADER: signing.signature_header(secret, now, body),
    }
    return body, headers


def _post(delivery: Delivery) -> int:
    """One HTTP call; the status code, or ``DeliveryFailed`` saying what went wrong."""
    try:
        secret, url = endpoint_secrets(delivery.endpoint)
    except (ValueError, KeyError) as exc:
        raise DeliveryFailed(f"The endpoint's secret cannot be read: {exc}", permanent=True) from None
    body, headers = request_for(delivery, secret=secret, now=int(time.time()))
    try:
        check_url(url)
        with connector_client(timeout=settings.PLUMBLINE_WEBHOOK_TIMEOUT, follow_redirects=False) as client:
            response = client.post(url, content=body, headers=headers)
    except ValidationError as exc:
        raise DeliveryFailed(" ".join(exc.messages), permanent=True) from None
    except ConnectorError as exc:
        raise DeliveryFailed(str(exc), permanent=not exc.transient) from None
    except httpx.TimeoutException:
        raise DeliveryFailed(f"No answer within {settings.PLUMBLINE_WEBHOOK_TIMEOUT:g} s.") from None
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"Could not connect: {type(exc).__name__}: {exc}") from None
    return response.status_code


def delivery_attempt(*, delivery: Delivery, manual: bool = False, final: bool = True) -> DeliveryAttempt:
    """Make one attempt and log it. When it fails and is not ``final`` (nor permanent), the attempt records the
    back-off before the next try in ``retry_in_seconds``; the task then schedules it."""
    started, clock = timezone.now(), time.monotonic()
    status_code, error, permanent = None, "", False
    try:
        status_code = _post(delivery)
    except DeliveryFailed as exc:
        error, permanent = redact(str(exc))[:500], exc.permanent
    duration_ms = int((time.monotonic() - clock) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    if status_code is not None and not ok:
        error = f"The receiver answered HTTP {status_code}."
        permanent = status_code in PERMANENT_STATUS
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        number = locked.attempts + 1
        retry_in = None if ok or final or permanent else backoff_seconds(number)
        attempt = DeliveryAttempt.objects.create(
            delivery=locked,
            number=number,
            manual=manual,
            started_at=started,
            status_code=status_code,
            duration_ms=duration_ms,
            error=error,
            retry_in_seconds=retry_in,
        )
        locked.attempts = number
        if ok:
            locked.status, locked.delivered_at = Delivery.Status.DELIVERED, timezone.now()
        elif retry_in is None:
            locked.status = Delivery.Status.FAILED
        locked.save(update_fields=["attempts", "status", "delivered_at"])
    if not ok:
        logger.info("Webhook delivery %s attempt %s failed: %s", delivery.pk, number, error)
    delivery.status, delivery.attempts = locked.status, locked.attempts
    return attempt


def delivery_redeliver(*, actor, delivery: Delivery) -> Delivery:
    """Send the same body (same event id) again, once, by hand; the receiver can de-duplicate on the id."""
    if not rules.can_manage_webhooks(actor, delivery.endpoint.team_id):
        raise PermissionDenied("Only members of the team and admins can redeliver its webhooks.")
    transaction.on_commit(lambda: _enqueue(delivery.pk, manual=True))
    return delivery

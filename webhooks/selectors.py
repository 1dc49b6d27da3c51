"""Reads of the webhooks app, limited to what the user may see (``accounts.permissions.webhook_team_ids``)."""

from django.db.models import Prefetch

from accounts import permissions as rules

from .models import Delivery, DeliveryAttempt, Endpoint


def endpoint_list(*, user):
    rows = Endpoint.objects.select_related("team", "project", "created_by").order_by("-created_at", "-id")
    team_ids = rules.webhook_team_ids(user)
    return rows if team_ids is None else rows.filter(team_id__in=team_ids)


def endpoint_for(*, user, pk):
    """The endpoint when the user may manage it, else ``None`` (the caller answers 404 or 403)."""
    return endpoint_list(user=user).filter(pk=pk).first()


def delivery_list(*, endpoint):
    """The endpoint's deliveries, newest first, each with its attempts (two queries per page)."""
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("project")
        .prefetch_related(Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("number", "id")))
        .order_by("-created_at", "-id")
    )

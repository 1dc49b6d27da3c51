"""Filters of the notifications list API: a bad value is a 400 naming the field, not an empty list."""

import django_filters

from .models import Notification


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="Only unread (true)")
    event = django_filters.ChoiceFilter(choices=Notification._meta.get_field("event").choices)

    class Meta:
        model = Notification
        fields = ["unread", "event"]

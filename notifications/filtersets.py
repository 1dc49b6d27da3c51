"""Filters of the notifications list API: a bad value is a 400 naming the field, not an empty list."""

import django_filters

from registry.filtersets import StrictBooleanFilter

from .models import Notification


class NotificationFilterSet(django_filters.FilterSet):
    # true or false only: "unread=yes" is a 400, not silently every notice (the schema says boolean)
    unread = StrictBooleanFilter(field_name="read_at", lookup_expr="isnull", label="Only unread (true)")
    event = django_filters.ChoiceFilter(choices=Notification._meta.get_field("event").choices)

    class Meta:
        model = Notification
        fields = ["unread", "event"]

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^notifications/?$", views.NotificationListView.as_view(), name="api-notification-list"),
    re_path(r"^notifications/read-all/?$", views.NotificationReadAllView.as_view(), name="api-notification-read-all"),
    re_path(
        r"^notifications/(?P<pk>[0-9]+)/read/?$", views.NotificationReadView.as_view(), name="api-notification-read"
    ),
    re_path(
        r"^notifications/preferences/?$",
        views.NotificationPreferenceView.as_view(),
        name="api-notification-preferences",
    ),
]

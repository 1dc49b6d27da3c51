from django.urls import path

from .views import (
    WebhookDeliveryListView,
    WebhookDetailView,
    WebhookEventListView,
    WebhookListView,
    WebhookRedeliverView,
)

urlpatterns = [
    path("webhooks/", WebhookListView.as_view(), name="api-webhooks"),
    path("webhooks/events/", WebhookEventListView.as_view(), name="api-webhook-events"),
    path("webhooks/<int:pk>/", WebhookDetailView.as_view(), name="api-webhook"),
    path("webhooks/<int:pk>/deliveries/", WebhookDeliveryListView.as_view(), name="api-webhook-deliveries"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        WebhookRedeliverView.as_view(),
        name="api-webhook-redeliver",
    ),
]

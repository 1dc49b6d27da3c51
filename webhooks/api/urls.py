from django.urls import path

from .views import WebhookDeliveryListView, WebhookDetailView, WebhookListView, WebhookRedeliverView

urlpatterns = [
    path("webhooks/", WebhookListView.as_view(), name="api-webhooks"),
    path("webhooks/<int:pk>/", WebhookDetailView.as_view(), name="api-webhook"),
    path("webhooks/<int:pk>/deliveries/", WebhookDeliveryListView.as_view(), name="api-webhook-deliveries"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        WebhookRedeliverView.as_view(),
        name="api-webhook-redeliver",
    ),
]

from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("webhooks/", views.EndpointListView.as_view(), name="endpoint-list"),
    path("webhooks/<int:pk>/", views.EndpointDetailView.as_view(), name="endpoint-detail"),
    path("webhooks/<int:pk>/delete/", views.endpoint_delete, name="endpoint-delete"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        views.delivery_redeliver,
        name="delivery-redeliver",
    ),
]

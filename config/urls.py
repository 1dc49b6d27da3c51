from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.metrics import metrics_view

api_v1 = [
    path("", include("registry.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("questionnaires.api.urls")),
    path("", include("assessments.api.urls")),
    path("", include("connectors.api.urls")),
    path("", include("gates.api.urls")),
    path("", include("frameworks.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("packs.api.urls")),
    path("", include("webhooks.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("registry.urls")),
    path("questionnaires/", include("questionnaires.urls")),
    path("", include("assessments.urls")),
    path("", include("connectors.urls")),
    path("", include("gates.urls")),
    path("", include("frameworks.urls")),
    path("reports/", include("reports.urls")),
    path("", include("webhooks.urls")),
    path("", include("packs.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("metrics", metrics_view, name="metrics"),
]

# MEDIA_ROOT is never served by URL, not even with DEBUG on: evidence files leave through the permission-checked
# download view as attachments, and report PDFs through the reports views.

handler500 = "config.api.server_error"

from django.urls import re_path

from .views import EvidenceRefreshView, EvidenceRunView, ProjectChecksView, ProjectWaiversView, WaiverRevokeView

SLUG = r"(?P<slug>[-a-zA-Z0-9_]+)"

urlpatterns = [
    re_path(rf"^projects/{SLUG}/evidence/refresh/?$", EvidenceRefreshView.as_view(), name="api-evidence-refresh"),
    re_path(r"^evidence-runs/(?P<pk>[0-9]+)/?$", EvidenceRunView.as_view(), name="api-evidence-run"),
    re_path(rf"^projects/{SLUG}/checks/?$", ProjectChecksView.as_view(), name="api-project-checks"),
    re_path(rf"^projects/{SLUG}/waivers/?$", ProjectWaiversView.as_view(), name="api-project-waivers"),
    re_path(r"^waivers/(?P<pk>[0-9]+)/revoke/?$", WaiverRevokeView.as_view(), name="api-waiver-revoke"),
]

from django.urls import path

from . import views

app_name = "connectors"
urlpatterns = [
    path("checks/", views.CheckListView.as_view(), name="check-list"),
    path("projects/<slug:slug>/evidence/refresh/", views.evidence_refresh, name="refresh"),
    path("projects/<slug:slug>/evidence/runs/<int:pk>/", views.run_status, name="run-status"),
    path("projects/<slug:slug>/evidence/waivers/", views.WaiverCreateView.as_view(), name="waiver-create"),
    path("projects/<slug:slug>/evidence/waivers/<int:pk>/revoke/", views.waiver_revoke, name="waiver-revoke"),
]

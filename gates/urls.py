from django.urls import path

from . import views

app_name = "gates"
urlpatterns = [
    path("projects/<slug:slug>/gate/", views.project_gate, name="project-gate"),
    path("projects/<slug:slug>/gate/move/", views.project_move_stage, name="project-move-stage"),
    path("projects/<slug:slug>/gate/thresholds/", views.project_thresholds_propose, name="project-thresholds"),
    path(
        "projects/<slug:slug>/gate/thresholds/<int:version>/decision/",
        views.project_thresholds_decide,
        name="project-thresholds-decide",
    ),
    path("gate-policies/", views.PolicyListView.as_view(), name="policy-list"),
    path("badges/<slug:slug>.svg", views.project_badge, name="project-badge"),
]

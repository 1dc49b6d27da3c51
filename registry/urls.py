from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/export.csv", views.ProjectExportView.as_view(), {"fmt": "csv"}, name="project-export-csv"),
    path("projects/export.yaml", views.ProjectExportView.as_view(), {"fmt": "yaml"}, name="project-export-yaml"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project-create"),
    path("projects/<slug:slug>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<slug:slug>/edit/", views.ProjectEditView.as_view(), name="project-edit"),
    path("projects/<slug:slug>/archive/", views.ProjectArchiveView.as_view(), name="project-archive"),
    path("projects/<slug:slug>/restore/", views.ProjectArchiveView.as_view(restore=True), name="project-restore"),
    path("projects/<slug:slug>/components/new/", views.ComponentFormView.as_view(), name="component-create"),
    path("projects/<slug:slug>/components/<int:pk>/edit/", views.ComponentFormView.as_view(), name="component-edit"),
    path(
        "projects/<slug:slug>/components/<int:pk>/delete/",
        views.ComponentDeleteView.as_view(),
        name="component-delete",
    ),
    path("teams/", views.TeamListView.as_view(), name="team-list"),
    path("teams/<slug:slug>/", views.TeamDetailView.as_view(), name="team-detail"),
    path("import/", views.ImportView.as_view(), name="import"),
]

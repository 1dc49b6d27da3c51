from django.urls import path

from . import views

urlpatterns = [
    path("projects/<slug:slug>/frameworks/", views.ProjectFrameworkListApiView.as_view(), name="project-frameworks"),
    path(
        "projects/<slug:slug>/frameworks/<str:key>/", views.ProjectFrameworkApiView.as_view(), name="project-framework"
    ),
    path(
        "projects/<slug:slug>/frameworks/<str:key>/oscal/",
        views.ProjectFrameworkOscalApiView.as_view(),
        name="project-framework-oscal",
    ),
    path("portfolio/frameworks/", views.PortfolioFrameworksApiView.as_view(), name="portfolio-frameworks"),
]

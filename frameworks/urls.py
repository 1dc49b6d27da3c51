from django.urls import path

from . import views

app_name = "frameworks"
urlpatterns = [
    path("projects/<slug:slug>/frameworks/", views.ProjectFrameworksView.as_view(), name="project"),
    path("projects/<slug:slug>/frameworks/<str:key>/", views.ProjectFrameworkView.as_view(), name="project-framework"),
    path("frameworks/portfolio/", views.PortfolioFrameworksView.as_view(), name="portfolio"),
]

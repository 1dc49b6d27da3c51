from django.urls import path

from . import framework_views, views

app_name = "reports"
urlpatterns = [
    path("portfolio/", views.PortfolioDashboardView.as_view(), name="portfolio"),
    path("portfolio/jobs/", views.PortfolioJobCreateView.as_view(), name="portfolio-job-create"),
    path("jobs/<int:pk>/", views.ReportJobDetailView.as_view(), name="job"),
    path("teams/<slug:slug>/", views.TeamDashboardView.as_view(), name="team"),
    path("projects/<slug:slug>/scorecard.pdf", views.ScorecardPdfView.as_view(), name="project-scorecard"),
    path("files/<int:pk>/", views.ReportDownloadView.as_view(), name="download"),
    path(
        "projects/<slug:slug>/frameworks/<str:key>.<str:fmt>",
        framework_views.FrameworkReportDownloadView.as_view(),
        name="project-framework-file",
    ),
]

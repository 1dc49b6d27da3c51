from django.urls import include, path

from . import views

reports_api = (
    [
        path("scorecards/<slug:slug>/", views.ScorecardApiView.as_view(), name="scorecard"),
        path("portfolio-jobs/", views.PortfolioJobListApiView.as_view(), name="portfolio-job-list"),
        path("portfolio-jobs/<int:pk>/", views.PortfolioJobDetailApiView.as_view(), name="portfolio-job-detail"),
        path("files/<int:pk>/", views.ReportDownloadApiView.as_view(), name="report-download"),
        path(
            "framework-reports/<slug:slug>/<str:key>/<str:fmt>/",
            views.FrameworkReportFileApiView.as_view(),
            name="framework-report-file",
        ),
    ],
    "reports-api",
)

urlpatterns = [
    path("reports/", include(reports_api)),
    path("portfolio/", views.PortfolioApiView.as_view(), name="portfolio"),
]

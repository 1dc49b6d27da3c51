from django.urls import re_path

from .views import (
    ProjectEvidenceView,
    ProjectGateHistoryView,
    ProjectGateView,
    ProjectStageView,
    ProjectThresholdsDecisionView,
    ProjectThresholdsView,
)

urlpatterns = [
    re_path(r"^projects/(?P<slug>[-a-zA-Z0-9_]+)/gate/?$", ProjectGateView.as_view(), name="api-project-gate"),
    re_path(
        r"^projects/(?P<slug>[-a-zA-Z0-9_]+)/gate/history/?$",
        ProjectGateHistoryView.as_view(),
        name="api-project-gate-history",
    ),
    re_path(
        r"^projects/(?P<slug>[-a-zA-Z0-9_]+)/evidence/?$", ProjectEvidenceView.as_view(), name="api-project-evidence"
    ),
    re_path(
        r"^projects/(?P<slug>[-a-zA-Z0-9_]+)/evaluation-thresholds/?$",
        ProjectThresholdsView.as_view(),
        name="api-project-thresholds",
    ),
    re_path(
        r"^projects/(?P<slug>[-a-zA-Z0-9_]+)/evaluation-thresholds/(?P<version>[0-9]{1,9})/decision/?$",
        ProjectThresholdsDecisionView.as_view(),
        name="api-project-thresholds-decision",
    ),
    re_path(r"^projects/(?P<slug>[-a-zA-Z0-9_]+)/stage/?$", ProjectStageView.as_view(), name="api-project-stage"),
]

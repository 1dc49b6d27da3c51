from django.urls import re_path

from . import views

urlpatterns = [
    re_path(
        r"^projects/(?P<slug>[-a-zA-Z0-9_]+)/assessments/?$",
        views.ProjectAssessmentsView.as_view(),
        name="api-project-assessments",
    ),
    re_path(r"^assessments/?$", views.AssessmentListView.as_view(), name="api-assessment-list"),
    re_path(r"^assessments/(?P<pk>[0-9]+)/?$", views.AssessmentDetailView.as_view(), name="api-assessment-detail"),
    re_path(
        r"^assessments/(?P<pk>[0-9]+)/answers/(?P<question_id>[-a-zA-Z0-9_.]+)/?$",
        views.AnswerView.as_view(),
        name="api-assessment-answer",
    ),
    re_path(
        r"^assessments/(?P<pk>[0-9]+)/answers/(?P<question_id>[-a-zA-Z0-9_.]+)/evidence/?$",
        views.AnswerEvidenceView.as_view(),
        name="api-assessment-answer-evidence",
    ),
    re_path(r"^assessments/(?P<pk>[0-9]+)/submit/?$", views.SubmitView.as_view(), name="api-assessment-submit"),
    re_path(r"^assessments/(?P<pk>[0-9]+)/review/?$", views.ReviewView.as_view(), name="api-assessment-review"),
    re_path(r"^assessments/(?P<pk>[0-9]+)/approval/?$", views.ApprovalView.as_view(), name="api-assessment-approval"),
    re_path(r"^approval-conditions/?$", views.ConditionListView.as_view(), name="api-approval-condition-list"),
    re_path(
        r"^approval-conditions/(?P<pk>[0-9]+)/close/?$",
        views.ConditionCloseView.as_view(),
        name="api-approval-condition-close",
    ),
    re_path(r"^approver-groups/?$", views.ApproverGroupListView.as_view(), name="api-approver-group-list"),
    re_path(
        r"^approver-groups/(?P<domain>[-a-z0-9_]+)/?$",
        views.ApproverGroupDetailView.as_view(),
        name="api-approver-group-detail",
    ),
    re_path(r"^assessments/(?P<pk>[0-9]+)/withdraw/?$", views.WithdrawView.as_view(), name="api-assessment-withdraw"),
    re_path(r"^assessments/(?P<pk>[0-9]+)/discard/?$", views.DiscardView.as_view(), name="api-assessment-discard"),
    re_path(
        r"^assessments/(?P<pk>[0-9]+)/assignments/?$",
        views.AssignmentsView.as_view(),
        name="api-assessment-assignments",
    ),
    re_path(
        r"^assessment-assignments/(?P<pk>[0-9]+)/?$",
        views.AssignmentDetailView.as_view(),
        name="api-assessment-assignment-detail",
    ),
]

from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("assessments/<int:pk>/", views.AssessmentDetailView.as_view(), name="detail"),
    path("assessments/<int:pk>/answers/<str:question_id>/", views.answer_save_view, name="answer-save"),
    path("assessments/<int:pk>/answers/<str:question_id>/evidence/", views.evidence_add_view, name="evidence-add"),
    path("assessments/evidence/<int:pk>/remove/", views.evidence_remove_view, name="evidence-remove"),
    path("assessments/evidence/<int:pk>/download/", views.evidence_download_view, name="evidence-download"),
    path("assessments/<int:pk>/submit/", views.AssessmentSubmitView.as_view(), name="submit"),
    path("assessments/<int:pk>/review/", views.AssessmentReviewView.as_view(), name="review"),
    path("assessments/conditions/<int:pk>/close/", views.condition_close_view, name="condition-close"),
    path("assessments/<int:pk>/reopen/", views.assessment_reopen_view, name="reopen"),
    path("assessments/<int:pk>/discard/", views.AssessmentDiscardView.as_view(), name="discard"),
    path("assessments/<int:pk>/withdraw/", views.AssessmentWithdrawView.as_view(), name="withdraw"),
    path("assessments/<int:pk>/assignments/", views.AssessmentAssignmentsView.as_view(), name="assignments"),
    path("assessments/assignments/<int:pk>/remove/", views.assignment_remove_view, name="assignment-remove"),
    path("projects/<slug:slug>/assessments/", views.project_assessments_view, name="project-list"),
    path("projects/<slug:slug>/assessments/start/", views.assessment_start_view, name="start"),
    path("projects/<slug:slug>/assessments/compare/", views.assessment_compare_view, name="compare"),
    path("attention/", views.attention_view, name="attention"),
]

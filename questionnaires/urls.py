from django.urls import path

from . import views

app_name = "questionnaires"
urlpatterns = [
    path("", views.QuestionnaireListView.as_view(), name="list"),
    path("schema.json", views.schema_view, name="schema"),
    path("<slug:slug>/<str:version>/", views.QuestionnaireDetailView.as_view(), name="detail"),
]

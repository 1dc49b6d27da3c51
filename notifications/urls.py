from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("inbox/", views.inbox_view, name="inbox"),
    path("inbox/<int:pk>/read/", views.mark_read_view, name="mark-read"),
    path("inbox/read-all/", views.mark_all_read_view, name="mark-all-read"),
    path("inbox/preferences/", views.PreferencesView.as_view(), name="preferences"),
]

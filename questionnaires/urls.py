app_name = "questionnaires"
urlpatterns = []

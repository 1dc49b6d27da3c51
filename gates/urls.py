app_name = "gates"
urlpatterns = []

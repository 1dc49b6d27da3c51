app_name = "connectors"
urlpatterns = []

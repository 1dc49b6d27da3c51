from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ApiTokenViewSet, MeView, UserViewSet

router = SimpleRouter()
router.trailing_slash = "/?"  # scripts may call /projects/x/archive with or without the slash
router.register("tokens", ApiTokenViewSet, basename="api-token")
router.register("users", UserViewSet, basename="api-user")

urlpatterns = [path("me", MeView.as_view(), name="api-me"), *router.urls]

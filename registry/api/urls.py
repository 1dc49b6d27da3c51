from rest_framework.routers import SimpleRouter

from .views import ComponentViewSet, ProjectViewSet, TeamViewSet

router = SimpleRouter()
router.trailing_slash = "/?"  # scripts may call /projects/x/archive with or without the slash
router.register("projects", ProjectViewSet, basename="api-project")
router.register("teams", TeamViewSet, basename="api-team")
router.register("components", ComponentViewSet, basename="api-component")

urlpatterns = router.urls

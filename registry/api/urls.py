from rest_framework.routers import SimpleRouter

from .views import ComponentViewSet, ProjectViewSet, TeamViewSet

router = SimpleRouter(trailing_slash="/?")
router.register("projects", ProjectViewSet, basename="api-project")
router.register("teams", TeamViewSet, basename="api-team")
router.register("components", ComponentViewSet, basename="api-component")

urlpatterns = router.urls

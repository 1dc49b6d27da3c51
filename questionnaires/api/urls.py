from rest_framework.routers import SimpleRouter

from .views import QuestionnaireVersionViewSet

router = SimpleRouter()
router.trailing_slash = "/?"  # as the other apps: with or without the trailing slash
router.register("questionnaires", QuestionnaireVersionViewSet, basename="questionnaire")
urlpatterns = router.urls

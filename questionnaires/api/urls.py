from rest_framework.routers import SimpleRouter

from .views import QuestionnaireVersionViewSet

router = SimpleRouter()
router.register("questionnaires", QuestionnaireVersionViewSet, basename="questionnaire")
urlpatterns = router.urls

from rest_framework import viewsets

from accounts.permissions import DEFAULT_API_PERMISSIONS
from questionnaires.models import QuestionnaireVersion

from .serializers import QuestionnaireVersionDetailSerializer, QuestionnaireVersionSerializer


class QuestionnaireVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Loaded questionnaire versions; the detail includes the normalised definition. Readable by every user."""

    queryset = QuestionnaireVersion.objects.order_by("slug", "-loaded_at", "-id")
    permission_classes = DEFAULT_API_PERMISSIONS
    filterset_fields = ["slug", "kind", "version"]
    search_fields = ["slug", "title"]
    ordering_fields = ["slug", "loaded_at", "version"]

    def get_serializer_class(self):
        return QuestionnaireVersionDetailSerializer if self.action == "retrieve" else QuestionnaireVersionSerializer

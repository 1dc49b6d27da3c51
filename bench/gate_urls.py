"""The production URLs plus two bench baselines: ``/bench/constant``, a bare DRF endpoint returning a constant, and
``/bench/projects/<slug>``, a bare DRF endpoint that authenticates the same API token as the gate and reads one
project row (what any authenticated per-project call costs at least)."""

from django.shortcuts import get_object_or_404
from django.urls import path
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import TokenScopePermission
from config.urls import urlpatterns as production_urlpatterns
from registry.models import Project


class ConstantView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        return Response({"allowed": True})


class ProjectRowView(APIView):
    """Token authentication and scope as the gate API, then one project row; no throttle, no verdict."""

    permission_classes = [IsAuthenticated, TokenScopePermission]
    throttle_classes = []

    def get(self, request, slug):
        project = get_object_or_404(Project.objects.only("id", "slug", "stage"), slug=slug)
        self.check_object_permissions(request, project)
        return Response({"slug": project.slug, "stage": project.stage})


urlpatterns = [
    path("bench/constant", ConstantView.as_view()),
    path("bench/projects/<slug:slug>", ProjectRowView.as_view()),
    *production_urlpatterns,
]

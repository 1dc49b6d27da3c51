"""The production URLs plus ``/bench/constant``: a bare DRF endpoint returning a constant (the bench baseline)."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as production_urlpatterns


class ConstantView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        return Response({"allowed": True})


urlpatterns = [path("bench/constant", ConstantView.as_view()), *production_urlpatterns]

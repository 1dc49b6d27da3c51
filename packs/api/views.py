"""Packs API: ML-BOMs (a project's, the portfolio's), a project's signed evidence pack, the public signing keys."""

import dataclasses

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import DEFAULT_API_PERMISSIONS
from packs import services, signing
from packs.views import BOM_CONTENT_TYPE, attachment
from registry.models import Project

BOM = {
    (200, "application/vnd.cyclonedx+json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description="A CycloneDX 1.6 ML-BOM (JSON)."
    )
}
NO_KEY = OpenApiResponse(description="The server has no usable signing key (an administrator must configure one).")


class SigningKeySerializer(serializers.Serializer):
    kid = serializers.CharField(help_text="First 16 hex digits of the SHA-256 of the raw public key.")
    current = serializers.BooleanField(help_text="False for a retired key, still served for older packs.")
    pem = serializers.CharField(help_text="The Ed25519 public key, PEM (SubjectPublicKeyInfo).")


class ProjectBomApiView(GenericAPIView):
    permission_classes = DEFAULT_API_PERMISSIONS
    queryset = Project.objects.all()
    lookup_field = "slug"
    serializer_class = None

    @extend_schema(
        summary="A project's ML-BOM (CycloneDX 1.6)",
        description=(
            "The project's registry components (models, datasets, vector stores, services) with their versions, "
            "and each component's current check readings as `plumbline:check:<id>:*` properties."
        ),
        responses=BOM,
        tags=["packs"],
    )
    def get(self, request, slug):
        project = self.get_object()
        data = services.ml_bom_json(projects=Project.objects.filter(pk=project.pk))
        return attachment(data, content_type=BOM_CONTENT_TYPE, filename=f"plumbline-ml-bom-{project.slug}.cdx.json")


class PortfolioBomApiView(GenericAPIView):
    permission_classes = DEFAULT_API_PERMISSIONS
    allow_project_tokens = False  # the portfolio spans every project
    serializer_class = None

    @extend_schema(summary="The portfolio's ML-BOM (CycloneDX 1.6)", responses=BOM, tags=["packs"])
    def get(self, request):
        data = services.ml_bom_json(projects=Project.objects.filter(archived_at__isnull=True), subject={})
        return attachment(data, content_type=BOM_CONTENT_TYPE, filename="plumbline-ml-bom-portfolio.cdx.json")


class EvidencePackApiView(GenericAPIView):
    permission_classes = DEFAULT_API_PERMISSIONS
    queryset = Project.objects.all()
    lookup_field = "slug"
    serializer_class = None

    @extend_schema(
        summary="Download a project's signed evidence pack (ZIP)",
        description=(
            "Frozen assessment records, check results with their facts, the ML-BOM and the PDFs, with a manifest "
            "of SHA-256 hashes signed by the server's Ed25519 key. Check it with `plumbline verify-pack`."
        ),
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The pack."),
            503: NO_KEY,
        },
        tags=["packs"],
    )
    def get(self, request, slug):
        project = self.get_object()
        try:
            filename, data = services.evidence_pack_build(project=project, user=request.user)
        except signing.SigningKeyError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return attachment(data, content_type="application/zip", filename=filename)


class SigningKeyListApiView(APIView):
    """Keys come from settings, not the database: a plain view, no queryset."""

    permission_classes = DEFAULT_API_PERMISSIONS

    @extend_schema(
        summary="The public keys evidence packs are signed with",
        description="The current key first, then retired keys still served so older packs keep verifying.",
        responses={200: SigningKeySerializer(many=True), 503: NO_KEY},
        tags=["packs"],
    )
    def get(self, request):
        try:
            keys = signing.public_keys()
        except signing.SigningKeyError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(SigningKeySerializer([dataclasses.asdict(k) for k in keys], many=True).data)

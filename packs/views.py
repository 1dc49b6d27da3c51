"""Pack pages: a project's ML-BOM and signed evidence pack, the portfolio ML-BOM, and the public signing keys."""

import json

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views import View

from accounts.permissions import can_view_project
from registry.models import Project

from . import services, signing

BOM_CONTENT_TYPE = "application/vnd.cyclonedx+json; version=1.6"


def attachment(data, *, content_type, filename):
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=0"
    return response


def no_key(exc):
    return HttpResponse(
        f"Evidence packs cannot be signed on this server: {exc} Tell an administrator.",
        status=503,
        content_type="text/plain; charset=utf-8",
    )


def _project(request, slug):
    project = get_object_or_404(Project, slug=slug)
    if not can_view_project(request.user, project):
        raise Http404
    return project


class ProjectBomView(View):
    def get(self, request, slug):
        project = _project(request, slug)
        data = services.ml_bom_json(projects=Project.objects.filter(pk=project.pk))
        return attachment(data, content_type=BOM_CONTENT_TYPE, filename=f"plumbline-ml-bom-{project.slug}.cdx.json")


class PortfolioBomView(View):
    def get(self, request):
        data = services.ml_bom_json(projects=Project.objects.filter(archived_at__isnull=True), subject={})
        return attachment(data, content_type=BOM_CONTENT_TYPE, filename="plumbline-ml-bom-portfolio.cdx.json")


class EvidencePackView(View):
    def get(self, request, slug):
        project = _project(request, slug)
        try:
            filename, data = services.evidence_pack_build(project=project, user=request.user)
        except signing.SigningKeyError as exc:
            return no_key(exc)
        return attachment(data, content_type="application/zip", filename=filename)


@method_decorator(login_not_required, name="dispatch")
class SigningKeyView(View):
    """The current public key (PEM), public by design: whoever holds a pack can check it without an account.
    The key id is in the ``Plumbline-Key-Id`` header and in the pack's manifest."""

    def get(self, request):
        try:
            current = signing.public_keys()[0]
        except signing.SigningKeyError:
            return HttpResponse("No signing key is configured on this server.", status=503, content_type="text/plain")
        response = HttpResponse(current.pem, content_type="application/x-pem-file")
        response["Plumbline-Key-Id"] = current.kid
        return response


@method_decorator(login_not_required, name="dispatch")
class SigningKeysView(View):
    """Every public key still served (the current one and retired ones), by id, for packs signed before a
    rotation."""

    def get(self, request):
        try:
            keys = signing.public_keys()
        except signing.SigningKeyError:
            return HttpResponse(
                json.dumps({"detail": "No signing key is configured on this server."}),
                status=503,
                content_type="application/json",
            )
        body = {
            "algorithm": signing.ALGORITHM,
            "keys": [{"kid": k.kid, "current": k.current, "pem": k.pem} for k in keys],
        }
        return HttpResponse(json.dumps(body, indent=2), content_type="application/json")

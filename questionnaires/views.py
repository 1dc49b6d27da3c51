"""Questionnaire pages: every signed-in user may read every questionnaire (governance works in the open)."""

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse
from django.shortcuts import render
from django.views import View

from . import selectors
from .validation import SCHEMA_PATH


class QuestionnaireListView(View):
    def get(self, request):
        return render(request, "questionnaires/list.html", {"versions": selectors.version_list()})


class QuestionnaireDetailView(View):
    def get(self, request, slug, version):
        questionnaire = selectors.version_detail(slug=slug, version=version)
        document = selectors.version_document(questionnaire)
        return render(request, "questionnaires/detail.html", {"questionnaire": questionnaire, **document})


@login_not_required
def schema_view(request):
    """The JSON Schema, public so editors (yaml-language-server) can fetch it by URL."""
    return FileResponse(SCHEMA_PATH.open("rb"), content_type="application/schema+json")

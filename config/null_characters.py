"""Refuse NUL characters in what a client sends, before any of it reaches a query.

PostgreSQL text and jsonb cannot hold U+0000, so a NUL in a slug lookup, a filter or a JSON answer would end as
a database error and a 500 (SQLite stores it silently, which is worse: a name nobody can see or type). Django's
and DRF's ``CharField`` already refuse it, but related-field lookups, filters and JSON values query or store the
raw string first. One rule at the edge, with a 400 that names the field, covers every endpoint and form
including those written later.

Two places apply it: ``RejectNullCharactersMiddleware`` for the URL, the query string and web form posts, and
the DRF parsers below for API bodies (every media type and method, which ``request.POST`` does not cover).
"""

from django.http import HttpResponseBadRequest, JsonResponse
from rest_framework import parsers
from rest_framework.exceptions import ValidationError

MESSAGE = "Null characters are not allowed."
NUL = "\x00"


def field_with_null_character(data, path=""):
    """Return the dotted path of the first key or value holding a NUL, or ``None`` when there is none.

    Uploaded files are not walked: binary content may hold NUL bytes and is stored as a file, not as text.
    """
    if isinstance(data, str):
        return (path or "non_field_errors") if NUL in data else None
    if hasattr(data, "lists"):  # QueryDict / MultiValueDict: check every value, not only the last of each key
        for key, values in data.lists():
            key_path = f"{path}.{key}" if path else key
            if NUL in key or any(isinstance(value, str) and NUL in value for value in values):
                return key_path.replace(NUL, "\\x00")
        return None
    if isinstance(data, dict):
        for key, value in data.items():
            key_path = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and NUL in key:
                return key_path.replace(NUL, "\\x00")
            found = field_with_null_character(value, key_path)
            if found:
                return found
    elif isinstance(data, (list, tuple)):
        for index, item in enumerate(data):
            found = field_with_null_character(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def _refuse_if_null(data):
    field = field_with_null_character(data)
    if field:
        raise ValidationError({field: [MESSAGE]})
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _refuse_if_null(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _refuse_if_null(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_if_null(parsed.data)
        return parsed


class RejectNullCharactersMiddleware:
    """Answer 400 to a request whose path, query string or web form post holds a NUL.

    API bodies are left to the parsers above, so an API client gets the field named in the usual error shape.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path_info.startswith("/api/")
        if NUL in request.path_info:
            field = "path"
        else:
            field = field_with_null_character(request.GET)
            if field is None and not is_api and request.method == "POST":
                field = field_with_null_character(request.POST)
        if field is None:
            return self.get_response(request)
        if is_api:
            return JsonResponse(
                {"detail": "The request has invalid fields; see errors.", "errors": {field: [MESSAGE]}}, status=400
            )
        return HttpResponseBadRequest(f"{MESSAGE} ({field})", content_type="text/plain; charset=utf-8")

"""Refuse characters no page or database can hold (NUL, lone UTF-16 surrogates) and unbounded JSON at the edge.

PostgreSQL text and jsonb cannot hold U+0000, so a NUL in a slug lookup, a filter or a JSON answer would end as
a database error and a 500 (SQLite stores it silently, which is worse: a name nobody can see or type). A lone
surrogate (JSON's ``"\\ud800"``) is stored fine but cannot be encoded as UTF-8, so every page showing it failed
for everyone, even after the value was fixed (the revision history kept it). Django's and DRF's ``CharField``
refuse NUL, but related-field lookups, filters and JSON values query or store the raw string first. One rule at
the edge, with a 400 that names the field, covers every endpoint and form including those written later; the
rule itself is ``config.limits.forbidden_character``.

Two places apply it: ``RejectNullCharactersMiddleware`` for the URL, the query string and web form posts, and
the DRF parsers below for API bodies (every media type and method, which ``request.POST`` does not cover). The
JSON parser also reads through ``config.limits.json_loads``, so a 100,000-deep body is a 400, not a
``RecursionError``.
"""

import codecs

from django.http import HttpResponseBadRequest, JsonResponse
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from . import limits

MESSAGE = limits.NUL_MESSAGE


def _refuse_forbidden(data):
    found = limits.forbidden_character(data)
    if found:
        raise ValidationError({found[0]: [found[1]]})
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
            return limits.json_loads(text)
        except UnicodeDecodeError:
            raise ParseError(f"JSON parse error - the body is not {encoding} text.") from None
        except limits.InputLimitError as exc:
            if exc.field is not None:
                raise ValidationError({exc.field: [exc.message]}) from None
            raise ParseError(f"JSON parse error - {exc.message}") from None


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _refuse_forbidden(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_forbidden(parsed.data)
        return parsed


class RejectNullCharactersMiddleware:
    """Answer 400 to a request whose path, query string or web form post holds a NUL or a lone surrogate.

    API bodies are left to the parsers above, so an API client gets the field named in the usual error shape.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path_info.startswith("/api/")
        if message := limits.character_problem(request.path_info):
            found = ("path", message)
        else:
            found = limits.forbidden_character(request.GET)
            if found is None and not is_api and request.method == "POST":
                found = limits.forbidden_character(request.POST)
        if found is None:
            return self.get_response(request)
        field, message = found
        if is_api:
            return JsonResponse(
                {"detail": "The request has invalid fields; see errors.", "errors": {field: [message]}}, status=400
            )
        return HttpResponseBadRequest(f"{message} ({field})", content_type="text/plain; charset=utf-8")

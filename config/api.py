"""API conventions shared by every app: one pagination style and one error shape.

Errors always look like ``{"detail": "...", "errors": {"field": ["message", ...]}}`` so scripts need one parser.
"""

from collections.abc import Mapping
from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.relations import ManyRelatedField, SlugRelatedField
from rest_framework.response import Response
from rest_framework.utils import html
from rest_framework.views import exception_handler as drf_exception_handler


class OptionalURLField(serializers.URLField):
    """A URL, or "" when there is none, documented so (drf-spectacular: a URI or an empty string). A model's blank
    URLField becomes a plain URLField in a read-only ModelSerializer field, whose schema calls "" a bad URI."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)


class TextOnlyMixin:
    """In a JSON API request a text field takes text: DRF's own also takes a number (as its digits), which the
    schema calls invalid. Files read by the import (YAML numbers in text fields) keep DRF's conversion."""

    def to_internal_value(self, data):
        request = self.context.get("request")
        if not isinstance(data, str) and request is not None and not html.is_html_input(self.root.initial_data):
            self.fail("not_text")
        return super().to_internal_value(data)


class CharField(TextOnlyMixin, serializers.CharField):
    default_error_messages = {"not_text": "Send text (a JSON string)."}


class SlugField(TextOnlyMixin, serializers.SlugField):
    default_error_messages = {"not_text": "Send text (a JSON string)."}


class BooleanField(serializers.BooleanField):
    """In a JSON API request a boolean takes ``true`` or ``false``: DRF's own also takes 0, 1, "yes", "off"...,
    which the schema calls invalid. HTML forms (which send text) keep DRF's conversion."""

    default_error_messages = {"not_boolean": "Send true or false (a JSON boolean)."}

    def to_internal_value(self, data):
        request = self.context.get("request")
        if not isinstance(data, bool) and request is not None and not html.is_html_input(self.root.initial_data):
            self.fail("not_boolean")
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    """The project's ModelSerializer: text and boolean model fields take only their JSON type (see
    ``TextOnlyMixin``, ``BooleanField``)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.SlugField: SlugField,
        models.BooleanField: BooleanField,
    }


class ListOnlyManyRelatedField(ManyRelatedField):
    """A list of references, and only a list: DRF's own also takes a JSON object, as the list of its keys."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class NullableSlugRelatedField(SlugRelatedField):
    """A reference by slug where null (or leaving it out) means none. In JSON an empty string is refused, not read
    as null as DRF's relational fields do (HTML forms, which cannot send null, still send "" for none)."""

    default_error_messages = {"blank": "Send null, or leave the field out, for none; an empty string names nothing."}

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        if data == "" and not html.is_html_input(getattr(self.root, "initial_data", None)):
            self.fail("blank")
        return super().run_validation(data)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def get_page_number(self, request, paginator):
        """An empty ``page`` is an invalid page (404, as ``page=abc`` is), not silently the first."""
        if request.query_params.get(self.page_query_param) == "":
            raise exceptions.NotFound(self.invalid_page_message.format(page_number="", message="no page number"))
        return super().get_page_number(request, paginator)

    def get_page_size(self, request):
        """A ``page_size`` that is not a whole number from 1 to the maximum is refused (400), not silently replaced."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= self.max_page_size):
            raise exceptions.ValidationError({"page_size": [f"Enter a whole number from 1 to {self.max_page_size}."]})
        return super().get_page_size(request)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": "The request has invalid fields; see errors.", "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "errors": {}}
    return response


def error_response(detail, *, errors=None, status_code=status.HTTP_400_BAD_REQUEST, headers=None):
    """Build a response in the shared error shape, for views that answer an error themselves."""
    return Response({"detail": detail, "errors": errors or {}}, status=status_code, headers=headers)


class JsonErrorsForApiMiddleware:
    """Every error under ``/api/`` answers JSON in the shared shape, also where DRF never runs: unknown paths, a
    path whose parameter does not match, Django's own 400/404/405 pages and the DEBUG pages (the demo)."""

    KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not request.path_info.startswith("/api/")
            or response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        if response.status_code == 404:
            detail = "Not found: nothing at this address. The API's endpoints are listed in its schema, /api/schema/."
        elif response.status_code == 405:
            detail = f"Method {request.method} is not allowed here."
        elif response.status_code >= 500:
            detail = "Server error: the request could not be completed; try again, or tell an administrator."
        elif response.status_code in HTTPStatus._value2member_map_:
            detail = f"{HTTPStatus(response.status_code).phrase}."
        else:
            detail = "The request could not be completed."
        json_response = JsonResponse({"detail": detail, "errors": {}}, status=response.status_code)
        for header in self.KEPT_HEADERS:
            if header in response:
                json_response[header] = response[header]
        return json_response


def server_error(request, *args, **kwargs):
    """The 500 handler: API clients get the shared error shape in JSON (a CI script parses it), people the page.

    Like Django's own handler it uses no database and no context processor, since either may be what failed.
    """
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": "Server error: the request could not be completed; try again, or tell an administrator.",
                "errors": {},
            },
            status=500,
        )
    return defaults.server_error(request, *args, **kwargs)

"""API conventions shared by every app: one pagination style and one error shape.

Errors always look like ``{"detail": "...", "errors": {"field": ["message", ...]}}`` so scripts need one parser.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


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

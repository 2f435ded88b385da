"""One error envelope for every status >= 400 (docs/api.md "Conventions")."""

import logging
from typing import Any

from django.core import exceptions as django_exceptions
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from taskboard.errors import ConflictError, FieldsChangedError, PreconditionFailedError

logger = logging.getLogger(__name__)

CHANGED_MESSAGE = "Changed by someone else since you read it."

CODES_BY_STATUS = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    429: "throttled",
    500: "server_error",
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, *, reason: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since you read it."
    default_code = "precondition_failed"

    def __init__(self, detail: str | None = None, *, current: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        # A merge by field's conflicting fields and their current values (FieldsChangedError).
        self.current = current


def envelope(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def error_response(status_code: int, message: str) -> JsonResponse:
    """The envelope for answers made outside DRF (unknown paths, crashes)."""
    code = CODES_BY_STATUS.get(status_code, "validation_error" if status_code < 500 else "server_error")
    return JsonResponse(envelope(code, message), status=status_code)


def _as_drf_exception(exc: Exception) -> Exception:
    if isinstance(exc, django_exceptions.ValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, django_exceptions.ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, ConflictError):
        return Conflict(str(exc) or None, reason=exc.reason)
    if isinstance(exc, FieldsChangedError):
        return PreconditionFailed(str(exc), current=exc.current)
    if isinstance(exc, PreconditionFailedError):
        return PreconditionFailed(str(exc) or None)
    if isinstance(exc, TokenError):
        # Views convert it (as SimpleJWT's own do); one that escapes is still a bad token, not a 500.
        return InvalidToken(exc.args[0] if exc.args else None)
    return exc


def _flatten(detail: Any) -> Any:
    """DRF error details to plain strings, keeping the field structure."""
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def _validation_envelope(detail: Any) -> dict[str, Any]:
    if isinstance(detail, list):
        detail = {"non_field_errors": detail}
    fields = _flatten(detail)
    non_field = fields.get("non_field_errors")
    if non_field and len(fields) == 1:
        message = str(non_field[0])
    else:
        names = [name for name in fields if name != "non_field_errors"]
        message = "Invalid input: " + ", ".join(names) + "."
    return envelope("validation_error", message, fields)


def _render_as_json(context: dict[str, Any]) -> None:
    """Errors are JSON even from views that render something else (the schema's YAML, the
    Swagger page's HTML): DRF renders the response with the request's renderer."""
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _as_drf_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        # Not an API error: ApiErrorMiddleware logs it and answers 500 in the envelope.
        return None
    _render_as_json(context)
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_envelope(exc.detail)
        return response
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        code = (
            "authentication_failed"
            if isinstance(exc, exceptions.AuthenticationFailed)
            else "not_authenticated"
        )
    elif isinstance(exc, Http404 | exceptions.NotFound):
        code = "not_found"
    else:
        code = CODES_BY_STATUS.get(response.status_code, "validation_error")
    detail = getattr(exc, "detail", None)
    if isinstance(detail, dict):
        # SimpleJWT's InvalidToken carries {"detail", "code", "messages"}.
        message = str(detail.get("detail", "")) or str(detail)
    elif isinstance(exc, Http404):
        message = "Not found."
    else:
        message = str(detail) if detail is not None else str(exc)
    response.data = envelope(code, message)
    if isinstance(exc, Conflict) and exc.reason is not None:
        # Which rule refused it, for clients; the code stays `conflict` (docs/api.md).
        response.data["error"]["reason"] = exc.reason
    if isinstance(exc, PreconditionFailed) and exc.current is not None:
        response.data["error"]["fields"] = {field: [CHANGED_MESSAGE] for field in exc.current}
        response.data["error"]["current"] = exc.current
    return response


# A 404 whatever the request carries: without this, a POST with a session cookie and no
# CSRF token would get the CSRF refusal instead.
@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/ answer in the envelope, not with an HTML page."""
    return error_response(404, "No such endpoint.")

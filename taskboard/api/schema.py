"""OpenAPI pieces every app's views share: the error envelope and the usual error answers."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorEnvelope = inline_serializer(
    name="ErrorEnvelope",
    fields={
        "error": inline_serializer(
            name="Error",
            fields={
                "code": serializers.ChoiceField(
                    choices=[
                        "validation_error",
                        "not_authenticated",
                        "authentication_failed",
                        "permission_denied",
                        "not_found",
                        "method_not_allowed",
                        "conflict",
                        "precondition_failed",
                        "payload_too_large",
                        "throttled",
                        "server_error",
                    ]
                ),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    required=False,
                    help_text="Only for validation_error: the messages per field.",
                ),
            },
        )
    },
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorEnvelope, description=description)


INVALID = error("validation_error: the body or a parameter is malformed or a value is not acceptable.")
NOT_AUTHENTICATED = error("not_authenticated / authentication_failed: no valid credentials.")
PERMISSION_DENIED = error("permission_denied: your role on the board does not allow this.")
NOT_FOUND = error("not_found: no such resource, or not on a board you belong to.")
PAGE_NOT_FOUND = error("not_found: no such page (past the last one).")
CONFLICT = error("conflict: the target list is at its WIP limit.")
PRECONDITION_FAILED = error("precondition_failed: the If-Match version is stale; reload the task.")

# The answers every endpoint of a board can give besides its own.
BOARD_ERRORS = {401: NOT_AUTHENTICATED, 403: PERMISSION_DENIED, 404: NOT_FOUND}

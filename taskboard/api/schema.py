"""OpenAPI pieces every app's views share: the error envelope and the usual error answers."""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
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
                    help_text=(
                        "For validation_error: the messages per field; (added: issue 13) for "
                        "precondition_failed of a merge by field: the conflicting fields."
                    ),
                ),
                "current": serializers.DictField(
                    child=serializers.JSONField(),
                    required=False,
                    help_text=(
                        "(added: issue 13) Only for precondition_failed of a merge by field: the "
                        "conflicting fields' current values, as the task shows them."
                    ),
                ),
                "reason": serializers.CharField(
                    required=False,
                    help_text='(added: issue 13) Only for some conflicts: which rule, e.g. "wip_limit".',
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
CONFLICT = error('conflict: the target list is at its WIP limit (reason "wip_limit").')
PRECONDITION_FAILED = error("precondition_failed: the If-Match version is stale; reload the task.")
FIELDS_CHANGED = error(
    "precondition_failed: the If-Match version is stale; or, with `base`, fields changed here were "
    "changed by someone else too: `fields` names them, `current` holds their current values."
)

# The answers every endpoint of a board can give besides its own.
BOARD_ERRORS = {401: NOT_AUTHENTICATED, 403: PERMISSION_DENIED, 404: NOT_FOUND}

THROTTLED = error("throttled: too many requests; see Retry-After.")
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds until the request may be sent again.",
)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, plus the 429 (with Retry-After) of every operation that a request
    rate limits (taskboard/api/throttles.py), whether or not a rate is set where the schema
    is made: the contract is the same in every environment."""

    def _throttled(self) -> bool:
        from taskboard.api.throttles import RateThrottle  # throttles import the accounts app

        return any(
            isinstance(throttle, RateThrottle)
            and (throttle.methods is None or self.method in throttle.methods)
            for throttle in self.view.get_throttles()
        )

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._throttled() and not any(
            isinstance(parameter, OpenApiParameter) and parameter.name == "Retry-After"
            for parameter in parameters
        ):
            parameters.append(RETRY_AFTER)
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if self._throttled() and "429" not in responses:
            responses["429"] = self._get_response_for_code(THROTTLED, "429", direction=direction)
        return responses

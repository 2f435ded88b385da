"""OpenAPI pieces every app's views share: the error envelope and the usual error answers,
the schema class (settings: DEFAULT_SCHEMA_CLASS) and the hook adding the answers every
operation of a kind gives (SPECTACULAR_SETTINGS: POSTPROCESSING_HOOKS)."""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import force_instance, is_serializer
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers

from .pagination import MAX_PAGE_SIZE

MESSAGES = {"type": "array", "items": {"type": "string"}}


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"oneOf": [MESSAGES, {"type": "object", "additionalProperties": MESSAGES}]},
    }
)
class FieldErrorsField(serializers.DictField):
    """{"title": ["..."]}, or for a list field {"ids": {"0": ["..."]}}."""


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
                "fields": FieldErrorsField(
                    required=False,
                    help_text=(
                        "For validation_error: the messages per field (a field holding a list has "
                        "an object instead, with the messages per index of the list); (added: "
                        "issue 13) for precondition_failed of a merge by field: the conflicting fields."
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

# --- answers every operation of a kind can give, added to the generated schema -----------

ENVELOPE_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}


def _answer(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ENVELOPE_REF}}}


INVALID_ANSWER = _answer(
    "validation_error: the body or a parameter is malformed or a value is not acceptable."
)


def document_common_errors(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: the errors that come from the request's form rather than
    from one view, on every operation that can give them.

    - 415: a body that is not JSON, on every operation that reads one (DRF's parser);
    - 400: `page_size` that is not a positive integer, on every page-numbered or cursor list.

    (429 is added by AutoSchema, where a throttle limits the operation.)
    """
    for operations in result["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            if "requestBody" in operation:
                responses.setdefault(
                    "415",
                    _answer("validation_error: the body is not JSON (send Content-Type: application/json)."),
                )
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] in {"page", "page_size"}:
                    parameter["schema"]["minimum"] = 1
                if parameter["in"] == "query" and parameter["name"] == "page_size":
                    parameter["description"] = (
                        f"Results per page, 1 to {MAX_PAGE_SIZE} (more is taken as {MAX_PAGE_SIZE})."
                    )
                    responses.setdefault("400", INVALID_ANSWER)
    return result


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
    is made: the contract is the same in every environment; and the request bodies as the
    views read them."""

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

    def _get_request_for_media_type(self, serializer: Any, direction: Any = "request") -> Any:
        instance: Any = force_instance(serializer)
        if (
            self.method == "PATCH"
            and is_serializer(instance)
            and any(field.required for field in getattr(instance, "fields", {}).values())
        ):
            # The views check a PATCH body against the whole serializer (requests.validated):
            # what it requires is required on PATCH too, where drf-spectacular would make
            # every field optional.
            self.method = "PUT"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        schema, required = super()._get_request_for_media_type(serializer, direction)
        if not required and is_serializer(instance):
            # A body whose every alternative (anyOf, set by a serializer extension) requires
            # some field can't be left out.
            component = self.resolve_serializer(instance, direction)
            alternatives: list[dict[str, Any]] = ((component.schema or {}) if component else {}).get(
                "anyOf", []
            )
            required = bool(alternatives) and all(option.get("required") for option in alternatives)
        return schema, required

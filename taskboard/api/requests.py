"""What the API views read from a request: the caller, validated input, and the
conditional headers (If-None-Match, If-Match) of docs/api.md "Conventions"."""

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.http import parse_etags
from rest_framework import exceptions, serializers
from rest_framework.request import Request

# Each input serializer's fields, copied and bound once per process and class. DRF deep-
# copies and binds the declared fields for every serializer instance, which cost ~9 % of the
# CPU of a POST task (docs/benchmarks.md); validating only reads them (our fields keep no
# state, and validated() passes neither instance, context nor partial, the things bound
# fields read from their parent).
_bound_fields: dict[type[serializers.Serializer], Any] = {}


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The validated input, or a ValidationError (400 in the envelope). Only the keys the
    client sent are present (what PATCH needs); unknown keys are dropped."""
    fields = _bound_fields.get(serializer_class)
    if fields is None:
        fields = _bound_fields[serializer_class] = serializer_class().fields
    serializer = serializer_class(data=data)
    # `fields` is a cached_property: the serializer takes the bound ones instead of its own.
    serializer.__dict__["fields"] = fields
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def validated_for_write(
    serializer_class: type[serializers.Serializer], request: Request, *, authorize: Callable[[], object]
) -> dict[str, Any]:
    """validated(), for a view whose service checks the caller's role itself, under the
    board's lock, so that the view reads nothing before (one query less on the API's
    busiest writes). `authorize` (which raises 404 or 403) runs only when the input is
    refused: a caller who may not write gets the 404 or 403, never the 400, as when views
    authorize first (docs/api.md "Conventions")."""
    try:
        # request.data parses the body here: a body that doesn't parse is refused too.
        return validated(serializer_class, request.data)
    except exceptions.APIException:
        # The body refused: not valid (400), not parseable (400), not JSON (415).
        authorize()
        raise


def if_none_match(headers: Mapping[str, str], etag: str) -> bool:
    """True when the client's If-None-Match names `etag` (weak comparison, as RFC 9110
    asks for this header) or is `*`."""
    header = headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag in {tag.removeprefix("W/") for tag in tags}


class IfMatch:
    """The If-Match header of a request whose resource versions are integers.

    `present` says whether the client sent one; `versions` are the versions it accepts
    (None for `*`: any). Weak and non-numeric tags can never match (strong comparison).
    """

    def __init__(self, headers: Mapping[str, str]) -> None:
        header = headers.get("If-Match")
        self.present = bool(header and header.strip())
        self.versions: frozenset[int] | None = frozenset()
        if not self.present:
            self.versions = None
            return
        assert header is not None
        tags = parse_etags(header)
        if "*" in tags:
            self.versions = None
            return
        versions = set()
        for tag in tags:
            value = tag[1:-1] if tag.startswith('"') else ""
            if value.isascii() and value.isdigit():
                versions.add(int(value))
        self.versions = frozenset(versions)

    def matches(self, version: int) -> bool:
        return self.versions is None or version in self.versions

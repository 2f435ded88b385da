"""What the API views read from a request: the caller, validated input, and the
conditional headers (If-None-Match, If-Match) of API.md "Conventions"."""

from collections.abc import Mapping
from typing import Any

from django.utils.http import parse_etags
from rest_framework import serializers
from rest_framework.request import Request

from accounts.models import User


def request_user(request: Request) -> User:
    """The authenticated caller (the default IsAuthenticated permission ran first)."""
    user = request.user
    assert isinstance(user, User)
    return user


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The validated input, or a ValidationError (400 in the envelope). Only the keys the
    client sent are present (what PATCH needs); unknown keys are dropped."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


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

"""No client input answers 5xx: every URL pattern of the API, the pages and the admin, with
every method, as every kind of caller, with empty, junk and wrongly shaped bodies, with
real ids, ids no row can have and junk where the path allows it.

The patterns come from the URL resolver, so endpoints added later are walked without a
change here. Each request runs in a savepoint that is rolled back, so a DELETE early in
the walk doesn't hide the endpoints after it behind 404s. Under /api/ every refusal must
also be the error envelope.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from accounts.models import User
from boards.models import Board
from tests.api.matrix import World, make_world

pytestmark = pytest.mark.django_db

METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
WRITES = {"POST", "PUT", "PATCH"}
HUGE_ID = str(10**30)
# The one number just past a bigint: the first that can't reach PostgreSQL.
PAST_BIGINT = str(2**63)

# Field names the forms and serializers use, all given the same bad value.
FORM_FIELDS = [
    "title", "description", "body", "name", "color", "email", "role", "list_id", "index",
    "position", "after_id", "id", "ids", "all", "archived", "completed", "wip_limit", "user_id",
    "version", "due_at", "priority", "label_ids", "assignee_ids", "confirm_title", "password",
    "old_password", "new_password", "new_password1", "new_password2", "username", "timezone",
    "refresh", "token", "uid", "page", "page_size", "next", "action", "_selected_action",
    "transfer-user_id", "new-list-title", "new-list-wip_limit",
]  # fmt: skip
# (name, content type, body) for POST, PUT and PATCH; the other methods send none.
Body = tuple[str, str | None, bytes]
EMPTY: Body = ("empty", None, b"")
JSON_BODIES: list[Body] = [
    ("junk bytes", "application/json", b"\xff\xfe{not json\x00"),
    ("wrong shape", "application/json", b'[1, "x", null, {"title": [[]]}]'),
]
# "²".isdigit() is True but int("²") fails; a number past any column.
FORM_BODIES: list[Body] = [
    (
        f"form {value}",
        "application/x-www-form-urlencoded",
        "&".join(f"{field}={value}" for field in FORM_FIELDS).encode(),
    )
    for value in ("%C2%B2", "9" * 30)
]

# Query parameters the views read (filters, pagination, cursors), all with bad values.
QUERY_FIELDS = [
    "assignee", "label", "priority", "due", "q", "after", "before", "page", "page_size", "cursor",
    "ordering", "completed", "list_id", "board_id", "archived", "unread", "fragment", "next",
    "search", "due_before", "due_after", "format", "lang", "script",
]  # fmt: skip
QUERIES = [
    ("query %C2%B2", "&".join(f"{field}=%C2%B2" for field in QUERY_FIELDS)),
    ("query huge", "&".join(f"{field}={HUGE_ID}" for field in QUERY_FIELDS)),
]

# <converter:name> of path(), (?P<name>regex) of re_path().
PLACEHOLDER = re.compile(
    r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<group>\w+)>(?P<regex>[^)]*)\)"
)


@dataclass(frozen=True)
class Route:
    """One URL pattern, as a template with its parameters."""

    template: str
    # name -> converter ("int", "str", "path", ...) or "regex:<its pattern>".
    params: dict[str, str]
    model_admin: Any

    def fill(self, values: dict[str, str]) -> str:
        def value(match: re.Match[str]) -> str:
            return values[match.group("name") or match.group("group")]

        return "/" + PLACEHOLDER.sub(value, self.template)


def routes() -> Iterator[Route]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[Route]:
        for pattern in patterns:
            text = prefix + str(pattern.pattern).replace("^", "").replace("$", "").replace("\\Z", "")
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, text)
            elif isinstance(pattern, URLPattern):
                params = {}
                for match in PLACEHOLDER.finditer(text):
                    if match.group("group"):
                        params[match.group("group")] = "regex:" + match.group("regex")
                    else:
                        params[match.group("name")] = match.group("converter") or "str"
                yield Route(text, params, getattr(pattern.callback, "model_admin", None))

    return walk(get_resolver().url_patterns, "")


def real_values(world: World, route: Route) -> dict[str, str]:
    """Ids of the World's rows by parameter name; a regex group gets the first candidate
    its pattern takes."""
    ids = {
        "board_id": world.board_id,
        "list_id": world.board_list.pk,
        "task_id": world.task.pk,
        "label_id": world.label.pk,
        "comment_id": world.member_comment.pk,
        "user_id": world.target.pk,
        "invitation_id": world.invitation.pk,
        "token": world.invitation_token,
        "uidb64": "MQ",
        "content_type_id": ContentType.objects.get_for_model(Board).pk,
        "object_id": world.board_id,
    }
    if route.model_admin is not None:
        first = route.model_admin.model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        ids["object_id"] = first if first is not None else 1
    values = {}
    for name, converter in route.params.items():
        if converter.startswith("regex:"):
            regex = converter.removeprefix("regex:")
            candidates = ["boards", "accounts", "x", "1"]
            values[name] = next((c for c in candidates if re.fullmatch(regex, c)), "x")
        else:
            values[name] = str(ids.get(name, 1))
    return values


def variants(world: World, route: Route) -> Iterator[tuple[str, str]]:
    """(what, path): the real path, then ids past every bound and junk where allowed."""
    real = real_values(world, route)
    yield "real", route.fill(real)
    if not route.params:
        return
    for what, bad in (("huge", HUGE_ID), ("past bigint", PAST_BIGINT), ("junk", "x")):
        values = {
            name: bad if converter in {"int", "str", "path", "slug", "id"} else real[name]
            for name, converter in route.params.items()
        }
        path = route.fill(values)
        try:
            resolve(path)
        except Resolver404:
            continue
        yield what, path


def is_envelope(response: Any) -> bool:
    if not response["Content-Type"].startswith("application/json"):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return (
        isinstance(error, dict)
        and isinstance(error.get("code"), str)
        and isinstance(error.get("message"), str)
    )


def make_caller(world: World, caller: str) -> Client:
    client = Client(raise_request_exception=False)
    if caller == "staff":
        user = User.objects.create_superuser(email="staff@example.com", password="not-used-1234")
        client.force_login(user)
    elif caller != "anonymous":
        client.force_login(world.roles.user(caller))
    return client


def call(client: Client, method: str, path: str, content_type: str | None, body: bytes) -> Any:
    cookies = SimpleCookie(client.cookies)
    # Rolled back: the next request finds the World as it was.
    with transaction.atomic():
        kwargs: dict[str, Any] = {}
        if content_type is not None:
            kwargs["content_type"] = content_type
        response = client.generic(method, path, body, **kwargs)
        transaction.set_rollback(True)
    # A logout (or a login) must not change who the next request is.
    client.cookies = cookies
    return response


CALLERS = ["anonymous", "outsider", "viewer", "owner", "staff"]
# The admin's views answer every method but POST as a GET: walking the others too would
# only render the same pages again.
ADMIN_METHODS = ["GET", "POST"]


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    # Which variant of the path and which body, for the failure message.
    what: str
    content_type: str | None = None
    body: bytes = b""


def requests_for(route: Route, world: World, caller: str) -> Iterator[Request]:
    is_admin = route.template.startswith("admin/")
    for what, path in variants(world, route):
        # The bad ids and junk go through the owner (and the admin's through staff): a
        # caller with less access is refused sooner, on the paths the real ids walk.
        if what != "real" and caller not in {"owner", "staff"}:
            continue
        for method in ADMIN_METHODS if is_admin else METHODS:
            if what != "real":
                # What a bad id must not break is the lookup: one request per method.
                yield Request(method, path, what)
            elif method in WRITES:
                for body_name, content_type, body in bodies_for(method, caller, is_admin):
                    yield Request(method, path, f"{what}, {body_name}", content_type, body)
            else:
                yield Request(method, path, what)
                if method == "GET":
                    for query_name, query in QUERIES[: 1 if is_admin or caller == "outsider" else None]:
                        yield Request(method, f"{path}?{query}", f"{what}, {query_name}")


def bodies_for(method: str, caller: str, is_admin: bool) -> list[Body]:
    """Every body for POST; the JSON ones for PUT and PATCH (no page takes them). The
    admin reads forms only, and an outsider is refused before any body is read."""
    if is_admin or caller == "outsider":
        return [EMPTY, FORM_BODIES[0]] if method == "POST" else [EMPTY]
    return [EMPTY, *JSON_BODIES, *FORM_BODIES] if method == "POST" else [EMPTY, *JSON_BODIES]


def problem_of(request: Request, response: Any) -> str:
    if response.status_code >= 500:
        return "5xx"
    if (
        request.url.startswith("/api/")
        and request.method != "HEAD"
        and response.status_code >= 400
        and not is_envelope(response)
    ):
        return "not the envelope"
    return ""


@pytest.mark.parametrize("caller", CALLERS)
def test_no_request_answers_5xx(caller: str) -> None:
    world = make_world()
    client = make_caller(world, caller)
    failures: list[str] = []
    walked = 0

    for route in routes():
        # The admin is for staff; anonymous callers walk its login redirects too.
        if route.template.startswith("admin/") != (caller == "staff") and caller != "anonymous":
            continue
        # Limits (throttles, login failures) count per test; every route starts afresh.
        cache.clear()
        for request in requests_for(route, world, caller):
            response = call(client, request.method, request.url, request.content_type, request.body)
            walked += 1
            problem = problem_of(request, response)
            if problem:
                failures.append(
                    f"{problem}: {caller} {request.method} {request.url} ({request.what}) -> "
                    f"{response.status_code} {response.content[:120]!r}"
                )

    assert walked > 100
    assert not failures, f"{len(failures)} of {walked} requests failed:\n" + "\n".join(failures)

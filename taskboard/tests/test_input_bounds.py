"""Input a client controls costs at most what the limits allow and never answers 500:
bodies over the size limit (413), JSON nested too deep (400), ids past any column, and
OPTIONS on every kind of view (docs/security.md "Input bounds and errors")."""

import json

import pytest
from django.conf import settings
from django.test import Client

from activity.models import Notification
from boards.models import Board
from boards.tests.snapshots import board_snapshot
from taskboard.bounded_json import MAX_JSON_DEPTH, nesting_exceeds
from tests.api.http import Api, error_of
from tests.api.matrix import World, make_world

pytestmark = pytest.mark.django_db

TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def world() -> World:
    return make_world()


def quiet_client() -> Client:
    # A 500 comes back as a response (as it would to a real client), not as the exception.
    return Client(raise_request_exception=False)


# Bodies over the size limit


def test_the_limit_is_one_mebibyte_by_default() -> None:
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024


def test_a_10_mb_json_body_is_a_413_envelope_and_creates_nothing(world: World) -> None:
    api = Api(world.roles.owner, quiet_client())
    boards_before = Board.objects.count()
    body = json.dumps({"title": "Big", "description": "x" * TEN_MB})

    response = api.client.post("/api/v1/boards/", body, content_type="application/json", headers=api.headers)

    assert response.status_code == 413
    assert error_of(response) == {
        "code": "payload_too_large",
        "message": "The request body is too large.",
    }
    assert Board.objects.count() == boards_before


def test_a_body_one_byte_over_the_limit_is_refused_and_one_at_it_is_read(world: World) -> None:
    api = Api(world.roles.owner, quiet_client())
    head = b'{"title": "Fits", "padding": "'
    tail = b'"}'
    at_limit = head + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - len(head) - len(tail)) + tail

    over = api.client.post(
        "/api/v1/boards/", at_limit + b" ", content_type="application/json", headers=api.headers
    )
    at = api.client.post("/api/v1/boards/", at_limit, content_type="application/json", headers=api.headers)

    assert over.status_code == 413
    assert at.status_code == 201
    assert at.json()["title"] == "Fits"


def test_a_10_mb_form_on_a_page_is_the_413_page(world: World) -> None:
    client = quiet_client()
    client.force_login(world.roles.owner)
    boards_before = Board.objects.count()

    response = client.post("/boards/", {"title": "x" * TEN_MB})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert b"Too much at once" in response.content
    assert Board.objects.count() == boards_before


# JSON nesting


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000],
    ids=["100,000-deep array", "5,000-deep object"],
)
def test_deeply_nested_json_is_a_400_envelope(world: World, body: str) -> None:
    api = Api(world.roles.owner, quiet_client())
    before = board_snapshot(world.board_id)

    response = api.client.patch(
        f"/api/v1/boards/{world.board_id}/", body, content_type="application/json", headers=api.headers
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in error["message"]
    assert board_snapshot(world.board_id) == before


def test_json_nested_up_to_the_bound_is_parsed(world: World) -> None:
    api = Api(world.roles.owner)
    # The body's own object is the first level; an unknown field is ignored.
    ignored = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)

    response = api.client.patch(
        f"/api/v1/boards/{world.board_id}/",
        f'{{"title": "Nested", "ignored": {ignored}}}',
        content_type="application/json",
        headers=api.headers,
    )

    assert response.status_code == 200
    assert response.json()["title"] == "Nested"


@pytest.mark.parametrize(
    ("text", "exceeds"),
    [
        ("[" * 3 + "]" * 3, False),
        ("[" * 4 + "]" * 4, True),
        # Brackets inside strings (escaped quotes included) don't nest.
        ('["[[[[", "\\"[[[[", {"k": "{{{{"}]', False),
        ('[{"a": [[1]]}]', True),
        ('[1], [2], [3], {"a": {}}', False),
    ],
)
def test_nesting_is_measured_without_parsing(text: str, exceeds: bool) -> None:
    assert nesting_exceeds(text, limit=3) is exceeds


# Ids past any column


def test_marking_a_notification_with_an_id_past_bigint_read_is_a_400(world: World) -> None:
    api = Api(world.roles.owner, quiet_client())

    response = api.post("notifications/read/", {"ids": [99999999999999999999999]})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "ids": {"0": ["Ensure this value is less than or equal to 9223372036854775807."]}
    }
    assert Notification.objects.filter(read=True).count() == 0


@pytest.mark.parametrize("value", ["99999999999999999999999", "²", "-1", ""])
def test_the_notifications_page_ignores_ids_no_row_can_have(world: World, value: str) -> None:
    client = quiet_client()
    client.force_login(world.roles.owner)
    mine = Notification.objects.get(user=world.roles.owner)

    response = client.post("/notifications/read/", {"id": [value, str(mine.pk)]})

    assert response.status_code == 303
    assert list(Notification.objects.filter(read=True).values_list("pk", flat=True)) == [mine.pk]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/boards/99999999999999999999999/",
        "/api/v1/tasks/99999999999999999999999/",
        "/api/v1/tasks/9223372036854775808/comments/",
        "/boards/99999999999999999999999/",
        "/tasks/9223372036854775808/",
    ],
)
def test_an_id_past_bigint_in_a_path_is_a_404(world: World, path: str) -> None:
    client = quiet_client()
    client.force_login(world.roles.owner)

    response = client.get(path)

    assert response.status_code == 404


# OPTIONS


@pytest.mark.parametrize(
    ("path", "name", "allow"),
    [
        ("boards/", "Board List", "GET, POST, HEAD, OPTIONS"),
        ("boards/{w.board_id}/labels/", "Label List", "GET, POST, HEAD, OPTIONS"),
        ("boards/{w.board_id}/tasks/", "Board Task List", "GET, POST, HEAD, OPTIONS"),
        ("tasks/{w.task.pk}/comments/", "Comment List", "GET, POST, HEAD, OPTIONS"),
        ("boards/{w.board_id}/", "Board Detail", "GET, PATCH, DELETE, HEAD, OPTIONS"),
    ],
)
def test_options_describes_the_endpoint(world: World, path: str, name: str, allow: str) -> None:
    api = Api(world.roles.viewer, quiet_client())

    response = api.request("OPTIONS", path.format(w=world))

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == name
    assert body["renders"] == ["application/json"]
    assert body["parses"] == ["application/json"]
    assert response["Allow"] == allow


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/schema/"])
def test_options_on_the_documentation_is_a_405_envelope(world: World, path: str) -> None:
    response = quiet_client().options(path)

    assert response.status_code == 405
    assert error_of(response) == {"code": "method_not_allowed", "message": 'Method "OPTIONS" not allowed.'}

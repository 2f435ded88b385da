"""Notifications, live (docs/live-updates.md, "Notifications"): a new notification reaches
every open socket of its user, on every instance — board sockets and the pages' own
`/ws/notifications/` — and nobody else's; marking read sends the new unread count; the
notifications socket authenticates and closes on revocation as the board socket does."""

from __future__ import annotations

import json
import time

import pytest
from websockets.sync.client import ClientConnection

from accounts.tests.factories import UserFactory
from activity.models import Notification
from activity.notification_links import notification_open_url
from boards.models import Role
from boards.tests.factories import BoardFactory, BoardListFactory, MembershipFactory
from tasks.tests.factories import TaskFactory

from .clients import board_path, close_code, next_frame, next_frame_of, open_socket
from .conftest import access_token
from .servers import AsgiServer
from .test_revocation import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

NOTIFICATIONS_PATH = "/ws/notifications/"
UNAUTHENTICATED = 4401


def frames_until_quiet(ws: ClientConnection, quiet: float = 0.75) -> list[str]:
    """The types of every frame but presence until none came for `quiet` seconds."""
    frames = []
    try:
        while True:
            frames.append(json.loads(ws.recv(timeout=quiet))["type"])
    except TimeoutError:
        return [kind for kind in frames if kind != "presence"]


def test_a_mention_reaches_every_socket_of_the_mentioned_user_on_every_instance_and_no_one_else(
    asgi_servers: list[AsgiServer],
) -> None:
    first, second = asgi_servers
    dana = UserFactory.create(name="Dana")
    erin = UserFactory.create(name="Erin", email="erin@example.com")
    max_ = UserFactory.create(name="Max")
    board = BoardFactory.create(created_by=dana)
    for user in (erin, max_):
        MembershipFactory.create(board=board, user=user, role=Role.MEMBER)
    task = TaskFactory.create(list=BoardListFactory.create(board=board), title="Launch", created_by=dana)
    path = board_path(board.pk)

    with (
        open_socket(first, path, token=access_token(erin)) as erin_board_a,
        open_socket(second, path, token=access_token(erin)) as erin_board_b,
        open_socket(second, NOTIFICATIONS_PATH, token=access_token(erin)) as erin_page_b,
        open_socket(first, path, token=access_token(max_)) as max_board,
        open_socket(second, NOTIFICATIONS_PATH, token=access_token(max_)) as max_page,
        open_socket(first, path, token=access_token(dana)) as dana_board,
    ):
        for ws in (erin_board_a, erin_board_b, max_board, dana_board):
            assert next_frame(ws)["type"] == "hello"
        assert next_frame(erin_page_b) == {"type": "hello", "unread": 0}
        assert next_frame(max_page) == {"type": "hello", "unread": 0}

        status, _ = first.request(
            "POST",
            f"/api/v1/tasks/{task.pk}/comments/",
            token=access_token(dana),
            body={"body": "@erin@example.com can you look?"},
        )
        assert status == 201
        received = [next_frame_of(ws, "notification") for ws in (erin_board_a, erin_board_b, erin_page_b)]
        others = [frames_until_quiet(ws) for ws in (max_board, max_page, dana_board)]

    notification = Notification.objects.get(user=erin)
    expected = {
        "type": "notification",
        "notification": {
            "id": notification.pk,
            "kind": "mention",
            "board_id": board.pk,
            "task_id": task.pk,
            "text": "Dana mentioned you on “Launch”",
            "read": False,
            "created_at": notification.created_at.isoformat().replace("+00:00", "Z"),
        },
        "url": notification_open_url(notification),
        "unread": 1,
    }
    assert received == [expected, expected, expected]
    # The other members' board sockets get the comment's event, and no notification.
    assert others == [["event"], [], ["event"]]


def test_marking_read_sends_the_unread_count_to_the_users_sockets(asgi_servers: list[AsgiServer]) -> None:
    first, second = asgi_servers
    erin = UserFactory.create()
    board = BoardFactory.create(created_by=erin)
    notifications = [
        Notification.objects.create(user=erin, board=board, kind="mention", text=f"n{n}") for n in range(3)
    ]

    with (
        open_socket(first, NOTIFICATIONS_PATH, token=access_token(erin)) as page_a,
        open_socket(second, board_path(board.pk), token=access_token(erin)) as board_b,
    ):
        assert next_frame(page_a) == {"type": "hello", "unread": 3}
        assert next_frame(board_b)["type"] == "hello"

        status, _ = first.request(
            "POST",
            "/api/v1/notifications/read/",
            token=access_token(erin),
            body={"ids": [notifications[0].pk]},
        )
        assert status == 204
        one_read = [next_frame_of(ws, "notifications_read") for ws in (page_a, board_b)]
        status, _ = second.request(
            "POST", "/api/v1/notifications/read/", token=access_token(erin), body={"all": True}
        )
        assert status == 204
        all_read = [next_frame_of(ws, "notifications_read") for ws in (page_a, board_b)]

    assert one_read == [{"type": "notifications_read", "unread": 2}] * 2
    assert all_read == [{"type": "notifications_read", "unread": 0}] * 2


def test_the_notifications_socket_opens_with_a_session_cookie_and_says_the_unread_count(
    server: AsgiServer,
) -> None:
    erin = UserFactory.create()
    Notification.objects.create(
        user=erin, board=BoardFactory.create(created_by=erin), kind="mention", text="x"
    )

    with open_socket(server, NOTIFICATIONS_PATH, cookie=session_cookie(erin), origin=server.http_url) as ws:
        assert next_frame(ws) == {"type": "hello", "unread": 1}


@pytest.mark.parametrize("headers", [{}, {"token": "not-a-token"}], ids=["anonymous", "bad token"])
def test_the_notifications_socket_without_credentials_is_closed_with_4401(
    server: AsgiServer, headers: dict[str, str]
) -> None:
    with open_socket(server, NOTIFICATIONS_PATH, **headers) as ws:
        assert close_code(ws) == UNAUTHENTICATED


def test_a_frame_other_than_auth_gets_an_error_and_the_socket_stays(server: AsgiServer) -> None:
    erin = UserFactory.create()

    with open_socket(server, NOTIFICATIONS_PATH, token=access_token(erin)) as ws:
        next_frame(ws)
        ws.send(json.dumps({"type": "resync", "since": 0}))
        error = next_frame(ws)
        ws.send(json.dumps({"type": "auth", "token": access_token(erin)}))
        renewed = next_frame(ws)

    assert (error["type"], error["code"]) == ("error", "bad_request")
    assert renewed["type"] == "auth_ok"


def test_signing_out_everywhere_closes_the_notifications_socket_with_4401(
    asgi_servers: list[AsgiServer],
) -> None:
    first, second = asgi_servers
    erin = UserFactory.create()
    token = access_token(erin)

    with open_socket(first, NOTIFICATIONS_PATH, token=token) as ws:
        next_frame(ws)
        started = time.monotonic()
        status, _ = second.request("POST", "/api/v1/auth/logout-all/", token=token)
        assert status == 204
        code = close_code(ws, timeout=5)

    assert code == UNAUTHENTICATED
    assert time.monotonic() - started < 2

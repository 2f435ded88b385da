"""/ws/boards/<id>/ on a real uvicorn process with Redis: authentication, close codes, the
Origin check, tickets, hello, resync, presence, and losing access while connected."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from accounts.ws_tickets import ws_ticket_issue
from activity.models import Activity
from boards import services as board_services
from boards.models import Board, Membership
from boards.tests.factories import BoardListFactory, MembershipFactory, board_with_roles
from tests.plugins.processes import wait_until

from .clients import board_path, close_code, next_frame, next_frame_of, open_socket, refused_status
from .conftest import RESYNC_MAX_EVENTS, access_token
from .servers import AsgiServer

pytestmark = pytest.mark.django_db(transaction=True)

UNAUTHENTICATED = 4401
NOT_FOUND = 4404


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def create_task(server: AsgiServer, user: Any, board: Board, list_id: int, title: str) -> dict[str, Any]:
    status, body = server.request(
        "POST",
        f"/api/v1/boards/{board.pk}/tasks/",
        token=access_token(user),
        body={"list_id": list_id, "title": title},
    )
    assert status == 201, body
    return body


# -- authentication and close codes ---------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "member", "viewer"])
def test_every_role_gets_hello_with_the_latest_seq(server: AsgiServer, role: str) -> None:
    given = board_with_roles()
    Board.objects.filter(pk=given.board.pk).update(event_seq=7)

    with open_socket(server, board_path(given.board.pk), token=access_token(given.user(role))) as ws:
        hello = next_frame(ws)

    assert hello == {"type": "hello", "board_id": given.board.pk, "seq": 7}


def test_an_outsider_is_closed_with_4404(server: AsgiServer) -> None:
    given = board_with_roles()

    with open_socket(server, board_path(given.board.pk), token=access_token(given.outsider)) as ws:
        code = close_code(ws)

    assert code == NOT_FOUND


def test_a_board_that_does_not_exist_is_4404(server: AsgiServer) -> None:
    user = UserFactory.create()

    with open_socket(server, board_path(987654321), token=access_token(user)) as ws:
        code = close_code(ws)

    assert code == NOT_FOUND


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"token": "not-a-jwt"},
        {"token": ""},
    ],
    ids=["no credentials", "garbage token", "empty token"],
)
def test_no_or_bad_credentials_are_closed_with_4401(server: AsgiServer, headers: dict[str, str]) -> None:
    given = board_with_roles()

    with open_socket(server, board_path(given.board.pk), **headers) as ws:
        code = close_code(ws)

    assert code == UNAUTHENTICATED


def test_an_inactive_users_token_is_4401(server: AsgiServer) -> None:
    given = board_with_roles()
    token = access_token(given.member)
    given.member.is_active = False
    given.member.save(update_fields=["is_active"])

    with open_socket(server, board_path(given.board.pk), token=token) as ws:
        code = close_code(ws)

    assert code == UNAUTHENTICATED


def test_an_access_token_in_the_url_is_not_accepted(server: AsgiServer) -> None:
    given = board_with_roles()
    token = access_token(given.member)

    with open_socket(server, board_path(given.board.pk) + f"?token={token}&access_token={token}") as ws:
        code = close_code(ws)

    assert code == UNAUTHENTICATED


# -- browsers: the session cookie and the Origin check --------------------------------------


def test_a_browser_with_the_session_cookie_and_an_allowed_origin_connects(server: AsgiServer) -> None:
    given = board_with_roles()

    with open_socket(
        server, board_path(given.board.pk), cookie=session_cookie(given.member), origin=server.http_url
    ) as ws:
        hello = next_frame(ws)

    assert hello["type"] == "hello"


def test_a_handshake_from_another_origin_is_refused(server: AsgiServer) -> None:
    given = board_with_roles()

    status = refused_status(
        server,
        board_path(given.board.pk),
        cookie=session_cookie(given.member),
        origin="http://evil.example",
    )

    assert status == 403


def test_origin_null_is_refused(server: AsgiServer) -> None:
    given = board_with_roles()

    status = refused_status(
        server, board_path(given.board.pk), cookie=session_cookie(given.member), origin="null"
    )

    assert status == 403


def test_the_session_cookie_without_an_origin_is_ignored(server: AsgiServer) -> None:
    given = board_with_roles()

    with open_socket(server, board_path(given.board.pk), cookie=session_cookie(given.member)) as ws:
        code = close_code(ws)

    assert code == UNAUTHENTICATED


def test_a_bearer_token_works_from_any_origin(server: AsgiServer) -> None:
    given = board_with_roles()

    with open_socket(
        server, board_path(given.board.pk), token=access_token(given.member), origin="https://app.example"
    ) as ws:
        hello = next_frame(ws)

    assert hello["type"] == "hello"


def test_an_unknown_ws_path_is_refused(server: AsgiServer) -> None:
    user = UserFactory.create()

    assert refused_status(server, "/ws/nothing/", token=access_token(user)) == 403
    assert refused_status(server, "/ws/boards/1234567890123456789/", token=access_token(user)) == 403


# -- tickets --------------------------------------------------------------------------------


def test_a_ticket_from_the_api_opens_one_socket_as_its_user(server: AsgiServer) -> None:
    given = board_with_roles()
    status, body = server.request("POST", "/api/v1/auth/ws-ticket/", token=access_token(given.member))
    assert status == 200
    assert sorted(body) == ["expires_in", "ticket"]
    assert body["expires_in"] == 30

    with open_socket(server, board_path(given.board.pk, ticket=body["ticket"])) as first:
        hello = next_frame(first)
        presence = next_frame_of(first, "presence")
    with open_socket(server, board_path(given.board.pk, ticket=body["ticket"])) as second:
        reused = close_code(second)

    assert hello["type"] == "hello"
    assert presence["users"] == [{"id": given.member.pk, "name": given.member.name}]
    assert reused == UNAUTHENTICATED


def test_a_ticket_is_refused_once_expired(server: AsgiServer, settings: Any) -> None:
    given = board_with_roles()
    settings.LIVE_TICKET_TTL_SECONDS = 1
    ticket, ttl = ws_ticket_issue(user_id=given.member.pk)
    assert ttl == 1
    # Redis expires the key; waiting is the only honest way to see it.
    time.sleep(1.5)

    with open_socket(server, board_path(given.board.pk, ticket=ticket)) as ws:
        code = close_code(ws)

    assert code == UNAUTHENTICATED


def test_a_ticket_of_an_outsider_is_4404(server: AsgiServer) -> None:
    given = board_with_roles()
    ticket, _ = ws_ticket_issue(user_id=given.outsider.pk)

    with open_socket(server, board_path(given.board.pk, ticket=ticket)) as ws:
        code = close_code(ws)

    assert code == NOT_FOUND


def test_the_ticket_endpoint_needs_authentication(server: AsgiServer) -> None:
    status, body = server.request("POST", "/api/v1/auth/ws-ticket/", token="nope")

    assert status == 401
    assert body["error"]["code"] in {"not_authenticated", "authentication_failed"}


# -- events, resync, malformed frames -------------------------------------------------------


def test_a_write_reaches_the_socket_as_an_event(server: AsgiServer) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)

    with open_socket(server, board_path(given.board.pk), token=access_token(given.viewer)) as ws:
        hello = next_frame(ws)
        task = create_task(server, given.member, given.board, todo.pk, "Write the spec")
        event = next_frame_of(ws, "event")

    activity = Activity.objects.get(board=given.board, seq=hello["seq"] + 1)
    assert event == {
        "type": "event",
        "seq": hello["seq"] + 1,
        "verb": "task.created",
        "actor": {"id": given.member.pk, "name": given.member.name},
        "data": activity.data,
        "at": activity.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "lists": [{"id": todo.pk, "total": 1, "wip_limit": None, "at_limit": False}],
    }
    assert event["data"]["id"] == task["id"]


def test_resync_after_a_disconnect_replays_exactly_the_missed_events(server: AsgiServer) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    with open_socket(server, board_path(given.board.pk), token=access_token(given.viewer)) as ws:
        seen = next_frame(ws)["seq"]
    titles = ["one", "two", "three"]
    for title in titles:
        create_task(server, given.member, given.board, todo.pk, title)

    with open_socket(server, board_path(given.board.pk), token=access_token(given.viewer)) as ws:
        hello = next_frame(ws)
        ws.send(json.dumps({"type": "resync", "since": seen}))
        replayed = [next_frame_of(ws, "event") for _ in titles]
        create_task(server, given.member, given.board, todo.pk, "four")
        live = next_frame_of(ws, "event")

    assert hello["seq"] == seen + 3
    assert [(e["seq"], e["verb"], e["data"]["title"]) for e in replayed] == [
        (seen + 1, "task.created", "one"),
        (seen + 2, "task.created", "two"),
        (seen + 3, "task.created", "three"),
    ]
    assert replayed[0]["data"] == Activity.objects.get(board=given.board, seq=seen + 1).data
    assert (live["seq"], live["data"]["title"]) == (seen + 4, "four")


def test_a_replay_carries_the_counts_the_live_events_carried(server: AsgiServer) -> None:
    # The lists' counts and the comment count are stored with the event (Activity.envelope):
    # a client that missed the events is told exactly what those who saw them were told.
    given = board_with_roles()
    todo, doing = BoardListFactory.create_batch(2, board=given.board)
    token = access_token(given.member)
    with open_socket(server, board_path(given.board.pk), token=access_token(given.viewer)) as ws:
        seen = next_frame(ws)["seq"]
        task = create_task(server, given.member, given.board, todo.pk, "Card")
        writes: list[tuple[str, str, dict[str, Any]]] = [
            ("PATCH", f"/api/v1/tasks/{task['id']}/", {"list_id": doing.pk}),
            ("POST", f"/api/v1/tasks/{task['id']}/comments/", {"body": "First"}),
        ]
        for method, path, body in writes:
            status, answer = server.request(method, path, token=token, body=body)
            assert status in (200, 201), answer
        live = [next_frame_of(ws, "event") for _ in range(3)]

    with open_socket(server, board_path(given.board.pk), token=access_token(given.viewer)) as ws:
        next_frame(ws)
        ws.send(json.dumps({"type": "resync", "since": seen}))
        replayed = [next_frame_of(ws, "event") for _ in live]

    assert replayed == live
    assert [frame["verb"] for frame in live] == ["task.created", "task.moved", "comment.created"]
    assert live[0]["lists"] == [{"id": todo.pk, "total": 1, "wip_limit": None, "at_limit": False}]
    assert live[1]["lists"] == [
        {"id": todo.pk, "total": 0, "wip_limit": None, "at_limit": False},
        {"id": doing.pk, "total": 1, "wip_limit": None, "at_limit": False},
    ]
    assert live[2]["task"] == {"id": task["id"], "comment_count": 1}


def test_resync_from_too_far_back_or_from_the_future_answers_reset(server: AsgiServer) -> None:
    given = board_with_roles()
    Board.objects.filter(pk=given.board.pk).update(event_seq=RESYNC_MAX_EVENTS + 5)

    with open_socket(server, board_path(given.board.pk), token=access_token(given.member)) as ws:
        next_frame(ws)
        ws.send(json.dumps({"type": "resync", "since": 4}))
        too_old = next_frame_of(ws, "reset")
        ws.send(json.dumps({"type": "resync", "since": RESYNC_MAX_EVENTS + 6}))
        future = next_frame_of(ws, "reset")

    assert too_old == future == {"type": "reset"}


def test_resync_at_the_latest_seq_sends_nothing(server: AsgiServer) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)

    with open_socket(server, board_path(given.board.pk), token=access_token(given.member)) as ws:
        latest = next_frame(ws)["seq"]
        ws.send(json.dumps({"type": "resync", "since": latest}))
        create_task(server, given.member, given.board, todo.pk, "next")
        event = next_frame_of(ws, "event")

    assert event["seq"] == latest + 1


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1, 2]",
        '{"type": "shout"}',
        '{"type": "resync"}',
        '{"type": "resync", "since": -1}',
        '{"type": "resync", "since": "3"}',
        '{"type": "resync", "since": true}',
        b"\x00\x01binary",
        "[" * 10_000,
        '{"type": "resync", "since": ' + "[" * 5_000 + "}",
    ],
)
def test_a_malformed_frame_gets_an_error_and_the_socket_stays_usable(server: AsgiServer, frame: Any) -> None:
    given = board_with_roles()
    board_services.list_create(board_id=given.board.pk, actor=given.member, title="To do")

    with open_socket(server, board_path(given.board.pk), token=access_token(given.member)) as ws:
        latest = next_frame(ws)["seq"]
        ws.send(frame)
        error = next_frame_of(ws, "error")
        ws.send(json.dumps({"type": "resync", "since": max(latest - 1, 0)}))
        replay = next_frame_of(ws, "event")

    assert error["code"] == "bad_request"
    assert replay["seq"] == latest


def test_a_frame_longer_than_any_client_sends_closes_the_socket_with_1009(server: AsgiServer) -> None:
    given = board_with_roles()

    with open_socket(server, board_path(given.board.pk), token=access_token(given.member)) as ws:
        next_frame(ws)
        ws.send(json.dumps({"type": "resync", "since": 0, "padding": "x" * 20_000}))
        code = close_code(ws)

    assert code == 1009


# -- losing access --------------------------------------------------------------------------


def test_a_removed_member_is_closed_with_4404_and_the_others_get_the_event(server: AsgiServer) -> None:
    given = board_with_roles()
    path = board_path(given.board.pk)

    with (
        open_socket(server, path, token=access_token(given.member)) as removed,
        open_socket(server, path, token=access_token(given.member)) as removed_second_tab,
        open_socket(server, path, token=access_token(given.viewer)) as other,
    ):
        for ws in (removed, removed_second_tab, other):
            next_frame(ws)
        status, _ = server.request(
            "DELETE",
            f"/api/v1/boards/{given.board.pk}/members/{given.member.pk}/",
            token=access_token(given.admin),
        )
        assert status == 204
        codes = [close_code(removed, timeout=5), close_code(removed_second_tab, timeout=5)]
        event = next_frame_of(other, "event", timeout=5)

    assert codes == [NOT_FOUND, NOT_FOUND]
    assert (event["verb"], event["data"]["user"]["id"]) == ("member.removed", given.member.pk)
    assert not Membership.objects.filter(board=given.board, user=given.member).exists()


def test_a_member_who_leaves_is_closed_with_4404(server: AsgiServer) -> None:
    given = board_with_roles()

    with open_socket(server, board_path(given.board.pk), token=access_token(given.viewer)) as ws:
        next_frame(ws)
        status, _ = server.request(
            "DELETE",
            f"/api/v1/boards/{given.board.pk}/members/{given.viewer.pk}/",
            token=access_token(given.viewer),
        )
        code = close_code(ws, timeout=5)

    assert (status, code) == (204, NOT_FOUND)


def test_deleting_the_board_closes_every_socket_with_4404(server: AsgiServer) -> None:
    given = board_with_roles()
    path = board_path(given.board.pk)

    with (
        open_socket(server, path, token=access_token(given.owner)) as owner,
        open_socket(server, path, token=access_token(given.viewer)) as viewer,
    ):
        next_frame(owner)
        next_frame(viewer)
        status, _ = server.request(
            "DELETE", f"/api/v1/boards/{given.board.pk}/", token=access_token(given.owner)
        )
        codes = [close_code(owner, timeout=5), close_code(viewer, timeout=5)]

    assert (status, codes) == (204, [NOT_FOUND, NOT_FOUND])


# -- presence -------------------------------------------------------------------------------


def test_presence_lists_each_viewer_once_until_their_last_tab_closes(
    server: AsgiServer, redis_server: Any
) -> None:
    given = board_with_roles()
    path = board_path(given.board.pk)

    def brief(user: Any) -> dict[str, Any]:
        return {"id": user.pk, "name": user.name}

    def by_name(*users: Any) -> list[dict[str, Any]]:
        return sorted((brief(user) for user in users), key=lambda u: (u["name"], u["id"]))

    def presence_until(ws: Any, users: list[dict[str, Any]]) -> dict[str, Any]:
        while True:
            frame = next_frame_of(ws, "presence")
            if frame["users"] == users:
                return frame

    def viewer_entries() -> int:
        entries = redis_server.client().zrange(f"tb:live:presence:{given.board.pk}", 0, -1)
        return sum(1 for entry in entries if entry.decode().startswith(f"{given.viewer.pk}:"))

    with open_socket(server, path, token=access_token(given.member)) as watcher:
        next_frame(watcher)
        alone = presence_until(watcher, by_name(given.member))
        with (
            open_socket(server, path, token=access_token(given.viewer)) as tab1,
            open_socket(server, path, token=access_token(given.viewer)) as tab2,
        ):
            next_frame(tab1)
            next_frame(tab2)
            joined = presence_until(watcher, by_name(given.member, given.viewer))
            tab1.close()
            wait_until(lambda: viewer_entries() == 1 or None, timeout=10, what="tab1 to leave")
            with open_socket(server, path, token=access_token(given.owner)) as owner:
                next_frame(owner)
                with_one_tab = presence_until(watcher, by_name(given.member, given.viewer, given.owner))
        after = presence_until(watcher, by_name(given.member))

    assert alone["count"] == 1
    assert joined["count"] == 2
    assert with_one_tab["count"] == 3
    assert after["count"] == 1


def test_a_new_member_can_connect_right_after_being_added(server: AsgiServer) -> None:
    given = board_with_roles()
    newcomer = UserFactory.create()
    MembershipFactory.create(board=given.board, user=newcomer)

    with open_socket(server, board_path(given.board.pk), token=access_token(newcomer)) as ws:
        hello = next_frame(ws)

    assert hello["type"] == "hello"

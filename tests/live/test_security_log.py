"""Every refused socket writes one `taskboard.security` line (live/socket_security.py): the
reason, the user when known, the board, the request id of the upgrade request and the
client's address; never the token, the ticket, the cookie or the query string."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from accounts.ws_tickets import ws_ticket_issue
from boards.tests.factories import board_with_roles
from tests.plugins.processes import wait_until

from .clients import board_path, close_code, next_frame, open_socket, refused_status
from .conftest import access_token
from .servers import AsgiServer

pytestmark = pytest.mark.django_db(transaction=True)

UNAUTHENTICATED = 4401
NOT_FOUND = 4404


def security_lines(server: AsgiServer, request_id: str) -> list[dict[str, Any]]:
    """The security lines of the socket opened with `request_id`. A line is written before
    the close (or the refused handshake) the client has seen, and flushed as it is written."""

    def found() -> list[dict[str, Any]] | None:
        lines = [
            json.loads(line) for line in server.log_file.read_text().splitlines() if line.startswith("{")
        ]
        mine = [
            line
            for line in lines
            if line.get("request_id") == request_id and line["logger"] == "taskboard.security"
        ]
        return mine or None

    lines: list[dict[str, Any]] = wait_until(found, timeout=10, what="the socket's security line")
    return lines


def session_cookie(user: Any) -> tuple[str, str]:
    client = Client()
    client.force_login(user)
    key = client.cookies["sessionid"].value
    return f"sessionid={key}", key


def new_request_id() -> str:
    return f"ws-sec-{uuid.uuid4().hex}"


@pytest.mark.parametrize(
    ("credentials", "reason"),
    [({}, "no credential"), ({"token": "not-a-jwt-secret-value"}, "token refused")],
    ids=["no credential", "garbage token"],
)
def test_an_unauthenticated_socket_writes_one_line(
    server: AsgiServer, credentials: dict[str, str], reason: str
) -> None:
    given = board_with_roles()
    request_id = new_request_id()

    with open_socket(server, board_path(given.board.pk), request_id=request_id, **credentials) as ws:
        code = close_code(ws)

    [line] = security_lines(server, request_id)
    assert code == UNAUTHENTICATED
    assert line["level"] == "WARNING"
    assert line["message"] == (
        f"WebSocket refused: code=4401 reason={reason} socket=board user=(none) "
        f"board={given.board.pk} client=127.0.0.1"
    )
    assert "not-a-jwt-secret-value" not in server.log_file.read_text()


def test_a_revoked_token_names_no_user_and_not_the_token(server: AsgiServer) -> None:
    given = board_with_roles()
    token = access_token(given.member)
    given.member.is_active = False
    given.member.save(update_fields=["is_active"])
    request_id = new_request_id()

    with open_socket(server, board_path(given.board.pk), token=token, request_id=request_id) as ws:
        code = close_code(ws)

    [line] = security_lines(server, request_id)
    assert code == UNAUTHENTICATED
    assert "reason=token refused" in line["message"]
    assert token not in server.log_file.read_text()
    assert token.split(".")[2] not in server.log_file.read_text()


@pytest.mark.parametrize("how", ["used", "expired", "unknown"])
def test_a_refused_ticket_writes_one_line_without_the_ticket(
    server: AsgiServer, settings: Any, how: str
) -> None:
    given = board_with_roles()
    settings.LIVE_TICKET_TTL_SECONDS = 1
    ticket, _ = ws_ticket_issue(user_id=given.member.pk)
    if how == "used":
        with open_socket(server, board_path(given.board.pk, ticket=ticket)) as first:
            assert next_frame(first)["type"] == "hello"
    elif how == "expired":
        time.sleep(1.5)  # Redis expires the key: waiting is the only honest way to see it
    else:
        ticket = "unknown-ticket-" + uuid.uuid4().hex
    request_id = new_request_id()

    with open_socket(server, board_path(given.board.pk, ticket=ticket), request_id=request_id) as ws:
        code = close_code(ws)

    [line] = security_lines(server, request_id)
    assert code == UNAUTHENTICATED
    assert line["message"] == (
        "WebSocket refused: code=4401 reason=ticket refused (unknown, used or expired) socket=board "
        f"user=(none) board={given.board.pk} client=127.0.0.1"
    )
    assert ticket not in server.log_file.read_text()


def test_an_outsider_is_4404_with_their_user_id(server: AsgiServer) -> None:
    given = board_with_roles()
    token = access_token(given.outsider)
    request_id = new_request_id()

    with open_socket(server, board_path(given.board.pk), token=token, request_id=request_id) as ws:
        code = close_code(ws)

    [line] = security_lines(server, request_id)
    assert code == NOT_FOUND
    assert line["message"] == (
        "WebSocket refused: code=4404 reason=not a member or no such board socket=board "
        f"user={given.outsider.pk} board={given.board.pk} client=127.0.0.1"
    )
    assert (line["user_id"], line["board_id"]) == (given.outsider.pk, given.board.pk)
    assert token not in server.log_file.read_text()


def test_a_board_that_does_not_exist_is_4404_with_its_id(server: AsgiServer) -> None:
    user = UserFactory.create()
    request_id = new_request_id()

    with open_socket(server, board_path(987654321), token=access_token(user), request_id=request_id) as ws:
        code = close_code(ws)

    [line] = security_lines(server, request_id)
    assert code == NOT_FOUND
    assert f"user={user.pk} board=987654321 client=127.0.0.1" in line["message"]


def test_a_refused_origin_writes_one_line_without_the_cookie(server: AsgiServer) -> None:
    given = board_with_roles()
    cookie, session_key = session_cookie(given.member)
    request_id = new_request_id()

    status = refused_status(
        server,
        board_path(given.board.pk),
        cookie=cookie,
        origin="http://evil.example",
        request_id=request_id,
    )

    [line] = security_lines(server, request_id)
    assert status == 403
    assert line["message"] == (
        "WebSocket refused: code=403 reason=origin refused socket=board user=(none) "
        f"board={given.board.pk} client=127.0.0.1"
    )
    assert session_key not in server.log_file.read_text()


def test_a_session_revoked_while_open_writes_one_line(server: AsgiServer) -> None:
    given = board_with_roles()
    cookie, session_key = session_cookie(given.member)
    request_id = new_request_id()

    with open_socket(
        server, board_path(given.board.pk), cookie=cookie, origin=server.http_url, request_id=request_id
    ) as ws:
        assert next_frame(ws)["type"] == "hello"
        status, _ = server.request("POST", "/api/v1/auth/logout-all/", token=access_token(given.member))
        code = close_code(ws)

    [line] = security_lines(server, request_id)
    assert (status, code) == (204, UNAUTHENTICATED)
    assert line["message"] == (
        "WebSocket refused: code=4401 reason=credential revoked socket=board "
        f"user={given.member.pk} board={given.board.pk} client=127.0.0.1"
    )
    assert session_key not in server.log_file.read_text()


def test_the_notification_socket_without_credentials_writes_one_line(server: AsgiServer) -> None:
    request_id = new_request_id()

    with open_socket(server, "/ws/notifications/", request_id=request_id) as ws:
        code = close_code(ws)

    [line] = security_lines(server, request_id)
    assert code == UNAUTHENTICATED
    assert line["message"] == (
        "WebSocket refused: code=4401 reason=no credential socket=notifications user=(none) "
        "board=(none) client=127.0.0.1"
    )

"""A socket's log lines carry the request id of its upgrade request (nginx's X-Request-ID),
the user and the board (taskboard/logs/asgi.py, live/board_consumer.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.sync.client import connect

from boards.tests.factories import board_with_roles
from tests.plugins.processes import wait_until

from .clients import board_path, next_frame
from .conftest import access_token
from .servers import AsgiServer

pytestmark = pytest.mark.django_db(transaction=True)


def json_lines(server: AsgiServer) -> list[dict[str, Any]]:
    lines = server.log_file.read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_the_socket_lines_carry_the_request_id_the_user_and_the_board(server: AsgiServer) -> None:
    given = board_with_roles()
    member = given.user("member")
    token = access_token(member)
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "ws-upgrade-1"}

    with connect(server.ws_url + board_path(given.board.pk), additional_headers=headers, proxy=None) as ws:
        hello = next_frame(ws)

    def socket_lines() -> list[dict[str, Any]] | None:
        return [line for line in json_lines(server) if line.get("request_id") == "ws-upgrade-1"] or None

    lines = wait_until(socket_lines, timeout=10, what="the socket's log lines")
    assert hello["type"] == "hello"
    accepted = [line for line in lines if "[accepted]" in line["message"]]
    assert len(accepted) == 1, lines
    assert (accepted[0]["user_id"], accepted[0]["board_id"]) == (member.pk, given.board.pk)
    # The credential itself is on no line.
    assert token not in server.log_file.read_text()

"""Revoked and expired credentials close live sockets (docs/security.md, "Live sockets and
revoked credentials"): a password change, a reset, "sign out everywhere", deactivation or
deletion closes the user's sockets on every instance with 4401 within a second; a page
logout closes the sockets of that session; a token's socket closes at its expiry unless the
client sends a fresh one in an `auth` frame; a resync re-checks the credential."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework_simplejwt.tokens import AccessToken
from websockets.sync.client import ClientConnection

from accounts import services
from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory
from accounts.ws_tickets import ws_ticket_issue
from boards.tests.factories import BoardListFactory, board_with_roles

from .clients import board_path, close_code, next_frame, next_frame_of, open_socket
from .conftest import access_token
from .servers import AsgiServer

pytestmark = pytest.mark.django_db(transaction=True)

UNAUTHENTICATED = 4401
# "Within a second" of the revoking call's answer.
CLOSE_DEADLINE_SECONDS = 1.0
NEW_PASSWORD = "a-new-Password-42"


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def open_board(
    server: AsgiServer, board_id: int, path_ticket: str | None = None, **credentials: Any
) -> ClientConnection:
    ws = open_socket(server, board_path(board_id, ticket=path_ticket), **credentials)
    assert next_frame(ws)["type"] == "hello"
    return ws


def close_codes_by(deadline: float, sockets: list[ClientConnection]) -> list[int | None]:
    """Each socket's close code, all within the deadline (TimeoutError past it)."""
    return [close_code(ws, timeout=max(deadline - time.monotonic(), 0.01)) for ws in sockets]


def still_open(server: AsgiServer, ws: ClientConnection, user: Any, list_id: int, board_id: int) -> bool:
    """The socket still gets the board's events: a write by `user` reaches it."""
    status, task = server.request(
        "POST",
        f"/api/v1/boards/{board_id}/tasks/",
        token=access_token(user),
        body={"list_id": list_id, "title": "still there?"},
    )
    assert status == 201, task
    event = next_frame_of(ws, "event", timeout=5)
    return bool(event["data"]["id"] == task["id"])


def short_lived_token(user: Any, seconds: float) -> tuple[str, float]:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=seconds))
    return str(token), float(token["exp"])


# -- revocations close every socket of the user, on every instance ---------------------------


def test_a_password_change_closes_the_users_sockets_on_both_instances(asgi_servers: list[AsgiServer]) -> None:
    a, b = asgi_servers
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    board_id = given.board.pk
    sockets = [
        open_board(a, board_id, token=access_token(given.member)),
        open_board(b, board_id, token=access_token(given.member)),
        open_board(b, board_id, cookie=session_cookie(given.member), origin=b.http_url),
    ]
    other = open_board(b, board_id, token=access_token(given.viewer))

    status, _ = a.request(
        "POST",
        "/api/v1/users/me/password/",
        token=access_token(given.member),
        body={"current_password": KNOWN_PASSWORD, "new_password": NEW_PASSWORD},
    )
    codes = close_codes_by(time.monotonic() + CLOSE_DEADLINE_SECONDS, sockets)

    assert status == 204
    assert codes == [UNAUTHENTICATED] * 3
    assert still_open(a, other, given.owner, todo.pk, board_id)
    other.close()


def test_a_password_reset_closes_the_users_sockets(asgi_servers: list[AsgiServer]) -> None:
    a, b = asgi_servers
    given = board_with_roles()
    sockets = [
        open_board(a, given.board.pk, token=access_token(given.member)),
        open_board(b, given.board.pk, token=access_token(given.member)),
    ]
    uid = urlsafe_base64_encode(force_bytes(given.member.pk))
    token = default_token_generator.make_token(given.member)

    status, _ = a.request(
        "POST",
        "/api/v1/auth/password-reset/confirm/",
        token="",
        body={"uid": uid, "token": token, "new_password": NEW_PASSWORD},
    )
    codes = close_codes_by(time.monotonic() + CLOSE_DEADLINE_SECONDS, sockets)

    assert status == 204
    assert codes == [UNAUTHENTICATED, UNAUTHENTICATED]


def test_signing_out_everywhere_closes_every_socket_and_ends_every_credential(
    asgi_servers: list[AsgiServer],
) -> None:
    a, b = asgi_servers
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    board_id = given.board.pk
    token = access_token(given.member)
    cookie = session_cookie(given.member)
    sockets = [
        open_board(a, board_id, token=token),
        open_board(b, board_id, token=token),
        open_board(a, board_id, cookie=cookie, origin=a.http_url),
    ]
    other = open_board(a, board_id, token=access_token(given.viewer))

    status, body = b.request("POST", "/api/v1/auth/logout-all/", token=token)
    codes = close_codes_by(time.monotonic() + CLOSE_DEADLINE_SECONDS, sockets)

    assert (status, body) == (204, None)
    assert codes == [UNAUTHENTICATED] * 3
    # Neither the access token nor the session opens a socket again.
    with open_socket(a, board_path(board_id), token=token) as again:
        assert close_code(again) == UNAUTHENTICATED
    with open_socket(a, board_path(board_id), cookie=cookie, origin=a.http_url) as again:
        assert close_code(again) == UNAUTHENTICATED
    assert a.request("GET", "/api/v1/users/me/", token=token)[0] == 401
    assert still_open(a, other, given.owner, todo.pk, board_id)
    other.close()


def test_logout_all_needs_authentication(server: AsgiServer) -> None:
    status, body = server.request("POST", "/api/v1/auth/logout-all/", token="nope")

    assert status == 401
    assert body["error"]["code"] in {"not_authenticated", "authentication_failed"}


def test_deactivating_in_the_admin_closes_the_users_sockets(asgi_servers: list[AsgiServer]) -> None:
    a, b = asgi_servers
    given = board_with_roles()
    member = given.member
    sockets = [
        open_board(a, given.board.pk, token=access_token(member)),
        open_board(b, given.board.pk, cookie=session_cookie(member), origin=b.http_url),
    ]
    staff = Client()
    staff.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    response = staff.post(
        f"/admin/accounts/user/{member.pk}/change/",
        # "is_active" left out: the box is unticked.
        {"email": member.email, "name": member.name, "timezone": member.timezone},
    )
    codes = close_codes_by(time.monotonic() + CLOSE_DEADLINE_SECONDS, sockets)

    assert response.status_code == 302
    assert User.objects.get(pk=member.pk).is_active is False
    assert codes == [UNAUTHENTICATED, UNAUTHENTICATED]


def test_deleting_an_account_closes_its_sockets(asgi_servers: list[AsgiServer]) -> None:
    a, b = asgi_servers
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    member = given.member
    sockets = [
        open_board(a, given.board.pk, token=access_token(member)),
        open_board(b, given.board.pk, token=access_token(member)),
    ]
    other = open_board(a, given.board.pk, token=access_token(given.viewer))

    # The service the admin's delete calls (the admin itself refuses to delete a board
    # member: memberships are not deletable there).
    services.user_delete(user=User.objects.get(pk=member.pk))
    codes = close_codes_by(time.monotonic() + CLOSE_DEADLINE_SECONDS, sockets)

    assert not User.objects.filter(pk=member.pk).exists()
    assert codes == [UNAUTHENTICATED, UNAUTHENTICATED]
    assert still_open(a, other, given.owner, todo.pk, given.board.pk)
    other.close()


def test_a_page_logout_closes_the_sockets_of_that_session_only(server: AsgiServer) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    board_id = given.board.pk
    leaving = Client()
    leaving.force_login(given.member)
    leaving_cookie = f"sessionid={leaving.cookies['sessionid'].value}"
    from_that_session = open_board(server, board_id, cookie=leaving_cookie, origin=server.http_url)
    other_session = open_board(server, board_id, cookie=session_cookie(given.member), origin=server.http_url)
    by_token = open_board(server, board_id, token=access_token(given.member))

    response = leaving.post("/accounts/logout/")
    code = close_code(from_that_session, timeout=CLOSE_DEADLINE_SECONDS)

    assert response.status_code == 302
    assert code == UNAUTHENTICATED
    assert still_open(server, other_session, given.owner, todo.pk, board_id)
    assert next_frame_of(by_token, "event")["type"] == "event"
    other_session.close()
    by_token.close()


# -- expiry and re-authentication over the socket -------------------------------------------


def test_a_token_socket_closes_when_the_token_expires(server: AsgiServer) -> None:
    given = board_with_roles()
    token, expires_at = short_lived_token(given.member, seconds=2)

    with open_board(server, given.board.pk, token=token) as ws:
        code = close_code(ws, timeout=10)
        closed_at = time.time()

    assert code == UNAUTHENTICATED
    # `exp` is whole seconds: the close comes after it, not long after.
    assert expires_at <= closed_at < expires_at + 2


def test_a_ticket_socket_closes_when_an_access_token_of_the_tickets_moment_would_expire(
    server: AsgiServer,
) -> None:
    given = board_with_roles()
    ticket, _ = ws_ticket_issue(user_id=given.member.pk)
    # The same ticket, as if issued two seconds less than an access token's lifetime ago.
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    key = cache.make_key("ws-ticket:" + hashlib.sha256(ticket.encode()).hexdigest())
    client = cache.client.get_client(write=True)  # type: ignore[attr-defined]
    stored = json.loads(client.get(key))
    expires_at = stored["issued_at"] = time.time() - lifetime + 2
    expires_at += lifetime
    client.set(key, json.dumps(stored), ex=30)

    with open_board(server, given.board.pk, path_ticket=ticket) as ws:
        code = close_code(ws, timeout=10)
        closed_at = time.time()

    assert code == UNAUTHENTICATED
    assert expires_at <= closed_at < expires_at + 2


def test_a_session_socket_closes_when_the_session_expires(server: AsgiServer) -> None:
    given = board_with_roles()
    browser = Client()
    browser.force_login(given.member)
    session = browser.session
    session.set_expiry(3)
    session.save()
    expires_at = time.time() + 3

    with open_board(
        server, given.board.pk, cookie=f"sessionid={session.session_key}", origin=server.http_url
    ) as ws:
        code = close_code(ws, timeout=10)
        closed_at = time.time()

    assert code == UNAUTHENTICATED
    assert expires_at - 1 <= closed_at < expires_at + 2


def test_an_auth_frame_with_a_fresh_token_keeps_the_socket_past_the_old_expiry(server: AsgiServer) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    token, expires_at = short_lived_token(given.member, seconds=2)
    fresh = access_token(given.member)

    with open_board(server, given.board.pk, token=token) as ws:
        ws.send(json.dumps({"type": "auth", "token": fresh}))
        answer = next_frame_of(ws, "auth_ok")
        # Let the first token's expiry pass: only then does "still open" mean anything.
        while time.time() < expires_at + 1:
            time.sleep(0.1)
        alive = still_open(server, ws, given.owner, todo.pk, given.board.pk)

    assert answer["type"] == "auth_ok"
    assert 290 <= answer["expires_in"] <= 300  # JWT_ACCESS_MINUTES' default, 5
    assert alive


def test_an_auth_frame_with_a_ticket_is_answered_auth_ok(server: AsgiServer) -> None:
    given = board_with_roles()
    status, body = server.request("POST", "/api/v1/auth/ws-ticket/", token=access_token(given.member))
    assert status == 200

    with open_board(server, given.board.pk, token=access_token(given.member)) as ws:
        ws.send(json.dumps({"type": "auth", "ticket": body["ticket"]}))
        answer = next_frame_of(ws, "auth_ok")

    assert 290 <= answer["expires_in"] <= 300


@pytest.mark.parametrize("frame", ["another user's token", "garbage", "expired", "no credential"])
def test_a_bad_auth_frame_closes_the_socket_with_4401(server: AsgiServer, frame: str) -> None:
    given = board_with_roles()
    expired = AccessToken.for_user(given.member)
    expired.set_exp(lifetime=timedelta(seconds=-1))
    content = {
        "another user's token": {"type": "auth", "token": access_token(given.viewer)},
        "garbage": {"type": "auth", "token": "not-a-jwt"},
        "expired": {"type": "auth", "token": str(expired)},
        "no credential": {"type": "auth"},
    }[frame]

    with open_board(server, given.board.pk, token=access_token(given.member)) as ws:
        ws.send(json.dumps(content))
        code = close_code(ws, timeout=5)

    assert code == UNAUTHENTICATED


def test_a_ticket_issued_before_a_password_change_opens_nothing(server: AsgiServer) -> None:
    given = board_with_roles()
    status, body = server.request("POST", "/api/v1/auth/ws-ticket/", token=access_token(given.member))
    assert status == 200
    User.objects.filter(pk=given.member.pk).update(password=make_password(NEW_PASSWORD))

    with open_socket(server, board_path(given.board.pk, ticket=body["ticket"])) as ws:
        code = close_code(ws)

    assert code == UNAUTHENTICATED


def test_a_ticket_for_a_socket_is_still_single_use_and_bound_to_its_user(server: AsgiServer) -> None:
    given = board_with_roles()
    ticket, _ = ws_ticket_issue(user_id=given.viewer.pk)

    with open_board(server, given.board.pk, token=access_token(given.member)) as ws:
        ws.send(json.dumps({"type": "auth", "ticket": ticket}))
        code = close_code(ws, timeout=5)

    assert code == UNAUTHENTICATED


# -- resync re-checks the credential --------------------------------------------------------


@pytest.mark.parametrize("how", ["token", "session"])
def test_no_replay_after_a_revocation_whose_close_message_was_lost(server: AsgiServer, how: str) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    credentials: dict[str, Any] = (
        {"token": access_token(given.member)}
        if how == "token"
        else {"cookie": session_cookie(given.member), "origin": server.http_url}
    )
    with open_socket(server, board_path(given.board.pk), **credentials) as ws:
        seen = next_frame(ws)["seq"]
        status, _ = server.request(
            "POST",
            f"/api/v1/boards/{given.board.pk}/tasks/",
            token=access_token(given.owner),
            body={"list_id": todo.pk, "title": "secret"},
        )
        assert status == 201
        next_frame_of(ws, "event")
        # Revoked behind the services' back: no `user.revoked` message is sent.
        User.objects.filter(pk=given.member.pk).update(password=make_password(NEW_PASSWORD))
        ws.send(json.dumps({"type": "resync", "since": seen}))
        frames = []
        code = None
        try:
            while True:
                frames.append(next_frame(ws, timeout=5))
        except Exception as closed:
            code = getattr(getattr(closed, "rcvd", None), "code", None)

    assert [frame for frame in frames if frame["type"] == "event"] == []
    assert code == UNAUTHENTICATED

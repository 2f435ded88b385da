"""Request rates (taskboard/api/throttles.py): atomic in Redis, per address or per account,
429 in the envelope with Retry-After. The suite turns the rates off (settings/test.py);
each test here switches on the ones it is about."""

import socket
import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connections
from django.test import Client, override_settings
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.factories import KNOWN_PASSWORD, UserFactory
from boards.tests.factories import BoardFactory

OFF: dict[str, str | None] = dict.fromkeys(
    ("user", "anon", "register", "password_reset", "invite", "verify_resend")
)


def rates(**on: str) -> Any:
    return override_settings(API_THROTTLE_RATES={**OFF, **on})


def post(client: Client, path: str, body: Any, access: str | None = None, **extra: Any) -> Any:
    headers = {"Authorization": f"Bearer {access}"} if access else {}
    return client.post(f"/api/v1/{path}", body, content_type="application/json", headers=headers, **extra)


def register(client: Client, n: int, **extra: Any) -> Any:
    return post(
        client,
        "auth/register/",
        {"email": f"new{n}@example.com", "password": KNOWN_PASSWORD, "name": "N"},
        **extra,
    )


def anonymous(client: Client, **extra: Any) -> Any:
    """A request without credentials that reaches its view (a closed one answers 401 first)."""
    return post(client, "auth/token/refresh/", {"refresh": "not a token"}, **extra)


def access_for(client: Client, email: str) -> str:
    response = post(client, "auth/token/", {"email": email, "password": KNOWN_PASSWORD})
    assert response.status_code == 200
    return str(response.json()["access"])


def assert_throttled(response: Any, period: int) -> None:
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert set(response.json()["error"]) == {"code", "message"}
    assert 0 < int(response["Retry-After"]) <= period


@pytest.mark.django_db
@rates(register="3/hour")
def test_registrations_are_limited_per_address(client: Client) -> None:
    created = [register(client, n).status_code for n in range(3)]

    refused = register(client, 3)
    elsewhere = register(client, 4, REMOTE_ADDR="198.51.100.4")

    assert created == [201] * 3
    assert_throttled(refused, 3600)
    assert elsewhere.status_code == 201


@pytest.mark.django_db
@rates(password_reset="2/hour")
def test_password_reset_requests_are_limited_per_address(client: Client) -> None:
    UserFactory.create(email="ada@example.com")
    asked = [post(client, "auth/password-reset/", {"email": "ada@example.com"}).status_code for _ in range(2)]

    refused = post(client, "auth/password-reset/", {"email": "nobody@example.com"})

    assert asked == [202, 202]
    assert_throttled(refused, 3600)


@pytest.mark.django_db
@rates(verify_resend="2/hour")
def test_verification_resends_are_limited_per_address_across_accounts(client: Client) -> None:
    # Two unverified accounts from one address: the per-recipient mail cap (3 an hour to one
    # address) never comes into play, the per-address rate does.
    for email in ("first@example.com", "second@example.com"):
        UserFactory.create(email=email, email_verified=False)
    first = access_for(client, "first@example.com")
    second = access_for(client, "second@example.com")
    sent = [post(client, "auth/verify-email/resend/", {}, access).status_code for access in (first, second)]

    refused = post(client, "auth/verify-email/resend/", {}, second)

    assert sent == [202, 202]
    assert_throttled(refused, 3600)


@pytest.mark.django_db
@rates(invite="2/hour")
def test_invitations_are_limited_per_address_and_reads_are_not(client: Client) -> None:
    owner = UserFactory.create(email="owner@example.com")
    board = BoardFactory.create(created_by=owner)
    access = access_for(client, "owner@example.com")
    path = f"boards/{board.pk}/members/"
    invited = [
        post(client, path, {"email": f"guest{n}@example.com", "role": "member"}, access).status_code
        for n in range(2)
    ]

    refused = post(client, path, {"email": "guest9@example.com", "role": "member"}, access)
    listed = client.get(f"/api/v1/{path}", headers={"Authorization": f"Bearer {access}"})

    assert invited == [202, 202]
    assert_throttled(refused, 3600)
    assert listed.status_code == 200


@pytest.mark.django_db
@rates(user="5/min")
def test_the_user_rate_counts_every_request_of_an_account(client: Client) -> None:
    UserFactory.create(email="ada@example.com")
    UserFactory.create(email="bob@example.com")
    ada, bob = access_for(client, "ada@example.com"), access_for(client, "bob@example.com")
    me = "/api/v1/users/me/"
    allowed = [client.get(me, headers={"Authorization": f"Bearer {ada}"}).status_code for _ in range(5)]

    refused = client.get(me, headers={"Authorization": f"Bearer {ada}"})
    other_account = client.get(me, headers={"Authorization": f"Bearer {bob}"})

    assert allowed == [200] * 5
    assert_throttled(refused, 60)
    assert other_account.status_code == 200


@pytest.mark.django_db
@rates(anon="3/min")
def test_the_anonymous_rate_counts_per_address(client: Client) -> None:
    statuses = [anonymous(client).status_code for _ in range(3)]

    refused = anonymous(client)
    elsewhere = anonymous(client, REMOTE_ADDR="198.51.100.3")

    assert statuses == [401] * 3
    assert_throttled(refused, 60)
    assert elsewhere.status_code == 401


@pytest.mark.django_db
@rates(register="2/hour")
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_each_forwarded_client_has_its_own_bucket(client: Client) -> None:
    first = [register(client, n, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code for n in range(2)]
    refused = register(client, 2, HTTP_X_FORWARDED_FOR="203.0.113.1")
    # A made-up left part doesn't change who the proxy says the client is.
    spoofed = register(client, 3, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.1")
    second_client = register(client, 4, HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert first == [201, 201]
    assert_throttled(refused, 3600)
    assert_throttled(spoofed, 3600)
    assert second_client.status_code == 201


@pytest.mark.django_db
@rates(register="2/hour")
@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_a_forwarded_address_does_not_make_a_new_bucket(client: Client) -> None:
    first = [register(client, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(2)]

    spoofed = register(client, 2, HTTP_X_FORWARDED_FOR="203.0.113.99")

    assert first == [201, 201]
    assert_throttled(spoofed, 3600)


@pytest.mark.django_db(transaction=True)
@rates(anon="10/min")
def test_forty_parallel_requests_get_exactly_the_limit_through() -> None:
    barrier = threading.Barrier(40)
    statuses: list[int] = []
    lock = threading.Lock()

    def request() -> None:
        try:
            barrier.wait()
            status = anonymous(Client()).status_code
            with lock:
                statuses.append(status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(statuses) == {401: 10, 429: 30}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db
@rates(register="1/hour")
def test_a_redis_outage_lets_requests_through(client: Client) -> None:
    unreachable = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True},
        }
    }
    with override_settings(CACHES=unreachable):
        statuses = [register(client, n).status_code for n in range(3)]

    assert statuses == [201] * 3


@pytest.mark.django_db
@rates(register="1/hour")
@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_without_redis_local_memory_counts_and_says_the_whole_period(client: Client) -> None:
    assert register(client, 0).status_code == 201

    refused = register(client, 1)

    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"


def test_every_rate_limited_operation_documents_429_with_retry_after() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method.upper(), path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }

    for key in [
        ("POST", "/api/v1/auth/register/"),
        ("POST", "/api/v1/auth/password-reset/"),
        ("POST", "/api/v1/boards/{board_id}/members/"),
        ("GET", "/api/v1/boards/"),
        ("PATCH", "/api/v1/tasks/{task_id}/"),
        ("POST", "/api/v1/auth/ws-ticket/"),
        ("POST", "/api/v1/auth/password-reset/confirm/"),
    ]:
        response = operations[key]["responses"]["429"]
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorEnvelope"
        }
        assert "Retry-After" in response["headers"], key


def _script_calls(redis_server: Any) -> int:
    """Scripts Redis ran (a first EVALSHA that finds no script fails, and EVAL loads it)."""
    stats = redis_server.client().info("commandstats")
    return sum(
        int(stats.get(f"cmdstat_{name}", {}).get("calls", 0))
        - int(stats.get(f"cmdstat_{name}", {}).get("failed_calls", 0))
        for name in ("evalsha", "eval")
    )


@pytest.mark.redis  # counts the Redis server's script calls
@pytest.mark.django_db
@rates(anon="300/min")
def test_a_process_takes_slots_in_blocks_and_never_lets_more_than_the_limit_through(
    client: Client, redis_server: Any
) -> None:
    before = _script_calls(redis_server)

    statuses = Counter(anonymous(client).status_code for _ in range(310))

    # 300/min leases 3 slots per round trip: 100 round trips, one more to learn the window
    # is used up, and none for the refusals after it (refused locally until the window ends).
    assert statuses == {401: 300, 429: 10}
    assert _script_calls(redis_server) - before == 101

"""Failed logins: 5 per account and (separately, LOGIN_ADDRESS_FAILURE_LIMIT, 100 by default)
per address in 15 minutes, counted atomically in Redis, keyed on the real client address
(accounts.login_limiter via accounts.services). Tests of the address key lower its limit
to 5. The other ways in: test_login_entries.py."""

import socket
import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connections
from django.http import HttpRequest
from django.test import Client, override_settings

from accounts.tests.factories import KNOWN_PASSWORD, UserFactory
from taskboard.client_address import client_address

WINDOW = 15 * 60


def token(client: Client, email: str, password: str, **extra: Any) -> Any:
    return client.post(
        "/api/v1/auth/token/",
        {"email": email, "password": password},
        content_type="application/json",
        **extra,
    )


def fail(client: Client, email: str, **extra: Any) -> Any:
    return token(client, email, "wrong password!", **extra)


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_failures_for_one_account_check_the_password_five_times(
    password_checks: list[str],
) -> None:
    UserFactory.create(email="ada@example.com")
    barrier = threading.Barrier(50)
    statuses: list[int] = []
    retry_after: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        client = Client()
        try:
            barrier.wait()
            response = fail(client, "ada@example.com")
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 429:
                    retry_after.append(response["Retry-After"])
                    assert response.json()["error"]["code"] == "throttled"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert password_checks == ["ada@example.com"] * 5
    assert Counter(statuses) == {401: 5, 429: 45}
    assert len(retry_after) == 45
    assert all(0 < int(value) <= WINDOW for value in retry_after)


@pytest.mark.django_db
def test_after_five_failures_even_the_right_password_is_refused_without_a_check(
    client: Client, password_checks: list[str]
) -> None:
    UserFactory.create(email="ada@example.com")
    for _ in range(5):
        assert fail(client, "ada@example.com").status_code == 401

    response = token(client, "ada@example.com", KNOWN_PASSWORD)

    assert response.status_code == 429
    assert response.json() == {
        "error": {
            "code": "throttled",
            "message": f"Too many failed logins. Expected available in {response['Retry-After']} seconds.",
        }
    }
    assert 0 < int(response["Retry-After"]) <= WINDOW
    assert len(password_checks) == 5


@pytest.mark.django_db
def test_successful_logins_do_not_count(client: Client) -> None:
    UserFactory.create(email="ada@example.com")
    for _ in range(4):
        assert fail(client, "ada@example.com").status_code == 401
    for _ in range(3):
        assert token(client, "ada@example.com", KNOWN_PASSWORD).status_code == 200

    fifth = fail(client, "ada@example.com")
    sixth = fail(client, "ada@example.com")

    assert fifth.status_code == 401
    assert sixth.status_code == 429


@pytest.mark.django_db
def test_an_account_is_throttled_from_any_address(client: Client, password_checks: list[str]) -> None:
    UserFactory.create(email="ada@example.com")
    for n in range(5):
        assert fail(client, "ada@example.com", REMOTE_ADDR=f"198.51.100.{n}").status_code == 401

    response = token(client, "ADA@example.com", KNOWN_PASSWORD, REMOTE_ADDR="198.51.100.99")

    assert response.status_code == 429
    assert len(password_checks) == 5


@pytest.mark.django_db
@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=5)
def test_an_address_is_throttled_across_accounts(client: Client) -> None:
    users = UserFactory.create_batch(6)
    for user in users[:5]:
        assert fail(client, user.email, REMOTE_ADDR="198.51.100.7").status_code == 401

    same_address = token(client, users[5].email, KNOWN_PASSWORD, REMOTE_ADDR="198.51.100.7")
    other_address = token(client, users[5].email, KNOWN_PASSWORD, REMOTE_ADDR="198.51.100.8")

    assert same_address.status_code == 429
    assert other_address.status_code == 200


@pytest.mark.django_db
@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=5)
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_is_the_last_forwarded_hop(client: Client) -> None:
    users = UserFactory.create_batch(6)
    for n, user in enumerate(users[:5]):
        # The client made up the left part; the proxy appended the real address.
        spoofed = f"10.0.0.{n}, 203.0.113.7"
        assert fail(client, user.email, HTTP_X_FORWARDED_FOR=spoofed).status_code == 401

    same_client = token(client, users[5].email, KNOWN_PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7")
    other_client = token(client, users[5].email, KNOWN_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert same_client.status_code == 429
    assert other_client.status_code == 200  # same proxy (REMOTE_ADDR), different client


@pytest.mark.django_db
@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=5)
@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client: Client) -> None:
    users = UserFactory.create_batch(6)
    for n, user in enumerate(users[:5]):
        assert fail(client, user.email, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code == 401

    response = token(client, users[5].email, KNOWN_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.200")

    assert response.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "203.0.113.7", "192.0.2.1"),
        (1, "192.0.2.1", None, "192.0.2.1"),
        (1, "192.0.2.1", "203.0.113.7", "203.0.113.7"),
        (1, "192.0.2.1", "1.1.1.1, 203.0.113.7", "203.0.113.7"),
        (2, "192.0.2.1", "1.1.1.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "192.0.2.1", "203.0.113.7", "192.0.2.1"),
        (1, "192.0.2.1", "1.1.1.1, not-an-address", "192.0.2.1"),
        (1, "192.0.2.1", " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_client_address(proxies: int, remote: str, forwarded: str | None, expected: str) -> None:
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded

    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_address(request) == expected


@pytest.mark.django_db
def test_the_login_page_and_the_api_share_the_limiter(client: Client) -> None:
    UserFactory.create(email="ada@example.com")
    for _ in range(3):
        assert fail(client, "ada@example.com").status_code == 401
    for _ in range(2):
        page = client.post("/accounts/login/", {"email": "ada@example.com", "password": "wrong password!"})
        assert page.status_code == 200

    api = token(client, "ada@example.com", KNOWN_PASSWORD)
    page = client.post("/accounts/login/", {"email": "ada@example.com", "password": KNOWN_PASSWORD})

    assert api.status_code == 429
    assert page.status_code == 429
    assert "Too many failed logins" in page.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_the_limiter_works_on_local_memory_and_then_says_the_whole_window(client: Client) -> None:
    UserFactory.create(email="ada@example.com")
    for _ in range(5):
        assert fail(client, "ada@example.com").status_code == 401

    response = fail(client, "ada@example.com")

    assert response.status_code == 429
    assert response["Retry-After"] == str(WINDOW)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db
def test_a_redis_outage_lets_logins_through_instead_of_failing(client: Client) -> None:
    UserFactory.create(email="ada@example.com")
    unreachable = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True},
        }
    }
    with override_settings(CACHES=unreachable):
        failures = [fail(client, "ada@example.com").status_code for _ in range(7)]
        success = token(client, "ada@example.com", KNOWN_PASSWORD)

    assert failures == [401] * 7
    assert success.status_code == 200

"""Every way in goes through one failed-authentication limiter (docs/security.md "Login and
request limits"): the admin login, the password-reset confirmation (API and page) and the
WebSocket ticket, besides the API token and the login page (test_login_limiter.py). Per
account 5 failures in 15 minutes; per address a separate, much higher limit."""

import logging
import re
from typing import Any

import pytest
from django.test import Client, override_settings

from accounts import services
from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory

WINDOW = 15 * 60
NEW_PASSWORD = "a brand new secret 42"
RESET_LINK = re.compile(r"/accounts/reset/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/")


def api(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.post(f"/api/v1/{path}", body, content_type="application/json", **extra)


def token(client: Client, email: str, password: str, **extra: Any) -> Any:
    return api(client, "auth/token/", {"email": email, "password": password}, **extra)


def admin_login(client: Client, email: str, password: str) -> Any:
    return client.post("/admin/login/?next=/admin/", {"username": email, "password": password})


def reset_link(user: User) -> re.Match[str]:
    link = RESET_LINK.search(services.password_reset_link(user=user))
    assert link is not None
    return link


# --- admin login ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_login_is_limited_and_refuses_a_locked_account_without_a_check(
    client: Client, password_checks: list[str]
) -> None:
    UserFactory.create(email="root@example.com", is_staff=True, is_superuser=True)
    failures = [admin_login(client, "root@example.com", "wrong password!") for _ in range(5)]

    sixth = admin_login(client, "root@example.com", "wrong password!")
    correct = admin_login(client, "root@example.com", KNOWN_PASSWORD)

    assert [response.status_code for response in failures] == [200] * 5
    assert sixth.status_code == correct.status_code == 429
    assert 0 < int(correct["Retry-After"]) <= WINDOW
    assert "Too many failed logins" in correct.content.decode()
    assert password_checks == ["root@example.com"] * 5
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_admin_login_shares_the_account_count_with_the_api(client: Client) -> None:
    UserFactory.create(email="root@example.com", is_staff=True, is_superuser=True)
    for _ in range(5):
        assert admin_login(client, "root@example.com", "wrong password!").status_code == 200

    assert token(client, "root@example.com", KNOWN_PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_admin_login_still_lets_staff_in_and_keeps_others_out(client: Client) -> None:
    UserFactory.create(email="root@example.com", is_staff=True, is_superuser=True)
    UserFactory.create(email="ada@example.com")

    member = admin_login(client, "ada@example.com", KNOWN_PASSWORD)
    staff = admin_login(client, "root@example.com", KNOWN_PASSWORD)

    assert member.status_code == 200
    assert "for a staff account" in member.content.decode()
    assert staff.status_code == 302
    assert staff["Location"] == "/admin/"


# --- per address and per account --------------------------------------------------------


@pytest.mark.django_db
def test_one_persons_typos_do_not_lock_out_others_at_the_same_address(client: Client) -> None:
    ada, bob = UserFactory.create_batch(2)
    for _ in range(5):
        assert token(client, ada.email, "wrong password!").status_code == 401

    assert token(client, ada.email, KNOWN_PASSWORD).status_code == 429
    assert token(client, bob.email, KNOWN_PASSWORD).status_code == 200


@pytest.mark.django_db
@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=8)
def test_the_address_has_its_own_higher_limit_across_accounts(client: Client) -> None:
    users = UserFactory.create_batch(9)
    for user in users[:8]:
        assert token(client, user.email, "wrong password!").status_code == 401

    same_address = token(client, users[8].email, KNOWN_PASSWORD)
    other_address = token(client, users[8].email, KNOWN_PASSWORD, REMOTE_ADDR="198.51.100.8")

    assert same_address.status_code == 429
    assert other_address.status_code == 200


def test_the_address_limit_defaults_to_100_and_the_account_limit_to_5() -> None:
    from django.conf import settings

    assert (settings.LOGIN_ADDRESS_FAILURE_LIMIT, settings.LOGIN_FAILURE_LIMIT) == (100, 5)
    assert settings.LOGIN_FAILURE_WINDOW_SECONDS == WINDOW


@pytest.mark.django_db
def test_failures_and_the_lockout_are_logged_without_the_password(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    UserFactory.create(email="ada@example.com")
    with caplog.at_level(logging.WARNING, logger="taskboard.security"):
        for _ in range(7):
            token(client, "ada@example.com", "wrong password!")

    lines = [record.getMessage() for record in caplog.records if record.name == "taskboard.security"]
    assert len([line for line in lines if line.startswith("Authentication failed: entry=api_token")]) == 5
    assert len([line for line in lines if line.startswith("Authentication locked: entry=api_token")]) == 1
    assert not any("wrong password" in line or "ada@example.com" in line for line in lines)


# --- a locked account can still be reset -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_locked_accounts_owner_can_reset_the_password_and_log_in_again(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com")
    for _ in range(5):
        token(client, "ada@example.com", "wrong password!", REMOTE_ADDR="203.0.113.66")
    assert token(client, "ada@example.com", KNOWN_PASSWORD).status_code == 429

    asked = api(client, "auth/password-reset/", {"email": "ada@example.com"})
    link = reset_link(user)
    confirmed = api(
        client,
        "auth/password-reset/confirm/",
        {"uid": link["uid"], "token": link["token"], "new_password": NEW_PASSWORD},
    )

    assert asked.status_code == 202
    assert confirmed.status_code == 204
    assert token(client, "ada@example.com", NEW_PASSWORD).status_code == 200


# --- password-reset confirmation --------------------------------------------------------


@pytest.mark.django_db
@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=5)
def test_wrong_reset_tokens_count_and_then_even_the_right_one_is_refused(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com")
    link = reset_link(user)

    guesses = [
        api(
            client,
            "auth/password-reset/confirm/",
            {"uid": link["uid"], "token": f"{link['token']}{n}", "new_password": NEW_PASSWORD},
        )
        for n in range(5)
    ]
    right = api(
        client,
        "auth/password-reset/confirm/",
        {"uid": link["uid"], "token": link["token"], "new_password": NEW_PASSWORD},
    )
    elsewhere = api(
        client,
        "auth/password-reset/confirm/",
        {"uid": link["uid"], "token": link["token"], "new_password": NEW_PASSWORD},
        REMOTE_ADDR="198.51.100.9",
    )

    assert [response.status_code for response in guesses] == [400] * 5
    assert right.status_code == 429
    assert right.json()["error"]["code"] == "throttled"
    assert 0 < int(right["Retry-After"]) <= WINDOW
    assert elsewhere.status_code == 204  # the account is not locked: its owner can reset


@pytest.mark.django_db
@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=5)
def test_a_weak_new_password_is_not_a_failed_authentication(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com")
    link = reset_link(user)
    for _ in range(6):
        weak = api(
            client,
            "auth/password-reset/confirm/",
            {"uid": link["uid"], "token": link["token"], "new_password": "abcdefgh"},
        )
        assert weak.status_code == 400

    right = api(
        client,
        "auth/password-reset/confirm/",
        {"uid": link["uid"], "token": link["token"], "new_password": NEW_PASSWORD},
    )

    assert right.status_code == 204


@pytest.mark.django_db
@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=5)
def test_the_reset_page_counts_wrong_links_per_address(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com")
    link = reset_link(user)

    guesses = [client.get(f"/accounts/reset/{link['uid']}/{link['token']}{n}/") for n in range(5)]
    right = client.get(f"/accounts/reset/{link['uid']}/{link['token']}/")
    elsewhere = client.get(f"/accounts/reset/{link['uid']}/{link['token']}/", REMOTE_ADDR="198.51.100.9")

    assert [response.status_code for response in guesses] == [200] * 5
    assert all("This link doesn" in response.content.decode() for response in guesses)
    assert right.status_code == 429
    assert "Too many attempts" in right.content.decode()
    assert 0 < int(right["Retry-After"]) <= WINDOW
    assert elsewhere.status_code == 302
    assert elsewhere["Location"].endswith("/set-password/")


# --- WebSocket tickets ------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=5)
def test_failed_authentications_for_a_websocket_ticket_count_per_address(client: Client) -> None:
    UserFactory.create(email="ada@example.com")
    access = token(client, "ada@example.com", KNOWN_PASSWORD).json()["access"]

    bad = [
        api(client, "auth/ws-ticket/", None, headers={"Authorization": f"Bearer not-a-token-{n}"})
        for n in range(5)
    ]
    good_here = api(client, "auth/ws-ticket/", None, headers={"Authorization": f"Bearer {access}"})
    good_elsewhere = api(
        client,
        "auth/ws-ticket/",
        None,
        headers={"Authorization": f"Bearer {access}"},
        REMOTE_ADDR="198.51.100.9",
    )

    assert [response.status_code for response in bad] == [401] * 5
    assert good_here.status_code == 429
    assert good_here.json()["error"]["code"] == "throttled"
    assert 0 < int(good_here["Retry-After"]) <= WINDOW
    assert good_elsewhere.status_code == 200


@pytest.mark.django_db
@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=5)
def test_successful_websocket_tickets_do_not_count(client: Client) -> None:
    UserFactory.create(email="ada@example.com")
    access = token(client, "ada@example.com", KNOWN_PASSWORD).json()["access"]

    statuses = [
        api(client, "auth/ws-ticket/", None, headers={"Authorization": f"Bearer {access}"}).status_code
        for _ in range(8)
    ]

    assert statuses == [200] * 8

"""Refresh-token families (OWASP): replaying a refresh token that was already rotated
revokes every token descended from the same login, and is logged as a security event."""

import logging
from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import KNOWN_PASSWORD, UserFactory


def post(client: Client, path: str, body: Any, access: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {access}"} if access else {}
    return client.post(f"/api/v1/{path}", body, content_type="application/json", headers=headers)


def login(client: Client, email: str) -> dict[str, str]:
    response = post(client, "auth/token/", {"email": email, "password": KNOWN_PASSWORD})
    assert response.status_code == 200
    return dict(response.json())


def refresh(client: Client, token: str) -> Any:
    return post(client, "auth/token/refresh/", {"refresh": token})


@pytest.mark.django_db
def test_replaying_a_rotated_refresh_token_revokes_its_whole_family(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    user = UserFactory.create(email="ada@example.com")
    a = login(client, "ada@example.com")
    b = refresh(client, a["refresh"]).json()
    c = refresh(client, b["refresh"]).json()

    with caplog.at_level(logging.WARNING, logger="taskboard.security"):
        replay = refresh(client, a["refresh"])

    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "authentication_failed"
    assert refresh(client, c["refresh"]).status_code == 401  # the newest of the family too
    assert post(client, "auth/logout/", {"refresh": c["refresh"]}).status_code == 401
    [line] = [record.getMessage() for record in caplog.records if record.name == "taskboard.security"]
    assert line.startswith(f"Refresh token replayed: family revoked: user={user.pk} family=")
    assert a["refresh"] not in line
    assert c["refresh"] not in line
    assert "live_tokens_revoked=1" in line
    # Access tokens are stateless and short-lived: one already issued works until it expires.
    assert (
        client.get("/api/v1/users/me/", headers={"Authorization": f"Bearer {c['access']}"}).status_code == 200
    )


@pytest.mark.django_db
def test_other_logins_of_the_same_account_keep_working(client: Client) -> None:
    UserFactory.create(email="ada@example.com")
    phone = login(client, "ada@example.com")
    laptop = login(client, "ada@example.com")
    phone_next = refresh(client, phone["refresh"]).json()
    assert refresh(client, phone["refresh"]).status_code == 401

    laptop_next = refresh(client, laptop["refresh"])

    assert laptop_next.status_code == 200
    assert refresh(client, phone_next["refresh"]).status_code == 401
    assert refresh(client, laptop_next.json()["refresh"]).status_code == 200


@pytest.mark.django_db
def test_reusing_a_logged_out_token_revokes_nothing_else_and_logs_nothing(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    UserFactory.create(email="ada@example.com")
    first = login(client, "ada@example.com")
    second = login(client, "ada@example.com")
    assert post(client, "auth/logout/", {"refresh": first["refresh"]}).status_code == 204

    with caplog.at_level(logging.WARNING, logger="taskboard.security"):
        reused = refresh(client, first["refresh"])

    assert reused.status_code == 401
    assert refresh(client, second["refresh"]).status_code == 200
    assert [record for record in caplog.records if record.name == "taskboard.security"] == []


@pytest.mark.django_db
def test_the_family_claim_is_carried_through_rotation_and_kept_off_access_tokens(client: Client) -> None:
    from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

    UserFactory.create(email="ada@example.com")
    a = login(client, "ada@example.com")
    b = refresh(client, a["refresh"]).json()
    c = refresh(client, b["refresh"]).json()

    first = RefreshToken(a["refresh"], verify=False)  # type: ignore[arg-type]
    assert "fam" not in first
    assert RefreshToken(b["refresh"], verify=False)["fam"] == first["jti"]
    assert RefreshToken(c["refresh"], verify=False)["fam"] == first["jti"]
    assert "fam" not in AccessToken(c["access"], verify=False)

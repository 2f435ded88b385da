"""The Accounts rows of docs/api.md, over HTTP, against PostgreSQL, Redis, the worker and SMTP."""

import re
from typing import Any

import pytest
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory

NEW_PASSWORD = "a brand new secret 42"
RESET_LINK = re.compile(r"http://\S+/accounts/reset/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/")


def post(client: Client, path: str, body: Any, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/api/v1/{path}", body, content_type="application/json", headers=headers)


def patch(client: Client, path: str, body: Any, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.patch(f"/api/v1/{path}", body, content_type="application/json", headers=headers)


def get(client: Client, path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/api/v1/{path}", headers=headers)


def login(client: Client, email: str, password: str = KNOWN_PASSWORD) -> dict[str, str]:
    response = post(client, "auth/token/", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def jti(refresh: str) -> str:
    return str(RefreshToken(refresh, verify=False)["jti"])  # type: ignore[arg-type]


# --- register -------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_creates_the_account(client: Client) -> None:
    response = post(
        client,
        "auth/register/",
        {"email": "Ada@Example.COM", "password": KNOWN_PASSWORD, "name": "Ada Lovelace", "is_staff": True},
    )

    assert response.status_code == 201
    user = User.objects.get()
    assert response.json() == {"id": user.id, "email": "ada@example.com", "name": "Ada Lovelace"}
    assert user.email == "ada@example.com"
    assert user.check_password(KNOWN_PASSWORD)
    assert user.is_staff is False  # unknown fields are ignored


@pytest.mark.django_db(transaction=True)
def test_register_sends_the_welcome_email(client: Client, celery_worker: Any, mailbox: Any) -> None:
    response = post(
        client, "auth/register/", {"email": "ada@example.com", "password": KNOWN_PASSWORD, "name": "Ada"}
    )

    assert response.status_code == 201
    [message] = mailbox.wait_for(count=1)
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Welcome to Taskboard"
    assert "Hello Ada," in mailbox.body(message)


@pytest.mark.django_db
def test_register_refuses_an_email_in_use_whatever_its_case(client: Client) -> None:
    UserFactory.create(email="ada@example.com", name="Ada")

    response = post(
        client, "auth/register/", {"email": "ADA@example.com", "password": KNOWN_PASSWORD, "name": "Other"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "Invalid input: email.",
            "fields": {"email": ["An account with this email address already exists."]},
        }
    }
    assert list(User.objects.values_list("name", flat=True)) == ["Ada"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"email": "ada@example.com", "password": "12345678", "name": "Ada"}, {"password"}),
        ({"email": "ada@example.com", "password": "short", "name": "Ada"}, {"password"}),
        ({"email": "ada@example.com", "password": "ada@example.com", "name": "Ada"}, {"password"}),
        ({"email": "not-an-email", "password": KNOWN_PASSWORD, "name": "Ada"}, {"email"}),
        ({"email": 12, "password": KNOWN_PASSWORD, "name": ["Ada"]}, {"email", "name"}),
        ({"email": "ada@example.com", "password": 12345678, "name": True}, {"password", "name"}),
        ({"email": "ada@example.com", "password": KNOWN_PASSWORD, "name": ""}, {"name"}),
        ({}, {"email", "password", "name"}),
    ],
)
def test_register_refuses_invalid_input(client: Client, body: dict[str, Any], fields: set[str]) -> None:
    response = post(client, "auth/register/", body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == fields
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_400(client: Client) -> None:
    response = client.post("/api/v1/auth/register/", "{nope", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert User.objects.count() == 0


# --- token ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_answers_a_pair_that_authenticates(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com")

    response = post(client, "auth/token/", {"email": "ADA@example.com ", "password": KNOWN_PASSWORD})

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    me = get(client, "users/me/", token=response.json()["access"])
    assert me.status_code == 200
    assert me.json()["id"] == user.id
    # The refresh token is recorded by the blacklist app.
    assert list(OutstandingToken.objects.filter(user=user).values_list("jti", flat=True)) == [
        jti(response.json()["refresh"])
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"email": "ada@example.com", "password": "wrong password 1"},
        {"email": "nobody@example.com", "password": KNOWN_PASSWORD},
        {"email": "not even an email", "password": KNOWN_PASSWORD},
    ],
)
def test_token_refuses_bad_credentials(client: Client, body: dict[str, str]) -> None:
    UserFactory.create(email="ada@example.com")

    response = post(client, "auth/token/", body)

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "authentication_failed",
            "message": "No active account found with the given credentials.",
        }
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert OutstandingToken.objects.count() == 0


@pytest.mark.django_db
def test_token_refuses_an_inactive_account(client: Client) -> None:
    UserFactory.create(email="ada@example.com", is_active=False)

    response = post(client, "auth/token/", {"email": "ada@example.com", "password": KNOWN_PASSWORD})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.django_db
def test_token_with_a_missing_field_is_a_400(client: Client) -> None:
    response = post(client, "auth/token/", {"email": "ada@example.com"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"password": ["This field is required."]}


# --- refresh and logout ---------------------------------------------------------------


@pytest.mark.django_db
def test_refresh_rotates_and_the_old_refresh_token_stops_working(client: Client) -> None:
    user = UserFactory.create()
    first = login(client, user.email)

    response = post(client, "auth/token/refresh/", {"refresh": first["refresh"]})

    assert response.status_code == 200
    second = response.json()
    assert set(second) == {"access", "refresh"}
    assert jti(second["refresh"]) != jti(first["refresh"])
    assert get(client, "users/me/", token=second["access"]).status_code == 200
    assert list(BlacklistedToken.objects.values_list("token__jti", flat=True)) == [jti(first["refresh"])]
    # The new one works (once).
    third = post(client, "auth/token/refresh/", {"refresh": second["refresh"]})
    assert third.status_code == 200
    again = post(client, "auth/token/refresh/", {"refresh": first["refresh"]})
    assert again.status_code == 401
    assert again.json() == {"error": {"code": "authentication_failed", "message": "Token is blacklisted"}}
    # A rotated token came back: its whole family is revoked (test_token_families.py).
    assert post(client, "auth/token/refresh/", {"refresh": third.json()["refresh"]}).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["garbage", "access"])
def test_refresh_refuses_what_is_not_a_refresh_token(client: Client, which: str) -> None:
    pair = login(client, UserFactory.create().email)
    token = "not.a.token" if which == "garbage" else pair["access"]

    response = post(client, "auth/token/refresh/", {"refresh": token})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert BlacklistedToken.objects.count() == 0


@pytest.mark.django_db
def test_logout_blacklists_the_refresh_token(client: Client) -> None:
    pair = login(client, UserFactory.create().email)

    response = post(client, "auth/logout/", {"refresh": pair["refresh"]})

    assert response.status_code == 204
    assert response.content == b""
    assert list(BlacklistedToken.objects.values_list("token__jti", flat=True)) == [jti(pair["refresh"])]
    refused = post(client, "auth/token/refresh/", {"refresh": pair["refresh"]})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "authentication_failed"
    assert post(client, "auth/logout/", {"refresh": pair["refresh"]}).status_code == 401


# --- password reset -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_password_reset_by_mail_works_once_and_revokes_every_token(
    client: Client, celery_worker: Any, mailbox: Any
) -> None:
    user = UserFactory.create(email="ada@example.com")
    old_pairs = [login(client, user.email), login(client, user.email)]

    unknown = post(client, "auth/password-reset/", {"email": "nobody@example.com"})
    response = post(client, "auth/password-reset/", {"email": "ADA@example.com"})

    assert unknown.status_code == 202
    assert response.status_code == 202
    [message] = mailbox.wait_for(count=1)
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Reset your Taskboard password"
    link = RESET_LINK.search(mailbox.body(message))
    assert link is not None
    body = {"uid": link["uid"], "token": link["token"], "new_password": NEW_PASSWORD}

    confirmed = post(client, "auth/password-reset/confirm/", body)

    assert confirmed.status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    for pair in old_pairs:
        assert post(client, "auth/token/refresh/", {"refresh": pair["refresh"]}).status_code == 401
        old_access = get(client, "users/me/", token=pair["access"])
        assert old_access.status_code == 401
        assert old_access.json() == {
            "error": {"code": "authentication_failed", "message": "The user's password has been changed."}
        }
    assert set(BlacklistedToken.objects.values_list("token__jti", flat=True)) == {
        jti(pair["refresh"]) for pair in old_pairs
    }
    login(client, "ada@example.com", NEW_PASSWORD)
    # The link worked once.
    body["new_password"] = "yet another secret 43"
    reused = post(client, "auth/password-reset/confirm/", body)
    assert reused.status_code == 400
    assert reused.json()["error"]["fields"] == {
        "token": ["This password reset link is invalid or has already been used."]
    }
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert len(mailbox.messages) == 1  # nothing was sent for the unknown address


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["uid", "token"])
def test_password_reset_confirm_refuses_a_bad_link(client: Client, field: str) -> None:
    from accounts.services import password_reset_link

    user = UserFactory.create()
    link = RESET_LINK.search(password_reset_link(user=user))
    assert link is not None
    body = {"uid": link["uid"], "token": link["token"], "new_password": NEW_PASSWORD}
    # The uid of another id ("MQ", id 1, was this user's own on a fresh database: SQLite
    # reuses ids a rolled-back test took, PostgreSQL's sequence doesn't).
    body[field] = urlsafe_base64_encode(force_bytes(user.pk + 1)) if field == "uid" else "abc-123"
    password = user.password

    response = post(client, "auth/password-reset/confirm/", body)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "token": ["This password reset link is invalid or has already been used."]
    }
    user.refresh_from_db()
    assert user.password == password


@pytest.mark.django_db
def test_password_reset_confirm_refuses_a_weak_password_and_the_link_still_works(client: Client) -> None:
    from accounts.services import password_reset_link

    user = UserFactory.create()
    link = RESET_LINK.search(password_reset_link(user=user))
    assert link is not None
    password = user.password

    response = post(
        client,
        "auth/password-reset/confirm/",
        {"uid": link["uid"], "token": link["token"], "new_password": "1234"},
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"new_password"}
    user.refresh_from_db()
    assert user.password == password
    retry = post(
        client,
        "auth/password-reset/confirm/",
        {"uid": link["uid"], "token": link["token"], "new_password": NEW_PASSWORD},
    )
    assert retry.status_code == 204


@pytest.mark.django_db
def test_password_reset_with_a_bad_email_is_a_400(client: Client) -> None:
    response = post(client, "auth/password-reset/", {"email": "nope"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"email": ["Enter a valid email address."]}


# --- me -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_me_shows_the_profile(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com", name="Ada")
    pair = login(client, user.email)

    response = get(client, "users/me/", token=pair["access"])

    assert response.status_code == 200
    assert response.json() == {
        "id": user.id,
        "email": "ada@example.com",
        "name": "Ada",
        "timezone": "UTC",
        "email_notifications": True,
        "email_verified": True,
        "date_joined": user.date_joined.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }


@pytest.mark.django_db
def test_me_without_credentials_is_a_401(client: Client) -> None:
    response = get(client, "users/me/")

    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "Authentication credentials were not provided."}
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.django_db
def test_me_with_a_bad_token_is_a_401(client: Client) -> None:
    response = get(client, "users/me/", token="not.a.token")

    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "authentication_failed", "message": "Given token not valid for any token type"}
    }


@pytest.mark.django_db
def test_patch_me_changes_the_profile(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com", name="Ada")
    pair = login(client, user.email)

    response = patch(
        client,
        "users/me/",
        {
            "name": "Ada King",
            "timezone": "Europe/London",
            "email_notifications": False,
            "email": "other@example.com",
            "id": 999,
            "email_verified": False,
        },
        token=pair["access"],
    )

    assert response.status_code == 200
    assert response.json() | {"date_joined": None} == {
        "id": user.id,
        "email": "ada@example.com",
        "name": "Ada King",
        "timezone": "Europe/London",
        "email_notifications": False,
        "email_verified": True,
        "date_joined": None,
    }
    user.refresh_from_db()
    assert (user.email, user.name, user.timezone, user.email_notifications) == (
        "ada@example.com",
        "Ada King",
        "Europe/London",
        False,
    )


@pytest.mark.django_db
def test_patch_me_with_one_field_changes_only_that_field(client: Client) -> None:
    user = UserFactory.create(name="Ada", timezone="Asia/Tokyo")
    pair = login(client, user.email)

    response = patch(client, "users/me/", {"email_notifications": False}, token=pair["access"])

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.name, user.timezone, user.email_notifications) == ("Ada", "Asia/Tokyo", False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"name": "Changed", "timezone": "Mars/Olympus_Mons"},
            {"timezone": ["Mars/Olympus_Mons is not a known time zone."]},
        ),
        ({"name": "Changed", "timezone": 3}, {"timezone": ["Not a valid string."]}),
        (
            {"name": "Changed", "email_notifications": "yes"},
            {"email_notifications": ["Must be a valid boolean."]},
        ),
        ({"name": 12}, {"name": ["Not a valid string."]}),
        ({"name": "x" * 151}, {"name": ["Ensure this field has no more than 150 characters."]}),
        ({"name": "   "}, {"name": ["This field may not be blank."]}),
    ],
)
def test_patch_me_refuses_invalid_values_and_changes_nothing(
    client: Client, body: dict[str, Any], fields: dict[str, list[str]]
) -> None:
    user = UserFactory.create(name="Ada", timezone="UTC")
    pair = login(client, user.email)

    response = patch(client, "users/me/", body, token=pair["access"])

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["fields"] == fields
    user.refresh_from_db()
    assert (user.name, user.timezone, user.email_notifications) == ("Ada", "UTC", True)


@pytest.mark.django_db
def test_put_me_is_not_allowed(client: Client) -> None:
    pair = login(client, UserFactory.create().email)

    response = client.put(
        "/api/v1/users/me/",
        {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {pair['access']}"},
    )

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


# --- password change ------------------------------------------------------------------


@pytest.mark.django_db
def test_password_change_revokes_every_refresh_and_access_token(client: Client) -> None:
    user = UserFactory.create()
    other_device = login(client, user.email)
    pair = login(client, user.email)

    response = post(
        client,
        "users/me/password/",
        {"current_password": KNOWN_PASSWORD, "new_password": NEW_PASSWORD},
        token=pair["access"],
    )

    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    for old in (other_device, pair):
        assert get(client, "users/me/", token=old["access"]).status_code == 401
        assert post(client, "auth/token/refresh/", {"refresh": old["refresh"]}).status_code == 401
    assert BlacklistedToken.objects.filter(token__user=user).count() == 2
    assert post(client, "auth/token/", {"email": user.email, "password": KNOWN_PASSWORD}).status_code == 401
    login(client, user.email, NEW_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_password": "not my password", "new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": KNOWN_PASSWORD, "new_password": "123"}, "new_password"),
        ({"current_password": KNOWN_PASSWORD, "new_password": 12345678}, "new_password"),
        ({"current_password": KNOWN_PASSWORD}, "new_password"),
    ],
)
def test_password_change_refuses_bad_input_and_changes_nothing(
    client: Client, body: dict[str, Any], field: str
) -> None:
    user = UserFactory.create()
    pair = login(client, user.email)
    password = user.password

    response = post(client, "users/me/password/", body, token=pair["access"])

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    user.refresh_from_db()
    assert user.password == password
    assert get(client, "users/me/", token=pair["access"]).status_code == 200
    assert BlacklistedToken.objects.count() == 0


@pytest.mark.django_db
def test_password_change_keeps_the_browser_session_that_made_it(client: Client) -> None:
    user = UserFactory.create()
    client.force_login(user)

    response = post(
        client, "users/me/password/", {"current_password": KNOWN_PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 204
    assert get(client, "users/me/").status_code == 200


@pytest.mark.django_db
def test_password_change_without_credentials_is_a_401(client: Client) -> None:
    response = post(client, "users/me/password/", {"current_password": "x", "new_password": "y"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- the OpenAPI schema ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_schema_describes_the_accounts_endpoints(client: Client) -> None:
    response = client.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        "/api/v1/auth/register/": ("post", "201"),
        "/api/v1/auth/token/": ("post", "200"),
        "/api/v1/auth/token/refresh/": ("post", "200"),
        "/api/v1/auth/logout/": ("post", "204"),
        "/api/v1/auth/password-reset/": ("post", "202"),
        "/api/v1/auth/password-reset/confirm/": ("post", "204"),
        "/api/v1/users/me/": ("patch", "200"),
        "/api/v1/users/me/password/": ("post", "204"),
        "/api/v1/auth/verify-email/": ("post", "204"),
    }
    for path, (method, status) in expected.items():
        operation = paths[path][method]
        assert status in operation["responses"], path
        assert "requestBody" in operation, path
    register = schema["components"]["schemas"]["RegisterInputRequest"]
    assert set(register["required"]) == {"email", "password", "name"}
    me = schema["components"]["schemas"]["MeOutput"]
    assert set(me["properties"]) == {
        "id",
        "email",
        "name",
        "timezone",
        "email_notifications",
        "email_verified",
        "date_joined",
    }
    assert "202" in paths["/api/v1/auth/verify-email/resend/"]["post"]["responses"]
    assert "429" in paths["/api/v1/auth/token/"]["post"]["responses"]

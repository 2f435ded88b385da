"""Profile and password change pages: the same services as users/me/ in the API."""

import re

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "an entirely new secret 9"


def field_errors(html: str, field: str) -> list[str]:
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def stored(user: User) -> tuple[str, str, bool, str]:
    user.refresh_from_db()
    return (user.name, user.timezone, user.email_notifications, user.password)


def test_saving_the_profile(client: Client) -> None:
    user = UserFactory.create(name="Ada")
    client.force_login(user)

    response = client.post(
        "/accounts/profile/", {"name": "Ada Lovelace", "timezone": "Europe/London", "email_notifications": ""}
    )

    assert response.status_code == 302
    assert stored(user)[:3] == ("Ada Lovelace", "Europe/London", False)


@pytest.mark.parametrize(
    ("data", "field", "errors"),
    [
        ({"name": ""}, "name", ["This field is required."]),
        (
            {"timezone": "Mars/Olympus"},
            "timezone",
            ["Select a valid choice. Mars/Olympus is not one of the available choices."],
        ),
    ],
)
def test_an_invalid_profile_shows_the_error_and_changes_nothing(
    client: Client, data: dict[str, str], field: str, errors: list[str]
) -> None:
    user = UserFactory.create(name="Ada")
    client.force_login(user)
    before = stored(user)

    response = client.post(
        "/accounts/profile/", {"name": "Ada", "timezone": "UTC", "email_notifications": "on"} | data
    )

    assert response.status_code == 200
    assert field_errors(response.content.decode(), field) == errors
    assert stored(user) == before


def test_changing_the_password_keeps_me_signed_in(client: Client) -> None:
    user = UserFactory.create()
    client.force_login(user)

    response = client.post(
        "/accounts/password/",
        {"current_password": KNOWN_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    user.refresh_from_db()
    assert response.status_code == 302
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/accounts/profile/").status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "errors"),
    [
        ({"current_password": "wrong"}, "current_password", ["The current password is not correct."]),
        ({"new_password2": "something else 1"}, "new_password2", ["The two passwords don&#x27;t match."]),
        (
            {"new_password1": "12345678", "new_password2": "12345678"},
            "new_password1",
            [
                "This password is too common.",
                "This password is entirely numeric.",
            ],
        ),
    ],
)
def test_an_invalid_password_change_shows_the_error_and_changes_nothing(
    client: Client, data: dict[str, str], field: str, errors: list[str]
) -> None:
    user = UserFactory.create()
    client.force_login(user)
    before = stored(user)
    form = {"current_password": KNOWN_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}

    response = client.post("/accounts/password/", form | data)

    assert response.status_code == 200
    assert field_errors(response.content.decode(), field) == errors
    assert stored(user) == before

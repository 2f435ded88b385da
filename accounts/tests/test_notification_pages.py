"""The "Email and reminders" page (users/me/notifications/ as a form) and the unsubscribe
link of the notification mails (accounts.unsubscribe_links)."""

import re
from typing import Any

import pytest
from django.test import Client

from accounts import selectors, services
from accounts.models import User
from accounts.notification_preferences import MailKind, preferences_representation
from accounts.tests.factories import UserFactory
from accounts.unsubscribe_links import unsubscribe_headers, unsubscribe_link, unsubscribe_token

pytestmark = pytest.mark.django_db
PAGE = "/accounts/notification-settings/"
DEFAULTS = {
    "email_mentions": True,
    "email_assignments": True,
    "email_due": True,
    "reminder_offsets_minutes": [1440, 60],
    "digest": "off",
    "quiet_hours": {"start": "22:00", "end": "07:00"},
}
FORM = {
    "email_mentions": "on",
    "email_assignments": "on",
    "email_due": "on",
    "reminder_offsets_minutes": "1440, 60",
    "digest": "off",
    "quiet_hours_on": "on",
    "quiet_hours_start": "22:00",
    "quiet_hours_end": "07:00",
}


def settings_of(user: User) -> dict[str, Any]:
    return preferences_representation(selectors.notification_settings_get(user_id=user.pk))


def field_errors(html: str, field: str) -> list[str]:
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


# --- the settings page ---------------------------------------------------------------------


def test_the_page_shows_the_settings_and_is_in_the_account_nav(client: Client) -> None:
    client.force_login(UserFactory.create())

    html = client.get(PAGE).content.decode()

    assert f'href="{PAGE}" aria-current="page">Email and reminders</a>' in html
    assert 'name="reminder_offsets_minutes" value="1440, 60"' in html
    assert re.search(r'name="quiet_hours_start" value="22:00"', html)
    assert re.search(r'<input type="checkbox" name="email_due"[^>]* checked', html)


def test_the_page_says_what_is_mailed_and_when(client: Client) -> None:
    client.force_login(UserFactory.create())

    html = client.get(PAGE).content.decode()

    assert "not mailed yet" not in html
    assert "Mentions within 2 minutes of each other come as one mail." in html
    assert "Assignments within 2 minutes of each other come as one mail." in html
    assert "One mail at 08:00 in your time zone" in html
    assert "Quiet hours: hold mail until they end" in html


def test_anonymous_is_sent_to_log_in(client: Client) -> None:
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_saving_goes_through_the_same_service(client: Client) -> None:
    user = UserFactory.create()
    client.force_login(user)
    data = FORM | {"reminder_offsets_minutes": "30,2880", "digest": "daily", "quiet_hours_on": ""}
    del data["email_assignments"]

    response = client.post(PAGE, data)

    assert response.status_code == 302
    assert settings_of(user) == DEFAULTS | {
        "email_assignments": False,
        "reminder_offsets_minutes": [2880, 30],
        "digest": "daily",
        "quiet_hours": None,
    }


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        (
            {"reminder_offsets_minutes": "an hour"},
            "reminder_offsets_minutes",
            "Give whole numbers of minutes",
        ),
        ({"reminder_offsets_minutes": "1"}, "reminder_offsets_minutes", "Give each reminder from 5 minutes"),
        ({"reminder_offsets_minutes": "60, 60"}, "reminder_offsets_minutes", "Give each reminder once."),
        ({"reminder_offsets_minutes": "5,6,7,8,9,10,11"}, "reminder_offsets_minutes", "Give at most 6"),
        ({"quiet_hours_start": "25:00"}, "quiet_hours_start", "Give a time as HH:MM"),
        ({"quiet_hours_end": ""}, "quiet_hours_end", "Give a time, or turn quiet hours off."),
        (
            {"quiet_hours_end": "22:00"},
            "quiet_hours_end",
            "Quiet hours must start and end at different times.",
        ),
        ({"digest": "weekly"}, "digest", "Select a valid choice."),
    ],
)
def test_errors_are_shown_on_their_field_and_nothing_changes(
    client: Client, data: dict[str, str], field: str, error: str
) -> None:
    user = UserFactory.create()
    client.force_login(user)

    response = client.post(PAGE, FORM | {"email_mentions": ""} | data)

    assert response.status_code == 200
    errors = field_errors(response.content.decode(), field)
    assert errors, response.content.decode()
    assert errors[0].startswith(error), errors
    assert settings_of(user) == DEFAULTS


# --- unsubscribe ---------------------------------------------------------------------------


def path_of(user: User, kind: MailKind) -> str:
    return f"/accounts/unsubscribe/{unsubscribe_token(user_id=user.pk, kind=kind)}/"


def test_the_headers_name_the_link() -> None:
    user = UserFactory.create()

    headers = unsubscribe_headers(user=user, kind=MailKind.DUE)

    assert headers == {
        "List-Unsubscribe": f"<{unsubscribe_link(user=user, kind=MailKind.DUE)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert unsubscribe_link(user=user, kind=MailKind.DUE).endswith(path_of(user, MailKind.DUE))


def test_opening_the_link_shows_one_button_and_changes_nothing(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com")
    path = path_of(user, MailKind.MENTIONS)

    response = client.get(path)

    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    html = response.content.decode()
    assert "mentions" in html
    assert "ada@example.com" in html
    assert len(re.findall(rf'<form method="post" action="{re.escape(path)}">', html)) == 1
    assert settings_of(user) == DEFAULTS


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        (MailKind.MENTIONS, {"email_mentions": False}),
        (MailKind.ASSIGNMENTS, {"email_assignments": False}),
        (MailKind.DUE, {"email_due": False}),
        (MailKind.DIGEST, {"digest": "off"}),
    ],
)
def test_one_click_unsubscribes_once_per_kind_without_login_or_csrf(
    kind: MailKind, change: dict[str, Any]
) -> None:
    user = UserFactory.create()
    if kind is MailKind.DIGEST:  # off by default
        services.notification_settings_update(user_id=user.pk, digest="daily")
    client = Client(enforce_csrf_checks=True)
    body = "List-Unsubscribe=One-Click"

    first = client.post(path_of(user, kind), body, content_type="application/x-www-form-urlencoded")

    assert first.status_code == 200
    assert "You're unsubscribed" in first.content.decode()
    assert settings_of(user) == DEFAULTS | change
    again = client.post(path_of(user, kind), body, content_type="application/x-www-form-urlencoded")
    assert again.status_code == 200
    assert "Already unsubscribed" in again.content.decode()
    assert settings_of(user) == DEFAULTS | change
    # The page's own GET says so too.
    assert "Already unsubscribed" in client.get(path_of(user, kind)).content.decode()


def test_the_kinds_are_apart() -> None:
    user = UserFactory.create()

    Client().post(path_of(user, MailKind.DUE))

    assert settings_of(user) == DEFAULTS | {"email_due": False}


def tampered(token: str) -> list[str]:
    value, _, signature = token.rpartition(":")
    user_id, _, kind = value.partition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return [
        f"{value}:{flipped}",  # a changed signature
        f"{int(user_id) + 1}.{kind}:{signature}",  # another user, same signature
        f"{user_id}.mentions:{signature}",  # another kind, same signature
        value,  # no signature
        token[:-3],  # truncated
        "not-a-token",
    ]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_forged_or_changed_links_are_refused_and_change_nothing(method: str) -> None:
    user = UserFactory.create()
    other = UserFactory.create()
    assert other.pk == user.pk + 1
    client = Client(enforce_csrf_checks=True)

    for token in tampered(unsubscribe_token(user_id=user.pk, kind=MailKind.DUE)):
        response = client.generic(method, f"/accounts/unsubscribe/{token}/", "List-Unsubscribe=One-Click")
        assert response.status_code == 400, token
        assert "This unsubscribe link is not valid." in response.content.decode()

    assert settings_of(user) == DEFAULTS
    assert settings_of(other) == DEFAULTS


def test_a_link_of_a_deleted_or_deactivated_account_is_404() -> None:
    gone = UserFactory.create(is_active=False)

    response = Client().post(path_of(gone, MailKind.DUE))

    assert response.status_code == 404
    assert settings_of(gone) == DEFAULTS

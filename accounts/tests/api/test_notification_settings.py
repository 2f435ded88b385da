"""GET, PATCH users/me/notifications/ (docs/api.md "Accounts", added: issue 15)."""

from typing import Any

import pytest

from accounts.models import NotificationSettings, User
from accounts.tests.factories import UserFactory
from tests.api.http import Api, error_of
from tests.api.matrix import CALLERS, Endpoint, check, endpoint

pytestmark = pytest.mark.django_db
PATH = "users/me/notifications/"
DEFAULTS = {
    "email_mentions": True,
    "email_assignments": True,
    "email_due": True,
    "reminder_offsets_minutes": [1440, 60],
    "digest": "off",
    "quiet_hours": {"start": "22:00", "end": "07:00"},
}


def stored(user: User) -> dict[str, Any]:
    return Api(user).get(PATH).json()


def test_a_new_account_has_the_defaults_without_a_row() -> None:
    user = UserFactory.create()

    response = Api(user).get(PATH)

    assert response.status_code == 200
    assert response.json() == DEFAULTS
    assert not NotificationSettings.objects.exists()


def test_patch_changes_only_what_it_names() -> None:
    user = UserFactory.create()

    response = Api(user).patch(PATH, {"email_due": False, "reminder_offsets_minutes": [5, 20160, 90]})

    assert response.status_code == 200
    assert response.json() == DEFAULTS | {"email_due": False, "reminder_offsets_minutes": [20160, 90, 5]}
    assert stored(user) == response.json()


def test_patch_everything_and_no_quiet_hours() -> None:
    user = UserFactory.create()
    body = {
        "email_mentions": False,
        "email_assignments": False,
        "email_due": True,
        "reminder_offsets_minutes": [],
        "digest": "daily",
        "quiet_hours": None,
    }

    response = Api(user).patch(PATH, body)

    assert response.status_code == 200
    assert response.json() == body
    assert stored(user) == body
    # users/me/'s email_notifications is derived: one kind is still on.
    assert Api(user).get("users/me/").json()["email_notifications"] is True


def test_quiet_hours_across_midnight_or_not() -> None:
    user = UserFactory.create()

    response = Api(user).patch(PATH, {"quiet_hours": {"start": "00:00", "end": "23:59"}})

    assert response.json()["quiet_hours"] == {"start": "00:00", "end": "23:59"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email_mentions": "yes"}, "email_mentions"),
        ({"email_due": 1}, "email_due"),
        ({"email_assignments": None}, "email_assignments"),
        ({"reminder_offsets_minutes": 60}, "reminder_offsets_minutes"),
        ({"reminder_offsets_minutes": ["60"]}, "reminder_offsets_minutes"),
        ({"reminder_offsets_minutes": [60.0]}, "reminder_offsets_minutes"),
        ({"reminder_offsets_minutes": [True]}, "reminder_offsets_minutes"),
        ({"reminder_offsets_minutes": [4]}, "reminder_offsets_minutes"),
        ({"reminder_offsets_minutes": [20161]}, "reminder_offsets_minutes"),
        ({"reminder_offsets_minutes": [60, 60]}, "reminder_offsets_minutes"),
        ({"reminder_offsets_minutes": [5, 10, 15, 20, 25, 30, 35]}, "reminder_offsets_minutes"),
        ({"digest": "weekly"}, "digest"),
        ({"digest": True}, "digest"),
        ({"quiet_hours": "22:00-07:00"}, "quiet_hours"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "22:00", "end": "7:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "22:00", "end": "07:00\n"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "22:00", "end": "07:00:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "22:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": 22, "end": 7}}, "quiet_hours"),
        ({"quiet_hours": {"start": "08:30", "end": "08:30"}}, "quiet_hours"),
    ],
)
def test_anything_else_is_a_400_on_the_field_and_changes_nothing(body: dict[str, Any], field: str) -> None:
    user = UserFactory.create()

    response = Api(user).patch(PATH, body | {"email_mentions": False} if field != "email_mentions" else body)

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert stored(user) == DEFAULTS


def test_unknown_fields_are_ignored() -> None:
    user = UserFactory.create()

    response = Api(user).patch(PATH, {"email_everything": False, "digest": "daily"})

    assert response.status_code == 200
    assert response.json() == DEFAULTS | {"digest": "daily"}


def test_anonymous_is_401_and_each_user_sees_only_their_own() -> None:
    ada, bob = UserFactory.create(), UserFactory.create()
    Api(bob).patch(PATH, {"digest": "daily"})

    assert Api(None).get(PATH).status_code == 401
    anonymous = Api(None).patch(PATH, {"digest": "daily"})
    assert anonymous.status_code == 401
    assert error_of(anonymous)["code"] == "not_authenticated"
    assert stored(ada) == DEFAULTS
    assert stored(bob) == DEFAULTS | {"digest": "daily"}


@pytest.mark.parametrize(
    ("before", "sent", "after"),
    [
        # Off: every kind off.
        ((True, False, True), False, (False, False, False)),
        # On, when all were off: every kind on.
        ((False, False, False), True, (True, True, True)),
        # On, when some kind is on (the value it reads): nothing changes.
        ((True, False, True), True, (True, False, True)),
    ],
)
def test_users_me_email_notifications_sets_the_three_kinds(
    before: tuple[bool, bool, bool], sent: bool, after: tuple[bool, bool, bool]
) -> None:
    user = UserFactory.create(email_mentions=before[0], email_assignments=before[1], email_due=before[2])

    response = Api(user).patch("users/me/", {"email_notifications": sent})

    assert response.status_code == 200
    assert response.json()["email_notifications"] == any(after)
    user.refresh_from_db()
    assert (user.email_mentions, user.email_assignments, user.email_due) == after


# Only oneself: every signed-in caller reaches their own settings (there is no path to
# anyone else's); anonymous is 401 with nothing changed.
MATRIX = [
    endpoint("GET", "users/me/notifications/", minimum="outsider"),
    endpoint("PATCH", "users/me/notifications/", minimum="outsider", body=lambda w: {"digest": "daily"}),
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", MATRIX, ids=str)
def test_permission_matrix(endpoint: Endpoint, caller: str) -> None:
    check(endpoint, caller)

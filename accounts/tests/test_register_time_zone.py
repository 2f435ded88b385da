"""Sign-up takes the zone the page's script put in the form (the browser's); a zone this
server doesn't know, or none (no script), gives UTC. The service itself accepts known zones
only."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts import services
from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ({"timezone": "America/New_York"}, "America/New_York"),
        ({"timezone": "Mars/Olympus_Mons"}, "UTC"),
        ({"timezone": "x" * 65}, "UTC"),
        ({"timezone": ""}, "UTC"),
        ({}, "UTC"),
    ],
    ids=["browser-zone", "unknown", "too-long", "empty", "no-script"],
)
def test_the_new_account_takes_the_zone_the_sign_up_page_sent(
    client: Client, sent: dict[str, str], stored: str
) -> None:
    form = {
        "name": "Ada",
        "email": "ada@example.com",
        "password1": KNOWN_PASSWORD,
        "password2": KNOWN_PASSWORD,
    }

    response = client.post("/accounts/register/", {**form, **sent})

    assert response.status_code == 302
    assert User.objects.get().timezone == stored


def test_the_register_service_refuses_an_unknown_zone_and_creates_nothing() -> None:
    with pytest.raises(ValidationError) as refused:
        services.user_register(
            email="ada@example.com", password=KNOWN_PASSWORD, name="Ada", timezone="Nowhere/City"
        )

    assert refused.value.message_dict == {"timezone": ["Nowhere/City is not a known time zone."]}
    assert User.objects.count() == 0

"""The pages of email verification: the mailed link's page (a GET shows a button, only the
POST verifies), the profile's status and resend button, and the sign-up page's mail."""

import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.core.signing import TimestampSigner, b62_encode
from django.test import Client

from accounts import email_verification
from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory
from tests.test_page_markup import assert_strict_csp_ready

pytestmark = pytest.mark.django_db
VERIFY_LINK = re.compile(r"http://\S+(?P<path>/accounts/verify-email/[^/\s]+/)")


def verified(user: User) -> bool:
    user.refresh_from_db()
    return user.email_verified


def page_path(user: User) -> str:
    return f"/accounts/verify-email/{email_verification.make_token(user=user)}/"


def test_opening_the_link_shows_a_button_and_changes_nothing(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com", email_verified=False)
    path = page_path(user)

    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "ada@example.com" in html
    assert re.search(rf'<form method="post" action="{re.escape(path)}">', html)
    assert '<button type="submit" class="block">Confirm my email address</button>' in html
    assert verified(user) is False
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["Referrer-Policy"] == "no-referrer"
    assert_strict_csp_ready(html, "verify-email page")


def test_the_button_verifies_and_shows_a_success_page(client: Client) -> None:
    user = UserFactory.create(email_verified=False)
    path = page_path(user)

    response = client.post(path)
    again = client.post(path)

    assert response.status_code == 200
    assert "Your email address is confirmed" in response.content.decode()
    assert verified(user) is True
    assert again.status_code == 400
    assert "This verification link has already been used." in again.content.decode()


def test_a_signed_in_user_goes_on_to_the_profile_which_says_verified(client: Client) -> None:
    user = UserFactory.create(email_verified=False)
    client.force_login(user)

    response = client.post(page_path(user), follow=True)

    assert response.redirect_chain == [("/accounts/profile/", 302)]
    html = response.content.decode()
    assert "Your email address is confirmed." in html
    assert "Email address confirmed" in html
    assert "/accounts/verify-email/resend/" not in html


def test_someone_else_signed_in_gets_the_success_page_not_their_profile(client: Client) -> None:
    owner_of_link = UserFactory.create(email_verified=False)
    client.force_login(UserFactory.create(email_verified=False))

    response = client.post(page_path(owner_of_link))

    assert response.status_code == 200
    assert "Your email address is confirmed" in response.content.decode()
    assert verified(owner_of_link) is True


@pytest.mark.parametrize("token", ["garbage", "expired"])
def test_a_bad_or_expired_link_says_so_and_changes_nothing(client: Client, token: str) -> None:
    user = UserFactory.create(email_verified=False)
    if token == "expired":

        class Earlier(TimestampSigner):
            def timestamp(self) -> str:
                return b62_encode(int(time.time()) - settings.EMAIL_VERIFICATION_TIMEOUT - 5)

        token = Earlier(salt=email_verification.SALT).sign_object(email_verification.token_payload(user))
    expected = (
        "This verification link has expired." if token != "garbage" else "This verification link is invalid."
    )

    shown = client.get(f"/accounts/verify-email/{token}/")
    posted = client.post(f"/accounts/verify-email/{token}/")

    assert shown.status_code == 400
    assert expected in shown.content.decode()
    assert "<button" not in shown.content.decode().split("<main", 1)[1]
    assert posted.status_code == 400
    assert expected in posted.content.decode()
    assert verified(user) is False


def test_the_profile_of_an_unverified_user_offers_a_resend(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com", email_verified=False)
    client.force_login(user)

    html = client.get("/accounts/profile/").content.decode()

    assert "Your email address ada@example.com is not confirmed yet." in html
    assert '<form method="post" action="/accounts/verify-email/resend/">' in html
    assert_strict_csp_ready(html, "profile (unverified)")


def test_the_home_page_of_an_unverified_user_says_so_and_a_verified_ones_does_not(client: Client) -> None:
    unverified = UserFactory.create(email_verified=False)
    client.force_login(unverified)
    html = client.get("/").content.decode()
    client.force_login(UserFactory.create())
    verified_html = client.get("/").content.decode()

    assert "is not confirmed yet" in html
    assert '<form method="post" action="/accounts/verify-email/resend/">' in html
    assert_strict_csp_ready(html, "home (unverified)")
    assert "is not confirmed yet" not in verified_html


def test_resend_from_the_profile_queues_one_mail_and_the_cap_says_so(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory.create(email_verified=False)
    client.force_login(user)

    with django_capture_on_commit_callbacks() as queued:
        sent = [client.post("/accounts/verify-email/resend/", follow=True) for _ in range(3)]
        refused = client.post("/accounts/verify-email/resend/", follow=True)

    assert len(queued) == 3
    assert all("We&#x27;ve sent you a new confirmation link." in r.content.decode() for r in sent)
    assert refused.redirect_chain == [("/accounts/profile/", 302)]
    assert "Too many emails to your address. Try again in" in refused.content.decode()


def test_resend_needs_a_signed_in_user(client: Client) -> None:
    response = client.post("/accounts/verify-email/resend/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_signing_up_on_the_page_mails_the_link_that_the_page_confirms(
    client: Client, celery_worker: Any, mailbox: Any
) -> None:
    response = client.post(
        "/accounts/register/",
        {"name": "Ada", "email": "ada@example.com", "password1": KNOWN_PASSWORD, "password2": KNOWN_PASSWORD},
    )
    assert response.status_code == 302
    [message] = mailbox.wait_for(count=1)
    link = VERIFY_LINK.search(mailbox.body(message))
    assert link is not None
    user = User.objects.get()
    assert user.email_verified is False

    confirmed = client.post(link["path"])

    assert confirmed.status_code == 302  # signed in: on to the profile
    assert verified(user) is True

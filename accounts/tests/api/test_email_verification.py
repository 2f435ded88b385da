"""Email verification (issue 12, item 7) and the per-recipient cap on account mail (item 10):
auth/verify-email/, auth/verify-email/resend/, the link in the welcome mail, users/me/."""

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
from tests.api.http import Api, error_of

VERIFY_LINK = re.compile(r"http://\S+/accounts/verify-email/(?P<token>[^/\s]+)/")
INVALID = "This verification link is invalid."
EXPIRED = "This verification link has expired. Ask for a new one from your profile."
USED = "This verification link has already been used."


def register(client: Client, email: str = "ada@example.com") -> Any:
    body = {"email": email, "password": KNOWN_PASSWORD, "name": "Ada"}
    response = client.post("/api/v1/auth/register/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response


def verify(token: Any) -> Any:
    return Api(None).post("auth/verify-email/", {"token": token})


def verified(email: str) -> bool:
    return User.objects.get(email=email).email_verified


def issued_earlier(user: User, seconds_ago: int) -> str:
    """The token the service would have mailed `seconds_ago` seconds ago."""

    class Earlier(TimestampSigner):
        def timestamp(self) -> str:
            return b62_encode(int(time.time()) - seconds_ago)

    return Earlier(salt=email_verification.SALT).sign_object(email_verification.token_payload(user))


# --- registration mails one link ------------------------------------------------------


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_registration_mails_one_welcome_whose_link_verifies_once(
    client: Client, celery_worker: Any, mailbox: Any
) -> None:
    register(client)
    user = User.objects.get()
    assert user.email_verified is False
    assert Api(user).get("users/me/").json()["email_verified"] is False

    [message] = mailbox.wait_for(count=1)
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Welcome to Taskboard"
    body = mailbox.body(message)
    assert "Confirm your email address" in body
    link = VERIFY_LINK.search(body)
    assert link is not None

    first = verify(link["token"])
    again = verify(link["token"])

    assert first.status_code == 204
    assert verified("ada@example.com") is True
    assert Api(user).get("users/me/").json()["email_verified"] is True
    assert again.status_code == 400
    assert error_of(again) == {
        "code": "validation_error",
        "message": "Invalid input: token.",
        "fields": {"token": [USED]},
    }
    assert len(mailbox.messages) == 1  # one mail on registration, not two


# --- the token ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_link_past_its_lifetime_is_refused_and_changes_nothing() -> None:
    user = UserFactory.create(email_verified=False)
    late = issued_earlier(user, settings.EMAIL_VERIFICATION_TIMEOUT + 5)
    in_time = issued_earlier(user, settings.EMAIL_VERIFICATION_TIMEOUT - 60)

    response = verify(late)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"token": [EXPIRED]}
    assert verified(user.email) is False
    assert verify(in_time).status_code == 204
    assert verified(user.email) is True


@pytest.mark.django_db
def test_a_forged_or_foreign_token_is_refused_and_changes_nothing() -> None:
    mine = UserFactory.create(email="me@example.com", email_verified=False)
    victim = UserFactory.create(email="victim@example.com", email_verified=False)
    genuine = email_verification.make_token(user=mine)
    value, stamp, signature = genuine.rsplit(":", 2)
    victims_payload = TimestampSigner(salt="x").sign_object(email_verification.token_payload(victim))
    forged = [
        # The victim's payload under my token's signature.
        f"{victims_payload.rsplit(':', 2)[0]}:{stamp}:{signature}",
        # Signed with the site's key, but for another purpose (another salt).
        TimestampSigner(salt="another.purpose").sign_object(email_verification.token_payload(victim)),
        # A changed timestamp (a link made to look younger).
        f"{value}:{b62_encode(int(time.time()))}x:{signature}",
        "",
        "not-a-token",
        "a" * 600,
    ]

    responses = [verify(token) for token in forged]

    assert [response.status_code for response in responses] == [400] * len(forged)
    for response in responses[:-3]:
        assert error_of(response)["fields"] == {"token": [INVALID]}
    assert set(User.objects.values_list("email_verified", flat=True)) == {False}


@pytest.mark.django_db
def test_a_link_for_an_address_the_account_no_longer_has_is_refused() -> None:
    user = UserFactory.create(email="old@example.com", email_verified=False)
    token = email_verification.make_token(user=user)
    User.objects.filter(pk=user.pk).update(email="new@example.com")  # an admin changed it

    response = verify(token)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"token": [INVALID]}
    assert verified("new@example.com") is False


@pytest.mark.django_db
def test_a_link_of_a_deactivated_account_is_refused() -> None:
    user = UserFactory.create(email_verified=False, is_active=False)

    response = verify(email_verification.make_token(user=user))

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"token": [INVALID]}
    assert verified(user.email) is False


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"token": 5}, {"token": None}, {"token": ["a"]}])
def test_verify_refuses_a_malformed_body(body: dict[str, Any]) -> None:
    response = Api(None).post("auth/verify-email/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"token"}


# --- resend ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_resend_is_a_401() -> None:
    response = Api(None).post("auth/verify-email/resend/")

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.django_db
def test_resend_when_already_verified_is_a_400_and_sends_nothing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    user = UserFactory.create(email_verified=True)

    with django_capture_on_commit_callbacks() as queued:
        response = Api(user).post("auth/verify-email/resend/")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "validation_error",
        "message": "Your email address is already verified.",
        "fields": {"non_field_errors": ["Your email address is already verified."]},
    }
    assert queued == []


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_resend_mails_a_fresh_link_and_the_fourth_mail_in_an_hour_is_refused(
    client: Client, celery_worker: Any, mailbox: Any
) -> None:
    register(client)  # mail 1 of 3 to this address
    user = User.objects.get()
    api = Api(user)

    resends = [api.post("auth/verify-email/resend/") for _ in range(3)]

    assert [response.status_code for response in resends[:2]] == [202, 202]
    refused = resends[2]
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert error_of(refused)["message"] == (
        f"Too many emails to this address. Expected available in {refused['Retry-After']} seconds."
    )
    messages = mailbox.wait_for(count=3)
    assert [message["To"] for message in messages] == ["ada@example.com"] * 3
    subjects = sorted(message["Subject"] for message in messages)
    assert subjects == ["Confirm your Taskboard email address"] * 2 + ["Welcome to Taskboard"]
    # Every mailed link works (until one of them is used).
    tokens = [VERIFY_LINK.search(mailbox.body(message)) for message in messages]
    assert all(token is not None for token in tokens)
    assert verify(tokens[-1]["token"]).status_code == 204  # type: ignore[index]
    assert verified("ada@example.com") is True


# --- the cap on reset mails, counted with verification mails --------------------------


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_fourth_reset_request_in_an_hour_still_answers_202_but_sends_nothing(
    celery_worker: Any, mailbox: Any
) -> None:
    UserFactory.create(email="ada@example.com")

    responses = [Api(None).post("auth/password-reset/", {"email": "ada@example.com"}) for _ in range(4)]

    assert [response.status_code for response in responses] == [202] * 4
    messages = mailbox.wait_for(count=3)
    assert [message["Subject"] for message in messages] == ["Reset your Taskboard password"] * 3
    time.sleep(1)  # a fourth would have been queued with the three (the capture test proves none is)
    assert len(mailbox.messages) == 3


@pytest.mark.django_db
def test_reset_and_verification_mails_share_one_cap_per_recipient(
    django_capture_on_commit_callbacks: Any,
) -> None:
    user = UserFactory.create(email="ada@example.com", email_verified=False)
    other = UserFactory.create(email="bob@example.com", email_verified=False)

    with django_capture_on_commit_callbacks() as queued:
        for _ in range(2):
            assert Api(None).post("auth/password-reset/", {"email": "ADA@example.com"}).status_code == 202
        third = Api(user).post("auth/verify-email/resend/")
        fourth = Api(user).post("auth/verify-email/resend/")
        reset = Api(None).post("auth/password-reset/", {"email": "ada@example.com"})
        # Another recipient has its own count.
        others = Api(other).post("auth/verify-email/resend/")

    assert (third.status_code, fourth.status_code, reset.status_code, others.status_code) == (
        202,
        429,
        202,
        202,
    )
    assert len(queued) == 4


@pytest.mark.django_db
def test_reset_requests_for_unknown_addresses_count_nothing(django_capture_on_commit_callbacks: Any) -> None:
    for _ in range(5):
        assert Api(None).post("auth/password-reset/", {"email": "nobody@example.com"}).status_code == 202
    user = UserFactory.create(email="nobody@example.com", email_verified=False)

    with django_capture_on_commit_callbacks() as queued:
        response = Api(user).post("auth/verify-email/resend/")

    assert response.status_code == 202
    assert len(queued) == 1


# --- other proofs of reading the address ---------------------------------------------------


@pytest.mark.django_db
def test_a_completed_password_reset_verifies_the_address() -> None:
    from accounts.services import password_reset_link

    user = UserFactory.create(email_verified=False)
    link = re.search(r"/reset/(?P<uid>[^/]+)/(?P<token>[^/]+)/", password_reset_link(user=user))
    assert link is not None

    response = Api(None).post(
        "auth/password-reset/confirm/",
        {"uid": link["uid"], "token": link["token"], "new_password": "a brand new secret 42"},
    )

    assert response.status_code == 204
    assert verified(user.email) is True


@pytest.mark.django_db
def test_createsuperuser_accounts_are_verified_and_create_user_ones_are_not() -> None:
    admin = User.objects.create_superuser("root@example.com", KNOWN_PASSWORD, name="Root")
    plain = User.objects.create_user("plain@example.com", KNOWN_PASSWORD, name="Plain")

    assert (admin.email_verified, plain.email_verified) == (True, False)


# --- users/me and the schema ------------------------------------------------------------


@pytest.mark.django_db
def test_email_verified_is_read_only_on_me() -> None:
    user = UserFactory.create(email_verified=False)

    response = Api(user).patch("users/me/", {"email_verified": True, "name": "Ada"})

    assert response.status_code == 200
    assert response.json()["email_verified"] is False
    assert verified(user.email) is False


@pytest.mark.django_db
def test_the_schema_documents_the_verification_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()

    verify_op = schema["paths"]["/api/v1/auth/verify-email/"]["post"]
    resend_op = schema["paths"]["/api/v1/auth/verify-email/resend/"]["post"]
    assert verify_op["tags"] == ["accounts"]
    assert resend_op["tags"] == ["accounts"]
    assert set(verify_op["responses"]) == {"204", "400", "415", "429"}
    assert set(resend_op["responses"]) == {"202", "400", "401", "429"}
    assert verify_op["security"] == [{}]
    assert "requestBody" in verify_op
    me = schema["components"]["schemas"]["MeOutput"]
    assert me["properties"]["email_verified"] == {"type": "boolean", "readOnly": True}
    assert "email_verified" in me["required"]

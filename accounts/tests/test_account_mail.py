"""The account mails in the outbox: one row per logical mail, the links not kept once sent."""

import re
import socket
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from accounts import services
from accounts.tests.factories import UserFactory
from outbox import services as outbox_services
from outbox.admin import SENSITIVE_BODY
from outbox.models import OutboxMail
from outbox.services import SendOutcome

pytestmark = pytest.mark.django_db

RESET_TOKEN = re.compile(r"/accounts/reset/[^/]+/(?P<token>[^/\s]+)/")
VERIFY_TOKEN = re.compile(r"/accounts/verify-email/(?P<token>[^/\s]+)/")


def _outbox_text() -> str:
    """Every field of every outbox row, as one string to search for a secret."""
    return repr(list(OutboxMail.objects.values()))


def _send_all() -> list[SendOutcome]:
    return [outbox_services.mail_send(mail_id=pk) for pk in OutboxMail.objects.values_list("id", flat=True)]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_second_reset_request_sends_a_second_mail_and_a_send_run_twice_one(mailoutbox: list[Any]) -> None:
    user = UserFactory.create(email="ada@example.com")

    services.password_reset_request(email="ada@example.com")
    services.password_reset_request(email="ada@example.com")
    first = _send_all()
    again = _send_all()

    keys = list(OutboxMail.objects.values_list("key", flat=True))
    assert len(set(keys)) == 2
    assert all(re.fullmatch(rf"password_reset:user:{user.pk}:[0-9a-f]{{16}}", key) for key in keys)
    assert (first, again) == ([SendOutcome.SENT] * 2, [SendOutcome.SKIPPED] * 2)
    assert [message.subject for message in mailoutbox] == ["Reset your Taskboard password"] * 2


def test_the_reset_link_is_kept_only_until_sent_and_never_shown_in_the_admin(
    client: Client, mailoutbox: list[Any]
) -> None:
    UserFactory.create(email="ada@example.com")
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    services.password_reset_request(email="ada@example.com")
    [mail] = OutboxMail.objects.all()
    waiting = client.get(f"/admin/outbox/outboxmail/{mail.pk}/change/").content.decode()

    assert _send_all() == [SendOutcome.SENT]

    link = RESET_TOKEN.search(mailoutbox[0].body)
    assert link is not None
    token = link["token"]
    assert token not in waiting  # not even while it waited
    assert SENSITIVE_BODY in waiting
    assert token not in _outbox_text()
    mail.refresh_from_db()
    assert (mail.sensitive, mail.state, mail.text_body, mail.html_body) == (True, "sent", "", "")
    page = client.get(f"/admin/outbox/outboxmail/{mail.pk}/change/").content.decode()
    assert token not in page
    assert SENSITIVE_BODY in page


def test_verification_links_are_sensitive_and_a_verified_users_welcome_is_not(mailoutbox: list[Any]) -> None:
    unverified = UserFactory.create(email_verified=False)
    verified = UserFactory.create(email_verified=True)

    services.welcome_mail_enqueue(user=unverified)
    services.welcome_mail_enqueue(user=verified)
    services.verification_mail_enqueue(user=unverified)
    sensitive = dict(OutboxMail.objects.values_list("key", "sensitive"))
    _send_all()

    assert sensitive[f"welcome:user:{unverified.pk}"] is True
    assert sensitive[f"welcome:user:{verified.pk}"] is False
    [verification_key] = [key for key in sensitive if key.startswith(f"verification:user:{unverified.pk}:")]
    assert sensitive[verification_key] is True
    tokens = [VERIFY_TOKEN.search(message.body) for message in mailoutbox]
    assert sum(token is not None for token in tokens) == 2
    assert not any(token["token"] in _outbox_text() for token in tokens if token is not None)


def test_a_sensitive_mail_that_failed_keeps_no_body_and_is_not_sent_again() -> None:
    UserFactory.create(email="ada@example.com")
    services.password_reset_request(email="ada@example.com")
    [mail] = OutboxMail.objects.all()
    OutboxMail.objects.filter(pk=mail.pk).update(attempts=settings.OUTBOX_MAX_ATTEMPTS - 1)
    unreachable_smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": _closed_port(),
        "EMAIL_TIMEOUT": 1,
    }

    with override_settings(**unreachable_smtp):
        outcome = outbox_services.mail_send(mail_id=mail.pk)

    mail.refresh_from_db()
    assert outcome == SendOutcome.FAILED
    assert (mail.state, mail.text_body, mail.html_body) == ("failed", "", "")
    assert mail.last_error.startswith("ConnectionRefusedError")
    assert outbox_services.mail_retry_failed(mail_ids=[mail.pk]) == 0


def test_a_lost_claim_of_a_sensitive_mail_with_no_attempt_left_keeps_no_body() -> None:
    UserFactory.create(email="ada@example.com")
    services.password_reset_request(email="ada@example.com")
    long_ago = timezone.now() - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS + 60)
    OutboxMail.objects.update(state="sending", claimed_at=long_ago, attempts=settings.OUTBOX_MAX_ATTEMPTS)

    result = outbox_services.mail_sweep()

    [mail] = OutboxMail.objects.all()
    assert result.failed == 1
    assert (mail.state, mail.text_body, mail.html_body) == ("failed", "", "")

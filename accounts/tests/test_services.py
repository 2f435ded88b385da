"""Account services against the real database, worker and SMTP server."""

import re
import socket
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory
from outbox import services as outbox_services
from outbox.models import OutboxMail
from outbox.services import SendOutcome
from tests.threads import run_together

RESET_LINK = re.compile(r"/accounts/reset/(?P<uid>[^/]+)/(?P<token>[^/]+)/$")


class _Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_registration_sends_no_mail(celery_worker: Any, mailbox: Any) -> None:
    def register_then_fail() -> None:
        with transaction.atomic():
            services.user_register(email="ghost@example.com", password=KNOWN_PASSWORD, name="Ghost")
            raise _Rollback()

    with pytest.raises(_Rollback):
        register_then_fail()

    services.user_register(email="ada@example.com", password=KNOWN_PASSWORD, name="Ada")

    [message] = mailbox.wait_for(count=1)
    assert message["To"] == "ada@example.com"
    assert list(User.objects.values_list("email", flat=True)) == ["ada@example.com"]


@pytest.mark.django_db
def test_the_welcome_mail_is_sent_once_even_if_the_task_runs_twice(mailoutbox: list[Any]) -> None:
    user = UserFactory.create(name="Ada")

    # Enqueued twice (the key is the account's): one row. Its send task run twice: one mail.
    services.welcome_mail_enqueue(user=user)
    services.welcome_mail_enqueue(user=user)
    [mail] = OutboxMail.objects.all()
    first = outbox_services.mail_send(mail_id=mail.pk)
    second = outbox_services.mail_send(mail_id=mail.pk)

    assert (first, second) == (SendOutcome.SENT, SendOutcome.SKIPPED)
    assert mail.key == f"welcome:user:{user.pk}"
    assert [message.to for message in mailoutbox] == [[user.email]]
    assert mailoutbox[0].subject == "Welcome to Taskboard"
    assert [mimetype for _, mimetype in mailoutbox[0].alternatives] == ["text/html"]


@pytest.mark.django_db
def test_mail_for_an_account_deleted_or_deactivated_before_it_went_out_is_not_sent(
    mailoutbox: list[Any],
) -> None:
    deleted, deactivated = UserFactory.create(), UserFactory.create()
    services.welcome_mail_enqueue(user=deleted)
    services.password_reset_mail_enqueue(user=deactivated)
    mail_ids = list(OutboxMail.objects.values_list("id", flat=True))

    services.user_delete(user=deleted)
    services.user_deactivate(user=deactivated)

    assert [outbox_services.mail_send(mail_id=mail_id) for mail_id in mail_ids] == [SendOutcome.SKIPPED] * 2
    assert mailoutbox == []
    assert not OutboxMail.objects.exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db
def test_the_welcome_mail_is_retried_on_smtp_errors_and_can_send_later(mailoutbox: list[Any]) -> None:
    user = UserFactory.create()
    services.welcome_mail_enqueue(user=user)
    [mail] = OutboxMail.objects.all()
    unreachable_smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": _closed_port(),
        "EMAIL_TIMEOUT": 1,
    }

    with override_settings(**unreachable_smtp):
        outcome = outbox_services.mail_send(mail_id=mail.pk)

    mail.refresh_from_db()
    assert outcome == SendOutcome.RETRY
    assert (mail.state, mail.attempts) == (OutboxMail.State.PENDING, 1)
    assert mail.last_error.startswith("ConnectionRefusedError")
    assert mail.send_after > timezone.now()
    # Nothing was sent, so nothing is marked sent: the next run, once due, delivers.
    OutboxMail.objects.filter(pk=mail.pk).update(send_after=timezone.now())
    assert outbox_services.mail_send(mail_id=mail.pk) == SendOutcome.SENT
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_refresh_token_used_twice_at_once_rotates_once() -> None:
    user = UserFactory.create()
    pair = services.token_pair_issue(user=user)

    results = run_together(
        lambda: services.token_pair_refresh(refresh=pair.refresh),
        lambda: services.token_pair_refresh(refresh=pair.refresh),
    )

    assert sorted(type(result).__name__ for result in results) == ["AlreadyBlacklisted", "TokenPair"]
    assert OutstandingToken.objects.count() == 2
    # The loser replayed a rotated token: the family, the winner's new token included, is
    # revoked (OWASP: two users of one refresh token can't be told apart).
    assert BlacklistedToken.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_reset_link_used_twice_at_once_works_once() -> None:
    user = UserFactory.create()
    link = RESET_LINK.search(services.password_reset_link(user=user))
    assert link is not None

    results = run_together(
        lambda: services.password_reset_confirm(
            uidb64=link["uid"], token=link["token"], new_password="first new pw 1"
        ),
        lambda: services.password_reset_confirm(
            uidb64=link["uid"], token=link["token"], new_password="second new pw 2"
        ),
    )

    assert sorted(type(result).__name__ for result in results) == ["User", "ValidationError"]
    winner = 0 if isinstance(results[0], User) else 1
    user.refresh_from_db()
    assert user.check_password(["first new pw 1", "second new pw 2"][winner])


@pytest.mark.django_db
def test_a_refresh_token_from_before_a_password_change_is_refused_even_if_not_blacklisted() -> None:
    user = UserFactory.create()
    pair = services.token_pair_issue(user=user)
    # A password set outside the services (the admin's password form, say).
    user.set_password("changed elsewhere 9")
    user.save()

    with pytest.raises(TokenError, match="password has been changed"):
        services.token_pair_refresh(refresh=pair.refresh)


@pytest.mark.django_db
def test_revoking_all_refresh_tokens_counts_only_live_ones() -> None:
    user = UserFactory.create()
    other = UserFactory.create()
    pairs = [services.token_pair_issue(user=user) for _ in range(3)]
    services.token_pair_issue(user=other)
    services.refresh_token_revoke(refresh=pairs[0].refresh)

    revoked = services.user_refresh_tokens_revoke(user=user)

    assert revoked == 2
    assert BlacklistedToken.objects.filter(token__user=user).count() == 3
    assert BlacklistedToken.objects.filter(token__user=other).count() == 0


@pytest.mark.django_db
def test_user_update_changes_nothing_when_one_value_is_invalid() -> None:
    user = UserFactory.create(name="Ada", timezone="UTC")

    with pytest.raises(ValidationError) as raised:
        services.user_update(user=user, name="Changed", timezone="Not/AZone")

    assert raised.value.message_dict == {"timezone": ["Not/AZone is not a known time zone."]}
    user.refresh_from_db()
    assert (user.name, user.timezone) == ("Ada", "UTC")


@pytest.mark.django_db
def test_a_registration_racing_for_the_same_address_is_a_validation_error() -> None:
    # The other registration committed after this one's existence check: simulated by a
    # row the case-sensitive check misses but the case-insensitive unique constraint catches.
    UserFactory.create(email="ada@example.com")
    User.objects.filter(email="ada@example.com").update(email="ADA@example.com")

    with pytest.raises(ValidationError) as raised:
        services.user_register(email="ada@example.com", password=KNOWN_PASSWORD, name="Second")

    assert raised.value.message_dict == {"email": ["An account with this email address already exists."]}


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    # The time zone list is not baked into a migration, so tzdata updates don't show up here.
    call_command("makemigrations", "accounts", "--check", "--dry-run", verbosity=0)

"""The outbox's services in the test process (locmem mail backend): the state machine."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail as django_mail
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from outbox import services
from outbox.messages import describe_error, message_id_for
from outbox.models import OutboxMail

State = OutboxMail.State
pytestmark = pytest.mark.django_db


def enqueue(key: str = "welcome:user=1", **overrides: object) -> OutboxMail:
    arguments: dict[str, object] = {
        "key": key,
        "kind": "welcome",
        "to_address": "ada@example.com",
        "subject": "Welcome",
        "text": "Hello Ada",
        "html": "<p>Hello <b>Ada</b></p>",
        **overrides,
    }
    return services.mail_enqueue(**arguments)  # type: ignore[arg-type]


def test_enqueue_writes_a_row_and_queues_its_send_on_commit(django_capture_on_commit_callbacks) -> None:
    user = UserFactory.create()
    with (
        mock.patch.object(services, "_queue_send") as queue_send,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        mail = enqueue(recipient_id=user.pk, headers={"List-Unsubscribe": "<https://x/u>"})

    assert len(callbacks) == 1
    queue_send.assert_called_once_with(mail.pk)
    mail.refresh_from_db()
    assert (mail.state, mail.attempts, mail.recipient_id, mail.kind) == (State.PENDING, 0, user.pk, "welcome")
    assert mail.headers == {"List-Unsubscribe": "<https://x/u>"}
    assert mail.queued_at is not None


def test_enqueue_is_idempotent_on_the_key(django_capture_on_commit_callbacks) -> None:
    first = enqueue()
    with django_capture_on_commit_callbacks() as callbacks:
        second = enqueue(subject="Other", text="Other", to_address="other@example.com")

    assert second.pk == first.pk
    assert callbacks == []
    assert OutboxMail.objects.count() == 1
    assert OutboxMail.objects.get().subject == "Welcome"


def test_a_later_send_after_is_left_to_the_sweep(django_capture_on_commit_callbacks) -> None:
    later = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks() as callbacks:
        mail = enqueue(send_after=later)

    assert callbacks == []
    assert mail.queued_at is None
    assert services.mail_sweep().queued == 0
    with django_capture_on_commit_callbacks() as callbacks:
        result = services.mail_sweep(now=later + timedelta(seconds=1))
    assert (result.queued, len(callbacks)) == (1, 1)


def test_send_claims_sends_with_a_stable_message_id_and_marks_sent() -> None:
    mail = enqueue(headers={"List-Unsubscribe": "<https://example.com/u/1>"})

    assert services.mail_send(mail_id=mail.pk) == services.SendOutcome.SENT

    [sent] = django_mail.outbox
    assert sent.to == ["ada@example.com"]
    assert sent.extra_headers["Message-ID"] == message_id_for(mail.key)
    assert sent.extra_headers["List-Unsubscribe"] == "<https://example.com/u/1>"
    assert isinstance(sent, EmailMultiAlternatives)
    assert sent.alternatives[0][1] == "text/html"
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (State.SENT, 1)
    assert mail.sent_at is not None
    assert mail.claimed_at is not None


def test_a_second_send_of_the_same_row_is_a_no_op() -> None:
    mail = enqueue()
    services.mail_send(mail_id=mail.pk)

    assert services.mail_send(mail_id=mail.pk) == services.SendOutcome.SKIPPED
    assert len(django_mail.outbox) == 1


def test_a_row_not_yet_due_is_not_sent() -> None:
    mail = enqueue(send_after=timezone.now() + timedelta(minutes=5))

    assert services.mail_send(mail_id=mail.pk) == services.SendOutcome.SKIPPED
    assert django_mail.outbox == []


def test_merge_replaces_the_content_of_a_pending_mail_only() -> None:
    enqueue(key="mentions:user=1:window=1", send_after=timezone.now() + timedelta(minutes=2))

    merged = services.mail_merge_pending(
        key="mentions:user=1:window=1", subject="2 mentions", text="one\ntwo", html="<p>one</p><p>two</p>"
    )

    assert merged is not None
    assert (merged.subject, merged.text_body) == ("2 mentions", "one\ntwo")
    assert services.mail_merge_pending(key="absent", subject="s", text="t", html="") is None
    OutboxMail.objects.filter(pk=merged.pk).update(state=State.SENDING)
    assert services.mail_merge_pending(key=merged.key, subject="3", text="3", html="") is None
    assert OutboxMail.objects.get(pk=merged.pk).subject == "2 mentions"


class FailingConnection:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def __enter__(self) -> "FailingConnection":
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def send_messages(self, messages: object) -> int:
        raise self.exc


@override_settings(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_RETRY_BASE_SECONDS=60, OUTBOX_RETRY_MAX_SECONDS=100)
def test_failures_back_off_and_end_in_failed_with_the_error_kept() -> None:
    mail = enqueue()
    error = smtplib.SMTPDataError(451, b"4.3.0 Try again later")
    delays = []
    with mock.patch.object(services, "get_connection", return_value=FailingConnection(error)):
        for expected in (services.SendOutcome.RETRY, services.SendOutcome.RETRY, services.SendOutcome.FAILED):
            before = timezone.now()
            assert services.mail_send(mail_id=mail.pk) == expected
            mail.refresh_from_db()
            delays.append(round((mail.send_after - before).total_seconds()))
            OutboxMail.objects.filter(pk=mail.pk, state=State.PENDING).update(send_after=timezone.now())

    assert delays[:2] == [60, 100]  # 60, then 120 capped at 100
    assert (mail.state, mail.attempts) == (State.FAILED, 3)
    assert mail.last_error == "SMTPDataError: 451 4.3.0 Try again later"


@override_settings(EMAIL_HOST_PASSWORD="hunter2-secret", EMAIL_HOST_USER="mailer@example.com")
def test_the_kept_error_carries_no_password_user_or_link() -> None:
    exc = smtplib.SMTPAuthenticationError(
        535, b"auth failed for mailer@example.com with hunter2-secret, see https://x.test/r?token=abc"
    )

    described = describe_error(exc)

    assert "hunter2-secret" not in described
    assert "mailer@example.com" not in described
    assert "token=abc" not in described
    assert described.startswith("SMTPAuthenticationError: 535 auth failed for [hidden]")


@override_settings(OUTBOX_CLAIM_TIMEOUT_SECONDS=600, OUTBOX_MAX_ATTEMPTS=3)
def test_the_sweep_takes_back_only_claims_older_than_the_window() -> None:
    mail = enqueue()
    claimed_at = timezone.now()
    OutboxMail.objects.filter(pk=mail.pk).update(state=State.SENDING, claimed_at=claimed_at, attempts=1)

    inside = services.mail_sweep(now=claimed_at + timedelta(seconds=599))
    assert (inside.recovered, OutboxMail.objects.get(pk=mail.pk).state) == (0, State.SENDING)

    after = services.mail_sweep(now=claimed_at + timedelta(seconds=601))
    mail.refresh_from_db()
    assert (after.recovered, after.queued, mail.state) == (1, 1, State.PENDING)
    assert mail.last_error == services.LOST_CLAIM

    # Out of attempts: a lost claim ends the mail as failed, never a fourth send.
    OutboxMail.objects.filter(pk=mail.pk).update(state=State.SENDING, claimed_at=claimed_at, attempts=3)
    last = services.mail_sweep(now=claimed_at + timedelta(seconds=601))
    assert (last.failed, OutboxMail.objects.get(pk=mail.pk).state) == (1, State.FAILED)


@override_settings(OUTBOX_REQUEUE_SECONDS=300)
def test_the_sweep_queues_a_due_row_again_only_when_its_task_looks_lost(
    django_capture_on_commit_callbacks,
) -> None:
    mail = enqueue()
    now = mail.queued_at
    assert now is not None

    assert services.mail_sweep(now=now + timedelta(seconds=299)).queued == 0
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.mail_sweep(now=now + timedelta(seconds=301)).queued == 1
    assert len(callbacks) == 1


def test_retry_failed_resets_the_attempts_and_queues(django_capture_on_commit_callbacks) -> None:
    failed = enqueue(key="a")
    sent = enqueue(key="b")
    OutboxMail.objects.filter(pk=failed.pk).update(state=State.FAILED, attempts=6, last_error="boom")
    OutboxMail.objects.filter(pk=sent.pk).update(state=State.SENT)

    with django_capture_on_commit_callbacks() as callbacks:
        count = services.mail_retry_failed(mail_ids=[failed.pk, sent.pk])

    assert (count, len(callbacks)) == (1, 1)
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.last_error) == (State.PENDING, 0, "boom")
    assert services.mail_send(mail_id=failed.pk) == services.SendOutcome.SENT
    assert OutboxMail.objects.get(pk=sent.pk).state == State.SENT


def test_purge_deletes_finished_rows_older_than_the_retention() -> None:
    old = timezone.now() - timedelta(days=31)
    rows = [("old-sent", State.SENT), ("old-failed", State.FAILED), ("old-pending", State.PENDING)]
    for key, state in rows:
        OutboxMail.objects.filter(pk=enqueue(key=key).pk).update(state=state, created_at=old)
    OutboxMail.objects.filter(pk=enqueue(key="new-sent").pk).update(state=State.SENT)

    assert services.mail_purge_old() == 2
    assert set(OutboxMail.objects.values_list("key", flat=True)) == {"old-pending", "new-sent"}


def test_a_deleted_account_takes_its_mail_with_it() -> None:
    user = UserFactory.create()
    enqueue(recipient_id=user.pk)

    user.delete()

    assert not OutboxMail.objects.exists()


def test_a_send_that_could_not_be_queued_is_left_to_the_next_sweep(
    django_capture_on_commit_callbacks,
) -> None:
    with (
        mock.patch.object(services.current_app, "send_task", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        mail = enqueue()

    assert OutboxMail.objects.get(pk=mail.pk).queued_at is None
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.mail_sweep().queued == 1
    assert len(callbacks) == 1


def test_a_subject_longer_than_its_column_is_cut_with_an_ellipsis_and_the_mail_still_goes_out() -> None:
    # A card's 200-character title in an assignment mail's subject, with the board's name.
    long_subject = "You were assigned “" + "W" * 200 + "” on “" + "B" * 100 + "”"

    mail = enqueue(subject=long_subject)
    merged = services.mail_merge_pending(
        key=mail.key, subject=long_subject + " and more", text="t", html="<p>t</p>"
    )

    assert merged is not None
    for row in (mail, merged):
        assert len(row.subject) == 255
        assert row.subject.startswith("You were assigned “WWW")
        assert row.subject.endswith("…")
    assert OutboxMail.objects.get(pk=mail.pk).subject == merged.subject

"""Mail in bulk (outbox/batches.py) in the test process (locmem backend): many rows in a
fixed number of statements, sent in batches, each mail once, failures kept per mail."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail as django_mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outbox import batches
from outbox.batches import MailDraft, mail_enqueue_many, mail_send_many
from outbox.models import OutboxMail
from tests.plugins.processes import free_port

State = OutboxMail.State
pytestmark = pytest.mark.django_db


def drafts(count: int, *, prefix: str = "bulk", **fields: Any) -> list[MailDraft]:
    return [
        MailDraft(
            key=f"{prefix}:{n}", kind="due_reminder", to_address=f"p{n}@example.com", subject=f"S{n}",
            text="text", html="<p>html</p>", **fields,
        )
        for n in range(count)
    ]  # fmt: skip


def test_many_mails_are_written_in_a_fixed_number_of_statements_and_queued_in_batches(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OUTBOX_SEND_BATCH = 20
    with CaptureQueriesContext(connection) as few:
        mail_enqueue_many(drafts(5, prefix="few"))
    with django_capture_on_commit_callbacks() as callbacks, CaptureQueriesContext(connection) as many:
        ids = mail_enqueue_many(drafts(50))

    assert len(few) == len(many) == 2  # the INSERT, the read of the new ids
    assert len(ids) == OutboxMail.objects.filter(key__startswith="bulk:").count() == 50
    assert len(callbacks) == 3  # 20 + 20 + 10 mails: three send tasks


def test_a_key_already_there_is_left_alone_and_not_queued_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    [first] = mail_enqueue_many(drafts(1))
    with django_capture_on_commit_callbacks() as callbacks:
        again = mail_enqueue_many(drafts(2))  # bulk:0 is there, bulk:1 is new

    assert again == [max(OutboxMail.objects.values_list("id", flat=True))]
    assert OutboxMail.objects.get(pk=first).subject == "S0"
    assert len(callbacks) == 1


def test_a_mail_for_later_waits_for_the_sweep(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        [mail_id] = mail_enqueue_many(drafts(1, send_after=timezone.now() + timedelta(hours=8)))

    assert callbacks == []
    assert OutboxMail.objects.get(pk=mail_id).queued_at is None


def test_a_batch_sends_each_mail_once_in_a_fixed_number_of_statements() -> None:
    few_ids, many_ids = mail_enqueue_many(drafts(5, prefix="few")), mail_enqueue_many(drafts(50))

    with CaptureQueriesContext(connection) as few:
        mail_send_many(mail_ids=few_ids)
    with CaptureQueriesContext(connection) as many:
        result = mail_send_many(mail_ids=many_ids)
    again = mail_send_many(mail_ids=many_ids)  # a duplicate task: every row is taken

    assert len(few) == len(many) == 3  # the claim, the read of the claimed rows, the mark
    assert (result.sent, result.skipped, again.sent, again.skipped) == (50, 0, 0, 50)
    assert len(django_mail.outbox) == 55
    assert len({message.extra_headers["Message-ID"] for message in django_mail.outbox}) == 55
    assert set(OutboxMail.objects.values_list("state", "attempts")) == {(State.SENT, 1)}


def test_an_smtp_server_that_cannot_be_reached_fails_the_batch_for_a_retry() -> None:
    ids = mail_enqueue_many(drafts(3))
    closed = free_port()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=closed
    ):
        result = mail_send_many(mail_ids=ids)

    assert (result.sent, result.failed) == (0, 3)
    rows = OutboxMail.objects.all()
    assert {(row.state, row.attempts) for row in rows} == {(State.PENDING, 1)}
    assert all(row.last_error.startswith("ConnectionRefusedError") for row in rows)
    assert all(row.send_after > timezone.now() for row in rows)  # the backoff


def test_a_batch_out_of_time_hands_the_rest_back_unclaimed(settings: Any) -> None:
    settings.OUTBOX_SEND_BATCH_SECONDS = -1  # out of time before the first message
    ids = mail_enqueue_many(drafts(4))

    result = mail_send_many(mail_ids=ids)

    assert (result.sent, result.released) == (0, 4)
    assert set(OutboxMail.objects.values_list("state", "attempts", "queued_at")) == {(State.PENDING, 0, None)}
    settings.OUTBOX_SEND_BATCH_SECONDS = 20
    assert batches.mail_send_many(mail_ids=ids).sent == 4  # the sweep's send, or any other

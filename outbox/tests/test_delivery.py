"""The outbox through the real worker, the Redis broker and the SMTP server."""

import time

import pytest
from django.db import transaction

from outbox import services
from outbox.messages import message_id_for
from outbox.models import OutboxMail
from taskboard import celery_app
from tests.plugins.smtp_server import Mailbox

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def enqueue(key: str) -> OutboxMail:
    return services.mail_enqueue(
        key=key, kind="welcome", to_address="ada@example.com", subject=key, text="Hello", html="<p>Hello</p>"
    )


def wait_for_state(mail_id: int, state: str, timeout: float = 15) -> OutboxMail:
    deadline = time.monotonic() + timeout
    while True:
        mail = OutboxMail.objects.get(pk=mail_id)
        if mail.state == state or time.monotonic() > deadline:
            return mail
        time.sleep(0.05)


def test_a_committed_mail_is_delivered_once_and_marked_sent(celery_worker, mailbox: Mailbox) -> None:
    with transaction.atomic():
        mail = enqueue("delivery:commit")

    [message] = mailbox.wait_for(1)
    assert message["Message-ID"] == message_id_for(mail.key)
    assert message["Subject"] == "delivery:commit"
    assert message.get_body(preferencelist=("html",)) is not None
    sent = wait_for_state(mail.pk, OutboxMail.State.SENT)
    assert (sent.state, sent.attempts) == (OutboxMail.State.SENT, 1)


def test_a_rolled_back_mail_is_neither_kept_nor_sent(celery_worker, mailbox: Mailbox) -> None:
    class Rollback(Exception):
        pass

    def enqueue_then_fail() -> None:
        with transaction.atomic():
            enqueue("delivery:rollback")
            raise Rollback

    with pytest.raises(Rollback):
        enqueue_then_fail()

    # A mail committed after it arrives alone: the rolled-back one queued nothing.
    with transaction.atomic():
        enqueue("delivery:after")
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "delivery:after"
    assert not OutboxMail.objects.filter(key="delivery:rollback").exists()
    assert services.mail_sweep().queued == 0


def test_a_duplicate_send_task_delivers_one_mail(celery_worker, mailbox: Mailbox) -> None:
    later = services.mail_enqueue(
        key="delivery:duplicate", kind="welcome", to_address="ada@example.com", subject="dup", text="x",
        html="", send_after=None,
    )  # fmt: skip
    # The on-commit task plus three more, as a redelivery or a sweep would queue them.
    ids = [celery_app.send_task(services.SEND_TASK, kwargs={"mail_id": later.pk}).id for _ in range(3)]

    mailbox.wait_for(1)
    deadline = time.monotonic() + 15
    while not all(f"{task_id}] succeeded" in celery_worker.log_file.read_text() for task_id in ids):
        assert time.monotonic() < deadline, "the duplicate tasks did not run"
        time.sleep(0.1)
    assert len(mailbox.messages) == 1
    assert OutboxMail.objects.get(pk=later.pk).attempts == 1

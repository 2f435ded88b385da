"""Batched mention mail through the real worker and SMTP server (both lanes): two mentions
are one message once the window has passed; a rolled-back mention sends nothing; a mention
after the batch went out starts the next one."""

import time

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import NotificationSettings
from boards.tests.factories import BoardListFactory, board_with_roles
from outbox.models import OutboxMail
from outbox.services import mail_sweep
from tasks import services
from tasks.tests.factories import TaskFactory
from tests.plugins.smtp_server import Mailbox

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_two_mentions_are_one_message_and_a_rolled_back_one_is_none(
    celery_worker: object, mailbox: Mailbox
) -> None:
    given = board_with_roles(title="Website launch")
    given.member.email = "meg@example.com"
    given.member.save()
    NotificationSettings.objects.create(user=given.member, quiet_hours_start=None, quiet_hours_end=None)
    todo = BoardListFactory.create(board=given.board)
    first, second, third = (
        TaskFactory.create(list=todo, title=title) for title in ("Ship it", "Logo", "Later")
    )

    services.comment_create(task=first, actor=given.admin, body="@meg@example.com look")
    services.comment_create(task=second, actor=given.admin, body="@meg@example.com and this")

    def mention_rolled_back() -> None:
        with transaction.atomic():
            services.comment_create(task=third, actor=given.admin, body="@meg@example.com never")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        mention_rolled_back()
    assert mail_sweep().queued == 0  # the window has not passed
    # The window passes (2 minutes): the sweep queues the batch.
    OutboxMail.objects.update(send_after=timezone.now())
    assert mail_sweep().queued == 1

    [message] = mailbox.wait_for(1)
    deadline = time.monotonic() + 10
    while OutboxMail.objects.filter(state=OutboxMail.State.SENT).count() != 1:
        assert time.monotonic() < deadline, "not marked sent"
        time.sleep(0.1)
    assert message["To"] == "meg@example.com"
    assert message["Subject"] == "2 mentions on Taskboard"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = mailbox.body(message)
    assert "Ship it" in body
    assert "Logo" in body
    assert "never" not in body
    assert "Later" not in body

    services.comment_create(task=third, actor=given.admin, body="@meg@example.com after")

    sent, pending = OutboxMail.objects.order_by("id")
    assert (sent.state, pending.state) == (OutboxMail.State.SENT, OutboxMail.State.PENDING)
    assert pending.subject == f"{given.admin.name or given.admin.email} mentioned you on “Later”"
    assert len(mailbox.messages) == 1

"""Crash recovery with real processes: a worker killed -9 in the middle of a send; Redis
restarted under the worker and beat. The kill drill runs a worker of its own on a broker
database of its own (the suite's worker never sees its tasks)."""

import time
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from outbox import services
from outbox.models import OutboxMail
from taskboard import celery_app
from tests.plugins.processes import log_tail
from tests.plugins.redis_server import RedisServer
from tests.plugins.smtp_server import Mailbox

from .drill_processes import HoldingSmtpServer, Process, beat, beat_env, wait_for, worker

# Redis: the drills run a worker and beat on a Redis broker of their own.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]
KILL_DB, RESTART_DB = 5, 7


def publish_send(broker_url: str, mail_id: int) -> None:
    with celery_app.connection_for_write(broker_url) as connection:
        celery_app.send_task(services.SEND_TASK, kwargs={"mail_id": mail_id}, connection=connection)


def test_a_worker_killed_mid_send_sends_at_most_once_more_after_the_window(
    drill_env: dict[str, str], redis_server: RedisServer, tmp_path: Path, processes: list[Process]
) -> None:
    broker = redis_server.url(KILL_DB)
    redis_server.client(KILL_DB).flushdb()
    with HoldingSmtpServer() as smtp:
        env = {**drill_env, "CELERY_BROKER_URL": broker, "EMAIL_URL": smtp.url}
        first = worker(env, tmp_path, "worker-1")
        processes.append(first)
        first.wait_for_log(" ready.")
        # Written as due later, so the commit queues nothing on the suite's broker.
        mail = services.mail_enqueue(
            key="drill:kill", kind="welcome", to_address="ada@example.com", subject="Once", text="Hi",
            html="", send_after=timezone.now() + timedelta(hours=1),
        )  # fmt: skip
        OutboxMail.objects.filter(pk=mail.pk).update(send_after=timezone.now())

        smtp.hold.set()
        publish_send(broker, mail.pk)
        assert smtp.received.wait(30), "the worker never reached DATA"
        first.kill()  # the server has the message; the worker never saw the 250
        smtp.hold.clear()

        claimed = OutboxMail.objects.get(pk=mail.pk)
        assert (claimed.state, claimed.attempts) == (OutboxMail.State.SENDING, 1)
        second = worker(env, tmp_path, "worker-2")
        processes.append(second)
        second.wait_for_log(" ready.")

        with mock.patch.object(services, "_queue_send", lambda mail_id: publish_send(broker, mail_id)):
            # Inside the window the claim may be a send in progress: left alone.
            assert services.mail_sweep().recovered == 0
            # The claim grows older than the window (the clock moved on, as beat's sweep sees it).
            window = timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS + 1)
            OutboxMail.objects.filter(pk=mail.pk).update(claimed_at=F("claimed_at") - window)
            swept = services.mail_sweep()
            assert (swept.recovered, swept.queued) == (1, 1)

            wait_for(lambda: len(smtp.messages) == 2, timeout=30, what="the second copy")
            wait_for(
                lambda: OutboxMail.objects.get(pk=mail.pk).state == OutboxMail.State.SENT,
                timeout=10, what="the mark",
            )  # fmt: skip
            # The bound: once more, and no more: further sweeps find nothing to do.
            assert services.mail_sweep() == services.SweepResult(queued=0, recovered=0, failed=0)
            publish_send(broker, mail.pk)  # a stray redelivery is a no-op too
            second.wait_for_log("'skipped'")

    assert len(smtp.messages) == 2
    first_copy, second_copy = (message_from_bytes(raw) for raw in smtp.messages)
    assert first_copy["Message-ID"] == second_copy["Message-ID"]
    sent = OutboxMail.objects.get(pk=mail.pk)
    assert (sent.state, sent.attempts) == (OutboxMail.State.SENT, 2)


def test_redis_restarted_worker_and_beat_resume_and_a_mail_queued_meanwhile_arrives(
    drill_env: dict[str, str], redis_server: RedisServer, mailbox: Mailbox, tmp_path: Path,
    processes: list[Process],
) -> None:  # fmt: skip
    # A worker and a beat of the drill's own (broker db 7): the suite's worker is not the one
    # under test, and its tasks are not mixed with the drill's sweeps.
    env = beat_env({**drill_env, "CELERY_BROKER_URL": redis_server.url(RESTART_DB)})
    redis_server.client(RESTART_DB).flushdb()
    the_worker, the_beat = worker(env, tmp_path, "worker"), beat(env, tmp_path, "beat")
    processes.extend([the_worker, the_beat])
    the_worker.wait_for_log(" ready.")
    the_beat.wait_for_log("Sending due task outbox-sweep")

    redis_server.stop()
    with transaction.atomic():  # the commit cannot queue the send: the broker is down
        mail = services.mail_enqueue(
            key="drill:redis", kind="welcome", to_address="ada@example.com", subject="Meanwhile",
            text="Hi", html="",
        )  # fmt: skip
    assert OutboxMail.objects.get(pk=mail.pk).queued_at is None
    beat_mark, worker_mark = len(the_beat.log), len(the_worker.log)
    restarted = time.monotonic()
    redis_server.start()

    try:
        [message] = mailbox.wait_for(1, timeout=30)
    except AssertionError as exc:
        logs = f"{log_tail(the_worker.log_file)}\n{log_tail(the_beat.log_file)}"
        raise AssertionError(f"{exc}\n{logs}") from None
    delivered = time.monotonic() - restarted
    the_beat.wait_for_log("Sending due task outbox-sweep", after=beat_mark, timeout=30)
    the_worker.wait_for_log("outbox.sweep", after=worker_mark, timeout=30)
    resumed = time.monotonic() - restarted
    assert message["Subject"] == "Meanwhile"
    assert resumed <= 30, resumed
    wait_for(
        lambda: OutboxMail.objects.get(pk=mail.pk).state == OutboxMail.State.SENT, timeout=10, what="the mark"
    )
    print(f"\nRedis restart: mail delivered after {delivered:.1f}s, worker and beat back in {resumed:.1f}s")

"""The jobs and live families (taskboard/metrics/): Celery's task signals, the outbox's sends
and rows, reminders, the queue depths at scrape time, the live sockets and events.

The worker's own process (its exporter, its prefork children) is tested with real processes
in tests/metrics/test_processes.py; here the tasks run in this process (`apply()`), through
the same signal handlers."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from celery import signals
from django.test import Client, override_settings

from live.channel_layer import SharedDecodePubSubChannelLayer
from live.open_sockets import LiveProcess
from live.publishing import _publisher, _send
from outbox import services as outbox_services
from outbox import tasks as outbox_tasks
from reminders.services import reminders_due
from reminders.tests.helpers import due_task, person
from taskboard.metrics.collectors import queue_depths, registry

NOW = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)


def value(name: str, **labels: str) -> float:
    return registry(scrape=False).get_sample_value(name, labels) or 0.0


def moved(name: str, action: Callable[[], Any], **labels: str) -> float:
    before = value(name, **labels)
    action()
    return value(name, **labels) - before


def scraped(text: str, series: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(series + " "))
    return float(line.split()[-1])


# -- Celery --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_task_is_counted_by_name_and_state_with_its_time_and_a_scheduled_one_stamps_beat() -> None:
    sweep = outbox_tasks.sweep
    runs = value("taskboard_celery_task_seconds_count", task="outbox.sweep")
    started = datetime.now(tz=UTC).timestamp()

    assert moved("taskboard_celery_tasks_total", sweep.apply, task="outbox.sweep", state="succeeded") == 1
    assert value("taskboard_celery_task_seconds_count", task="outbox.sweep") - runs == 1
    assert value("taskboard_beat_last_run_timestamp_seconds", task="outbox.sweep") >= int(started)


def test_a_failed_task_is_counted_as_failed() -> None:
    send = outbox_tasks.send_mail

    # Not the task's arguments: it raises before doing anything.
    assert (
        moved("taskboard_celery_tasks_total", lambda: send.apply(args=(1, 2)), task=send.name, state="failed")
        == 1
    )


def test_a_retry_is_counted_as_retried() -> None:
    # No task of the app retries through Celery today (the outbox keeps its own retries);
    # the handler is what a retry would go through.
    send = outbox_tasks.send_mail

    def retry() -> None:
        signals.task_retry.send(sender=send, request=None, reason="test", einfo=None)

    assert moved("taskboard_celery_tasks_total", retry, task=send.name, state="retried") == 1


# -- mail, outbox, reminders ---------------------------------------------------------------


def enqueue(key: str) -> int:
    mail = outbox_services.mail_enqueue(
        key=key, kind="welcome", to_address="ada@example.com", subject=key, text="Hi", html="<p>Hi</p>"
    )
    return mail.pk


@pytest.mark.django_db
def test_mails_sent_and_failed_are_counted_by_kind() -> None:
    sent_id, failing_id = enqueue("metrics:sent"), enqueue("metrics:failing")

    assert (
        moved("taskboard_mail_sent_total", lambda: outbox_services.mail_send(mail_id=sent_id), kind="welcome")
        == 1
    )
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=9
    ):
        failing = moved(
            "taskboard_mail_failed_total",
            lambda: outbox_services.mail_send(mail_id=failing_id),
            kind="welcome",
        )
    assert failing == 1


@pytest.mark.django_db
def test_outbox_rows_are_counted_by_state_at_scrape_time() -> None:
    sent_id = enqueue("metrics:a")
    enqueue("metrics:b")
    outbox_services.mail_send(mail_id=sent_id)

    text = Client().get("/metrics").content.decode()

    assert scraped(text, 'taskboard_outbox_rows{state="pending"}') == 1
    assert scraped(text, 'taskboard_outbox_rows{state="sending"}') == 0
    assert scraped(text, 'taskboard_outbox_rows{state="failed"}') == 0


@pytest.mark.django_db
def test_reminders_are_counted_when_the_scan_commits(django_capture_on_commit_callbacks: Any) -> None:
    ada = person(name="Ada")
    due_task(at=NOW + timedelta(minutes=30), creator=ada, title="Ship")

    def scan() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            assert reminders_due(now=NOW).reminded == 1

    assert moved("taskboard_reminders_sent_total", scan) == 1


# -- queue depth ---------------------------------------------------------------------------


@pytest.mark.redis  # the kombu queues are Redis lists
@pytest.mark.django_db  # the scrape counts the outbox's rows too
def test_queue_depth_counts_every_priority_of_each_queue(redis_server: Any) -> None:
    client = redis_server.client(db=9)
    client.flushdb()
    client.rpush("mail", b"1", b"2")
    client.rpush("mail\x06\x163", b"3")
    client.rpush("reminders", b"4")

    with override_settings(CELERY_BROKER_URL=redis_server.url(db=9)):
        depths = queue_depths()
        text = Client().get("/metrics").content.decode()

    client.flushdb()
    assert depths == {"default": 0, "mail": 3, "reminders": 1}
    assert scraped(text, 'taskboard_celery_queue_depth{queue="mail"}') == 3


def test_queue_depth_on_the_embedded_default_counts_the_broker_folder(tmp_path: Path) -> None:
    for name in ("1_a.mail.msg", "2_b.mail.msg", "3_c.default.msg", "4_d.other.msg", "notes.txt"):
        (tmp_path / name).write_text("{}")

    with override_settings(
        CELERY_BROKER_URL="filesystem://", CELERY_BROKER_TRANSPORT_OPTIONS={"data_folder_in": str(tmp_path)}
    ):
        assert queue_depths() == {"default": 1, "mail": 2, "reminders": 0}


# -- live ----------------------------------------------------------------------------------


class Socket:
    def __init__(self, board_id: int, user_id: int) -> None:
        self.board_id, self.user_id, self.channel_name = (
            board_id,
            user_id,
            f"c.{board_id}.{user_id}.{id(self)}",
        )

    async def close_for_restart(self) -> None:
        return None


@override_settings(REDIS_URL="")  # no watch task
def test_open_sockets_and_present_viewers_follow_the_process_sockets() -> None:
    loop = asyncio.new_event_loop()
    try:
        process = LiveProcess(loop)
        tabs = [Socket(1, 7), Socket(1, 7), Socket(1, 8), Socket(2, 7)]
        for socket in tabs:
            process.add(socket)
        process.add(tabs[0])  # twice is once
        assert (value("taskboard_ws_open_sockets"), value("taskboard_live_presence_users")) == (4, 3)

        process.discard(tabs[0])
        assert (value("taskboard_ws_open_sockets"), value("taskboard_live_presence_users")) == (3, 3)
        process.discard(tabs[1])
        assert (value("taskboard_ws_open_sockets"), value("taskboard_live_presence_users")) == (2, 2)
        loop.run_until_complete(process._close_all("test"))
        assert (value("taskboard_ws_open_sockets"), value("taskboard_live_presence_users")) == (0, 0)
    finally:
        loop.close()


def event(seq: int) -> dict[str, Any]:
    return {"type": "board.event", "seq": seq, "verb": "task.created", "actor": None, "data": {}, "at": ""}


def test_a_published_event_is_counted() -> None:
    def publish() -> None:
        _send("board.424242", event(1))
        _publisher().flush(5)

    assert moved("taskboard_live_events_published_total", publish) == 1


@override_settings(LIVE_PUBLISH_TIMEOUT_SECONDS=1.0)
def test_an_event_the_channel_layer_never_took_is_counted_as_lost() -> None:
    unreachable = SharedDecodePubSubChannelLayer(hosts=[{"address": "redis://127.0.0.1:9/0"}])

    def publish() -> None:
        _publisher().send(unreachable, "board.424242", event(2))
        assert _publisher().flush(10)

    assert moved("taskboard_live_events_lost_total", publish) == 1

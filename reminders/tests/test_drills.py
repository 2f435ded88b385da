"""Reminder drills with real processes (`make drills`; slow, not in `make test`): two beats
for five minutes while reminders keep coming due; Redis restarted under the worker and beat.
Each reminder must reach the SMTP server exactly once. The worker and beats of a drill use a
broker database of their own (8 and 9) and an SMTP server of their own."""

import os
import time
from pathlib import Path

import pytest

from outbox.models import OutboxMail
from outbox.tests.drill_processes import HoldingSmtpServer, Process, beat, beat_env, wait_for, worker
from tests.plugins.processes import log_tail
from tests.plugins.redis_server import RedisServer

from .drill_load import ReminderLoad, check_each_once

pytestmark = [pytest.mark.drill, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
BEATS_DB, RESTART_DB = 8, 9
# The five minutes; DRILL_SECONDS shortens it while working on the drill.
DURATION = float(os.environ.get("DRILL_SECONDS", 300))


def drill_env_for(env: dict[str, str], broker: str, smtp: HoldingSmtpServer) -> dict[str, str]:
    return beat_env(
        {
            **env,
            "CELERY_BROKER_URL": broker,
            "EMAIL_URL": smtp.url,
            "REMINDERS_SCAN_SECONDS": "2",
            # A send task lost with Redis's data is queued again by the sweep this soon
            # (production: 5 minutes).
            "OUTBOX_REQUEUE_SECONDS": "5",
        }
    )


def scans_sent(*beats: Process) -> int:
    return sum(process.log.count("Sending due task reminders-scan") for process in beats)


def wait_for_every_reminder(load: ReminderLoad, smtp: HoldingSmtpServer, *logs: Process) -> None:
    try:
        wait_for(lambda: len(smtp.messages) >= len(load.expected), timeout=90, what="every reminder")
    except AssertionError as exc:
        tails = "\n".join(log_tail(process.log_file) for process in logs)
        raise AssertionError(f"{exc}: {len(smtp.messages)} of {len(load.expected)}\n{tails}") from None
    time.sleep(5)  # a doubled send would arrive by now


def test_two_beats_for_five_minutes_send_each_reminder_once(
    drill_env: dict[str, str], redis_server: RedisServer, tmp_path: Path, processes: list[Process]
) -> None:
    redis_server.client(BEATS_DB).flushdb()
    load = ReminderLoad()
    with HoldingSmtpServer() as smtp:
        env = drill_env_for(drill_env, redis_server.url(BEATS_DB), smtp)
        the_worker = worker(env, tmp_path, "worker")
        beats = [beat(env, tmp_path, "beat-a"), beat(env, tmp_path, "beat-b")]
        processes.extend([the_worker, *beats])
        the_worker.wait_for_log(" ready.")
        wait_for(lambda: scans_sent(*beats) > 0, timeout=30, what="the first scan")

        started = time.monotonic()
        scans_at_start = scans_sent(*beats)
        while time.monotonic() - started < DURATION:
            load.create()
            if len(load.tasks) % 7 == 0:
                load.move_one()
            time.sleep(1)
        elapsed = time.monotonic() - started
        scans = scans_sent(*beats) - scans_at_start
        wait_for_every_reminder(load, smtp, the_worker, *beats)

        check_each_once(load, smtp.messages)
    # One scan every 2 s from the two of them together, not two (beat drifts a little late).
    assert elapsed / 2 * 0.6 <= scans <= elapsed / 2 + 2, (scans, elapsed)
    assert sum("Acquired lock" in process.log for process in beats) == 1
    assert not OutboxMail.objects.exclude(state=OutboxMail.State.SENT).exists()
    print(
        f"\ntwo beats, {elapsed:.0f}s: {len(load.tasks)} tasks, {load.moved} moved, "
        f"{len(load.expected)} reminders, each once; {scans} scans"
    )


def test_redis_restarted_worker_and_beat_resume_and_no_reminder_is_lost_or_doubled(
    drill_env: dict[str, str], redis_server: RedisServer, tmp_path: Path, processes: list[Process]
) -> None:
    redis_server.client(RESTART_DB).flushdb()
    load = ReminderLoad()
    with HoldingSmtpServer() as smtp:
        env = drill_env_for(drill_env, redis_server.url(RESTART_DB), smtp)
        the_worker, the_beat = worker(env, tmp_path, "worker"), beat(env, tmp_path, "beat")
        processes.extend([the_worker, the_beat])
        the_worker.wait_for_log(" ready.")
        the_beat.wait_for_log("Sending due task reminders-scan")
        for _ in range(10):  # reminders before the restart, some in flight when it comes
            load.create()
            time.sleep(0.5)

        redis_server.stop()
        for _ in range(5):  # due while Redis is down
            load.create()
            time.sleep(1)
        beat_mark, worker_mark = len(the_beat.log), len(the_worker.log)
        restarted = time.monotonic()
        redis_server.start()
        the_beat.wait_for_log("Sending due task reminders-scan", after=beat_mark, timeout=30)
        the_worker.wait_for_log("reminders.scan", after=worker_mark, timeout=30)
        resumed = time.monotonic() - restarted
        for _ in range(10):  # and after
            load.create()
            time.sleep(0.5)
        wait_for_every_reminder(load, smtp, the_worker, the_beat)
        delivered = time.monotonic() - restarted

        check_each_once(load, smtp.messages)
    assert resumed <= 30, resumed
    assert not OutboxMail.objects.exclude(state=OutboxMail.State.SENT).exists()
    print(
        f"\nRedis restart: worker and beat back in {resumed:.1f}s; {len(load.expected)} reminders "
        f"each once, the last {delivered:.1f}s after the restart"
    )

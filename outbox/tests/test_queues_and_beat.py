"""The queues, the routes, the broker's visibility timeout and beat's schedule."""

import pytest
from django.conf import settings

from taskboard import celery_app


def queue_of(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def test_mail_tasks_go_to_the_mail_queue_and_the_rest_to_default() -> None:
    celery_app.loader.import_default_modules()

    assert {name: queue_of(name) for name in sorted(celery_app.tasks) if not name.startswith("celery.")} == {
        "accounts.flush_expired_tokens": "default",
        "boards.delete_expired_invitations": "default",
        "outbox.purge": "default",
        "outbox.send_mail": "mail",
        "outbox.send_mails": "mail",
        "outbox.sweep": "default",
        "reminders.digest": "reminders",
        "reminders.purge_digest_records": "reminders",
        "reminders.scan": "reminders",
    }
    assert queue_of("reminders.scan") == "reminders"
    assert [queue.name for queue in settings.CELERY_TASK_QUEUES] == ["default", "mail", "reminders"]


@pytest.mark.redis  # the visibility timeout is Redis's (the filesystem broker has none)
def test_the_visibility_timeout_outlasts_every_countdown_and_time_limit() -> None:
    celery_app.loader.import_default_modules()
    longest_backoff = max(getattr(task, "retry_backoff_max", 0) or 0 for task in celery_app.tasks.values())
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert isinstance(timeout, int)

    # No task retries with a countdown (the account and invitation tasks that did are gone:
    # their mail goes through the outbox, whose rows keep the retry state).
    assert longest_backoff == 0
    assert timeout > longest_backoff
    assert timeout > settings.CELERY_TASK_TIME_LIMIT
    assert timeout > settings.OUTBOX_CLAIM_TIMEOUT_SECONDS


@pytest.mark.redis  # the scheduler with the lock is the one for Redis
def test_every_scheduled_task_exists_and_beat_holds_a_lock_on_redis() -> None:
    celery_app.loader.import_default_modules()

    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(celery_app.tasks)
    assert settings.CELERY_BEAT_SCHEDULER == "taskboard.beat.LockedRedBeatScheduler"
    assert settings.CELERY_REDBEAT_LOCK_TIMEOUT > settings.CELERY_BEAT_MAX_LOOP_INTERVAL
    # The claim window exceeds any send: a send in progress is never taken back.
    longest_send = max(settings.CELERY_TASK_TIME_LIMIT, settings.EMAIL_TIMEOUT)
    assert longest_send < settings.OUTBOX_CLAIM_TIMEOUT_SECONDS

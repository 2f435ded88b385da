"""Celery: Redis (or any broker URL) in production, a folder on disk in the embedded default.

Three queues, so a backlog of one kind never delays another: `mail` (the outbox's sends:
every mail), `reminders` (due-date reminders, issue 15), `default` (the rest: the
sweeps and the housekeeping). A worker started without -Q consumes all three; production may
run one worker per queue. Beat (`celery -A taskboard beat`) is one process per deployment:
on Redis, two beats may run (a standby) and only the one holding the lock sends
(taskboard/beat.py); on the embedded default, `make run` starts one beside the worker.
"""

from datetime import timedelta

from kombu import Queue

from .environment import VAR_DIR, env

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded default: worker and web server share a folder, nothing to install.
    _queue_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
else:
    # Redis hands an unacknowledged message (acks_late: a task runs, then acks) to another
    # worker after this many seconds. It must exceed the longest countdown or ETA the app
    # uses — none today: every mail goes through the outbox, whose future send_after and
    # retries wait for the sweep — and the hard time limit (60 s), or a waiting message is
    # delivered twice. One hour leaves room for a countdown added later. The cost:
    # a message held by a worker killed -9 comes back only after it; the outbox does not
    # wait for that (its sweep re-sends a lost claim, outbox/services.py).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60),
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran, so a worker that dies mid-task hands it on.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=30)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"

CELERY_TASK_QUEUES = (Queue("default"), Queue("mail"), Queue("reminders"))
CELERY_TASK_DEFAULT_QUEUE = "default"
# By task name; the first match wins (exact names before patterns).
CELERY_TASK_ROUTES = {
    "outbox.sweep": {"queue": "default"},
    "outbox.purge": {"queue": "default"},
    "outbox.*": {"queue": "mail"},
    "reminders.*": {"queue": "reminders"},
}

# Beat. How often the outbox sweep runs (seconds): it sends mail whose send_after came and
# recovers lost claims, so it is also the granularity of delayed and retried mail.
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=60.0)
HOUSEKEEPING_SECONDS = env.float("HOUSEKEEPING_SECONDS", default=60.0 * 60)
# How often the due-date reminder scan runs (reminders/services.py); a reminder goes out at
# most this late.
REMINDERS_SCAN_SECONDS = env.float("REMINDERS_SCAN_SECONDS", default=60.0)
# Tasks per transaction of the scan, and the seconds one scan task works before it queues
# its continuation (under CELERY_TASK_SOFT_TIME_LIMIT: a large backlog is never cut off).
REMINDERS_SCAN_CHUNK = env.int("REMINDERS_SCAN_CHUNK", default=500)
REMINDERS_SCAN_BUDGET_SECONDS = env.float("REMINDERS_SCAN_BUDGET_SECONDS", default=20.0)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "outbox-sweep": {"task": "outbox.sweep", "schedule": timedelta(seconds=OUTBOX_SWEEP_SECONDS)},
    "reminders-scan": {"task": "reminders.scan", "schedule": timedelta(seconds=REMINDERS_SCAN_SECONDS)},
    # The daily digest's scan (reminders/digests.py): each user's 08:00 comes around in their
    # own zone, so it runs as often as the reminders' scan; most runs read one query.
    "reminders-digest": {"task": "reminders.digest", "schedule": timedelta(seconds=REMINDERS_SCAN_SECONDS)},
    "outbox-purge": {"task": "outbox.purge", "schedule": timedelta(seconds=HOUSEKEEPING_SECONDS)},
    "accounts-flush-expired-tokens": {
        "task": "accounts.flush_expired_tokens",
        "schedule": timedelta(seconds=HOUSEKEEPING_SECONDS),
    },
    "reminders-purge-digest-records": {
        "task": "reminders.purge_digest_records",
        "schedule": timedelta(seconds=HOUSEKEEPING_SECONDS),
    },
    "boards-delete-expired-invitations": {
        "task": "boards.delete_expired_invitations",
        "schedule": timedelta(seconds=HOUSEKEEPING_SECONDS),
    },
}
# Beat wakes at least this often (seconds): a standby beat retries the lock, the active one
# extends it, at this pace.
CELERY_BEAT_MAX_LOOP_INTERVAL = env.int("CELERY_BEAT_MAX_LOOP_INTERVAL", default=5)
if CELERY_BROKER_URL.startswith("redis"):
    # The schedule (with each entry's last run) and the lock live in Redis: two beats never
    # both send, and the one that takes over continues where the other stopped.
    CELERY_BEAT_SCHEDULER = "taskboard.beat.LockedRedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = env.str("REDBEAT_REDIS_URL", default=CELERY_BROKER_URL)
    CELERY_REDBEAT_REDIS_OPTIONS: dict[str, object] = {}
    CELERY_REDBEAT_KEY_PREFIX = env.str("REDBEAT_KEY_PREFIX", default="taskboard:beat:")
    # A beat killed outright holds the lock this long (seconds); the standby takes over
    # after it. Five loop intervals: an active beat extends it every interval.
    CELERY_REDBEAT_LOCK_TIMEOUT = env.int("REDBEAT_LOCK_TIMEOUT", default=5 * CELERY_BEAT_MAX_LOOP_INTERVAL)
else:
    # The embedded default: one beat (run_local holds a file lock for it), its schedule in
    # a file beside the broker folder.
    CELERY_BEAT_SCHEDULER = "celery.beat:PersistentScheduler"
    CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Housekeeping: invitations expired this many days ago are deleted (boards/housekeeping.py).
INVITATION_RETENTION_DAYS = env.int("INVITATION_RETENTION_DAYS", default=30)

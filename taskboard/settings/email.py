"""Outgoing mail: SMTP from EMAIL_URL; the console plus a folder of .eml files by default."""

from .environment import VAR_DIR, env

EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "taskboard.mail.LocalMailBackend"
    LOCAL_MAIL_DIR = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Taskboard <noreply@taskboard.local>")
# The address people reach the app at, for links in mail.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Seconds one SMTP operation may take: a send never hangs past the outbox's claim window.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# The outbox (outbox/services.py; docs/architecture.md "Mail").
# Sends of one mail before it is `failed`; between them, a backoff from the base doubling up
# to the cap (seconds). The sweep (OUTBOX_SWEEP_SECONDS) picks retries up when they are due.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=60 * 60)
# A `sending` row claimed longer ago than this is taken back by the sweep and sent again: its
# worker died between claiming and marking. Longer than any send can take (EMAIL_TIMEOUT per
# SMTP step, the task's hard time limit), so a send still in progress is never doubled.
OUTBOX_CLAIM_TIMEOUT_SECONDS = env.int("OUTBOX_CLAIM_TIMEOUT_SECONDS", default=10 * 60)
# A pending row whose send task was queued this long ago and has not run is queued again
# (the message was lost: broker down at commit, a purge).
OUTBOX_REQUEUE_SECONDS = env.int("OUTBOX_REQUEUE_SECONDS", default=5 * 60)
# Sent and failed rows are deleted after this many days.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=30)
# Bulk mail (the reminder scan; outbox/batches.py): mails per send task, over one SMTP
# connection, and the seconds a batch may spend sending before it hands the rest back to the
# sweep (well under the task's soft time limit, CELERY_TASK_SOFT_TIME_LIMIT).
OUTBOX_SEND_BATCH = env.int("OUTBOX_SEND_BATCH", default=50)
OUTBOX_SEND_BATCH_SECONDS = env.float("OUTBOX_SEND_BATCH_SECONDS", default=20.0)

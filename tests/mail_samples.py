"""One mail of every kind, made by the services that make them in production, for the tests
that read them (tests/test_mail_kinds.py) and look at them (tests/e2e/test_mail_screenshots.py).

The reader lives in New York; the digest and the reminder are made at fixed instants of
their morning and afternoon (EST), so their times read the same on every run."""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from accounts.models import Digest, NotificationSettings, User
from accounts.services import email_verification_resend, password_reset_request, user_register
from boards import services as board_services
from boards.models import Board
from outbox.models import OutboxMail
from reminders.digests import digests_send
from reminders.services import reminders_due
from tasks import services as task_services
from tasks.models import Task

NEW_YORK = ZoneInfo("America/New_York")
# The reminder's scan: 15:30 in New York, a card due at 16:00.
REMINDER_SCAN = datetime(2030, 1, 10, 15, 30, tzinfo=NEW_YORK).astimezone(UTC)
DUE_AT = datetime(2030, 1, 10, 16, 0, tzinfo=NEW_YORK).astimezone(UTC)
# The digest's scan: 08:05 in New York the next day; one card overdue, one due that evening.
DIGEST_SCAN = datetime(2030, 1, 11, 8, 5, tzinfo=NEW_YORK).astimezone(UTC)
DUE_TONIGHT = datetime(2030, 1, 11, 18, 30, tzinfo=NEW_YORK).astimezone(UTC)
KINDS = (
    "welcome",
    "verification",
    "password_reset",
    "invitation",
    "mention",
    "assignment",
    "due_reminder",
    "digest",
)


@dataclass(frozen=True)
class Samples:
    reader: User
    board: Board
    card: Task  # the card of the reminder (due at DUE_AT), also overdue in the digest
    tonight: Task  # due at DUE_TONIGHT
    mails: dict[str, OutboxMail]  # by kind


def make_samples() -> Samples:
    owner = user_register(email="ada@example.com", password="a long passphrase 1", name="Ada Lovelace")
    reader = user_register(
        email="grace@example.com",
        password="a long passphrase 2",
        name="Grace Hopper",
        timezone="America/New_York",
    )
    email_verification_resend(user=reader)
    # Confirmed (as by the link): a verified address is added to the board, not invited.
    User.objects.filter(pk=reader.pk).update(email_verified=True)
    reader.refresh_from_db()
    password_reset_request(email=reader.email)
    NotificationSettings.objects.create(
        user=reader, digest=Digest.DAILY, quiet_hours_start=None, quiet_hours_end=None
    )
    board = board_services.board_create(actor=owner, title="Website launch", list_titles=["To do", "Doing"])
    board_services.member_add(board_id=board.pk, actor=owner, email=reader.email, role="member")
    board_services.member_add(board_id=board.pk, actor=owner, email="new.person@example.com", role="member")
    todo = board.lists.get(title="To do")
    card = task_services.task_create(
        board=board,
        actor=owner,
        list_id=todo.pk,
        title="Pick the launch date",
        due_at=DUE_AT,
        assignee_ids=[reader.pk],
    )
    tonight = task_services.task_create(
        board=board,
        actor=owner,
        list_id=todo.pk,
        title="Q&A page copy",
        due_at=DUE_TONIGHT,
        assignee_ids=[reader.pk],
    )
    task_services.comment_create(task=card, actor=owner, body=f"@{reader.email} can you confirm the date?")
    reminders_due(now=REMINDER_SCAN)
    digests_send(now=DIGEST_SCAN)
    mails: dict[str, OutboxMail] = {}
    for mail in OutboxMail.objects.order_by("id"):
        if mail.to_address in (reader.email, "new.person@example.com"):
            mails.setdefault(mail.kind, mail)
    return Samples(reader=reader, board=board, card=card, tonight=tonight, mails=mails)

"""Mention and assignment mail (both lanes): batched per user and kind within the window,
per-kind opt-out, held through quiet hours, gone with a rolled-back write."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import NotificationSettings
from accounts.notification_preferences import MailKind
from accounts.services import mail_kind_unsubscribe, notification_settings_update
from accounts.unsubscribe_links import read_unsubscribe_token
from activity.models import Notification
from activity.notification_mail import BATCH_WINDOW, batch_key
from boards.models import BoardList
from boards.tests.factories import BoardListFactory, BoardWithRoles, board_with_roles
from outbox.models import OutboxMail
from tasks import services
from tasks.models import Task
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def given() -> BoardWithRoles:
    board = board_with_roles(title="Website launch")
    board.member.name, board.member.email = "Meg", "meg@example.com"
    board.member.save()
    board.admin.name = "Ada"
    board.admin.save()
    # No quiet hours unless a test sets them: the mail's send_after is the window's end.
    NotificationSettings.objects.create(user=board.member, quiet_hours_start=None, quiet_hours_end=None)
    return board


@pytest.fixture
def todo(given: BoardWithRoles) -> BoardList:
    return BoardListFactory.create(board=given.board, title="To do")


def mention(given: BoardWithRoles, task: Task, *, who: str = "meg@example.com") -> None:
    services.comment_create(task=task, actor=given.admin, body=f"@{who} have a look")


def test_three_mentions_within_the_window_are_one_mail_listing_all_three(
    given: BoardWithRoles, todo: BoardList
) -> None:
    cards = [TaskFactory.create(list=todo, title=title) for title in ("Ship it", "Price page", "Logo")]
    before = timezone.now()

    for card in cards:
        mention(given, card)

    [mail] = OutboxMail.objects.all()
    first = Notification.objects.filter(user=given.member).order_by("id").first()
    assert first is not None
    assert mail.key == batch_key(
        outbox_kind="mention", user_id=given.member.pk, first_notification_id=first.pk
    )
    assert mail.key == f"mention:user={given.member.pk}:from={first.pk}"
    assert (mail.kind, mail.to_address, mail.state) == ("mention", "meg@example.com", "pending")
    assert mail.subject == "3 mentions on Taskboard"
    assert before + BATCH_WINDOW <= mail.send_after <= timezone.now() + BATCH_WINDOW
    for card in cards:
        assert f"/tasks/{card.pk}/" in mail.text_body
        assert f"“{card.title}”" in mail.text_body
        assert card.title in mail.html_body
    assert mail.text_body.count("Ada mentioned you on") == 3
    assert "Website launch" in mail.html_body
    assert set(Notification.objects.filter(user=given.member).values_list("mail_key", flat=True)) == {
        mail.key
    }


def test_a_mention_after_the_batch_was_claimed_starts_the_next_one(
    given: BoardWithRoles, todo: BoardList
) -> None:
    first_card, second_card = (
        TaskFactory.create(list=todo, title="One"),
        TaskFactory.create(list=todo, title="Two"),
    )
    mention(given, first_card)
    sent = OutboxMail.objects.get()
    OutboxMail.objects.filter(pk=sent.pk).update(state=OutboxMail.State.SENDING)  # a worker claimed it

    mention(given, second_card)

    sent.refresh_from_db()
    later = OutboxMail.objects.exclude(pk=sent.pk).get()
    assert "Two" not in sent.text_body
    assert sent.subject == "Ada mentioned you on “One”"
    assert later.subject == "Ada mentioned you on “Two”"
    assert "One" not in later.text_body
    assert later.key != sent.key


def test_mention_mail_off_keeps_assignment_mail_and_the_in_app_notifications(
    given: BoardWithRoles, todo: BoardList
) -> None:
    given.member.email_mentions = False
    given.member.save()
    card = TaskFactory.create(list=todo, title="Ship it")

    mention(given, card)
    services.task_create(
        board=given.board,
        actor=given.admin,
        list_id=todo.pk,
        title="Write docs",
        assignee_ids=[given.member.pk],
    )

    [mail] = OutboxMail.objects.all()
    assert (mail.kind, mail.subject) == ("assignment", "Ada assigned you to “Write docs”")
    assert Notification.objects.filter(user=given.member).count() == 2
    unsubscribe = mail.headers["List-Unsubscribe"].strip("<>")
    assert read_unsubscribe_token(unsubscribe.rstrip("/").rsplit("/", 1)[1]) == (
        given.member.pk,
        "assignments",
    )
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in mail.text_body
    assert unsubscribe in mail.html_body


def test_mentions_and_assignments_batch_apart_and_the_actor_gets_nothing(
    given: BoardWithRoles, todo: BoardList
) -> None:
    card = TaskFactory.create(list=todo, title="Ship it")

    mention(given, card)
    mention(given, card, who=given.admin.email)  # themselves: no notification, no mail
    for title in ("A", "B"):
        services.task_create(
            board=given.board, actor=given.admin, list_id=todo.pk, title=title, assignee_ids=[given.member.pk]
        )

    assert sorted(OutboxMail.objects.values_list("kind", "subject")) == [
        ("assignment", "You were assigned to 2 cards"),
        ("mention", "Ada mentioned you on “Ship it”"),
    ]


def test_times_in_the_mail_are_the_readers(given: BoardWithRoles, todo: BoardList) -> None:
    given.member.timezone = "America/New_York"
    given.member.save()
    card = TaskFactory.create(list=todo, title="Ship it")

    mention(given, card)

    mail = OutboxMail.objects.get()
    note = Notification.objects.get(user=given.member)
    local = note.created_at.astimezone(ZoneInfo("America/New_York"))
    shown = f"{local:%H:%M} {local.tzname()}"
    assert shown in mail.text_body
    assert shown in mail.html_body


def test_a_mention_in_quiet_hours_waits_for_their_end(given: BoardWithRoles, todo: BoardList) -> None:
    # Quiet around the clock but one minute: the window's end falls inside, whenever the test runs.
    now = timezone.now().astimezone(UTC)
    start = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    NotificationSettings.objects.filter(user=given.member).update(
        quiet_hours_start=start, quiet_hours_end=end
    )
    card = TaskFactory.create(list=todo, title="Ship it")

    mention(given, card)

    mail = OutboxMail.objects.get()
    expected = datetime.combine((now + timedelta(hours=1)).date(), end, tzinfo=UTC)
    assert mail.send_after == expected


def test_a_rolled_back_write_leaves_no_mail_and_no_notification(
    given: BoardWithRoles, todo: BoardList
) -> None:
    card = TaskFactory.create(list=todo, title="Ship it")

    def write_that_fails() -> None:
        with transaction.atomic():
            mention(given, card)
            raise RuntimeError("the write fails after the mention")

    with pytest.raises(RuntimeError):
        write_that_fails()

    assert OutboxMail.objects.count() == 0
    assert Notification.objects.count() == 0


def test_an_inactive_member_gets_no_mail(given: BoardWithRoles, todo: BoardList) -> None:
    given.member.is_active = False
    given.member.save()
    card = TaskFactory.create(list=todo, title="Ship it")

    mention(given, card)

    assert OutboxMail.objects.count() == 0


def test_unsubscribing_drops_the_pending_batch_of_that_kind_only(
    given: BoardWithRoles, todo: BoardList
) -> None:
    mention(given, TaskFactory.create(list=todo, title="Ship it"))
    services.task_create(
        board=given.board,
        actor=given.admin,
        list_id=todo.pk,
        title="Write docs",
        assignee_ids=[given.member.pk],
    )

    assert mail_kind_unsubscribe(user_id=given.member.pk, kind=MailKind.MENTIONS) is True

    assert list(OutboxMail.objects.values_list("kind", flat=True)) == ["assignment"]
    notification_settings_update(user_id=given.member.pk, email_assignments=False)
    assert OutboxMail.objects.count() == 0

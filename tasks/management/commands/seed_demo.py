"""Demo data for `make run`: idempotent, known passwords printed on every start.

`seed_demo` makes the demo users and the "Product launch" board through the services, so
the board has what any board has: its activity feed, notifications, positions. Running it
again changes nothing (the board is found by its title and owner).

`seed_demo --tasks N` also makes "Large board (N tasks)", for load tests and for trying the
app on a big board. Its tasks are written in bulk, in one transaction holding the board's
lock (writes.board_transaction): the same rows task_create would write (positions one POSITION_STEP
apart in each list, one task.created Activity per task with the next seq, the board's
version bumped), without its per-task round trips. Two things are left out on purpose:
live events (nobody can watch a board before the transaction that creates it commits; its
feed replays from the Activity rows) and "assigned you" notifications (thousands of them).
"""

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from activity.models import Activity
from boards import services as board_services
from boards.models import Board, BoardList, Label, Role
from boards.permissions import Action
from taskboard.markdown_rendering import render_markdown
from tasks import services as task_services
from tasks.management.demo_data import (
    ALICE,
    BOB,
    CAROL,
    DEMO_BOARD_DESCRIPTION,
    DEMO_BOARD_TITLE,
    DEMO_COMMENTS,
    DEMO_LABELS,
    DEMO_LISTS,
    DEMO_PASSWORD,
    DEMO_TASKS,
    DEMO_USERS,
    LARGE_BOARD_LABELS,
    LARGE_BOARD_LISTS,
    LARGE_TASK_AREAS,
    LARGE_TASK_PRIORITIES,
    LARGE_TASK_SUBJECTS,
    large_board_title,
)
from tasks.models import Task, TaskAssignee, TaskLabel
from tasks.representations import task_representation
from writes import POSITION_STEP, board_write

BULK_BATCH_SIZE = 1000


def owned_board(owner: User, title: str) -> Board | None:
    return Board.objects.filter(title=title, memberships__user=owner, memberships__role=Role.OWNER).first()


def seed_users() -> dict[str, User]:
    users = {}
    for email, name, is_staff in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                name=name,
                is_staff=is_staff,
                is_superuser=is_staff,
                email_verified=True,
            )
        elif not user.email_verified:
            # A database from before verification existed: the demo members are added to
            # the boards by address, which needs verified accounts (else invitations).
            User.objects.filter(pk=user.pk).update(email_verified=True)
            user.email_verified = True
        users[email] = user
    return users


def seed_demo_board(users: dict[str, User]) -> tuple[Board, bool]:
    """The "Product launch" board, made through the services; (board, created)."""
    alice = users[ALICE]
    existing = owned_board(alice, DEMO_BOARD_TITLE)
    if existing is not None:
        return existing, False
    board = board_services.board_create(
        actor=alice, title=DEMO_BOARD_TITLE, description=DEMO_BOARD_DESCRIPTION, list_titles=DEMO_LISTS
    )
    board_services.member_add(board_id=board.pk, actor=alice, email=BOB, role=Role.MEMBER)
    board_services.member_add(board_id=board.pk, actor=alice, email=CAROL, role=Role.VIEWER)
    labels = {
        name: board_services.label_create(board_id=board.pk, actor=alice, name=name, color=color).pk
        for name, color in DEMO_LABELS.items()
    }
    lists = dict(BoardList.objects.filter(board=board).values_list("title", "pk"))
    now = timezone.now()
    tasks: dict[str, Task] = {}
    for spec in DEMO_TASKS:
        task = task_services.task_create(
            board=board,
            actor=users[spec.creator],
            list_id=lists[spec.list],
            title=spec.title,
            description=spec.description,
            priority=spec.priority,
            due_at=None if spec.due_in_days is None else now + timedelta(days=spec.due_in_days),
            assignee_ids=[users[email].pk for email in spec.assignees],
            label_ids=[labels[name] for name in spec.labels],
        )
        if spec.completed:
            task = task_services.task_complete(task=task, actor=users[spec.creator])
        tasks[spec.title] = task
    for title, author, body in DEMO_COMMENTS:
        task_services.comment_create(task=tasks[title], actor=users[author], body=body)
    return board, True


def seed_large_board(users: dict[str, User], task_count: int) -> tuple[Board, bool]:
    """ "Large board (N tasks)" with its tasks written in bulk; (board, created)."""
    alice = users[ALICE]
    title = large_board_title(task_count)
    existing = owned_board(alice, title)
    if existing is not None:
        return existing, False
    board = board_services.board_create(
        actor=alice,
        title=title,
        description=f"{task_count} tasks in {len(LARGE_BOARD_LISTS)} lists, for trying a big board.",
        list_titles=LARGE_BOARD_LISTS,
    )
    board_services.member_add(board_id=board.pk, actor=alice, email=BOB, role=Role.MEMBER)
    board_services.member_add(board_id=board.pk, actor=alice, email=CAROL, role=Role.VIEWER)
    labels = [
        board_services.label_create(board_id=board.pk, actor=alice, name=name, color=color)
        for name, color in LARGE_BOARD_LABELS.items()
    ]
    with board_write(board_id=board.pk, actor=alice) as write:
        write.require(Action.TASK_CHANGE)
        lists = list(BoardList.objects.filter(board=write.board).order_by("position", "id"))
        bulk_create_tasks(
            write.board,
            owner=alice,
            lists=lists,
            task_count=task_count,
            assignee_choices=[[], [alice], [users[BOB]], [alice, users[BOB]]],
            labels=labels,
        )
        write.touch()
    return board, True


def bulk_create_tasks(
    board: Board,
    *,
    owner: User,
    lists: list[BoardList],
    task_count: int,
    assignee_choices: list[list[User]],
    labels: list[Label],
) -> None:
    """Tasks 1..task_count dealt round-robin over `lists`, each appended to its list, and
    their task.created activities with the board's next seqs. The caller holds the
    board's write (lock) and bumps its version; `board.event_seq` is advanced here."""
    now = timezone.now()
    tasks: list[Task] = []
    assigned: list[list[User]] = []
    labelled: list[list[Label]] = []
    for number in range(1, task_count + 1):
        index = number - 1
        subject = LARGE_TASK_SUBJECTS[index % len(LARGE_TASK_SUBJECTS)]
        area = LARGE_TASK_AREAS[(index // len(LARGE_TASK_SUBJECTS)) % len(LARGE_TASK_AREAS)]
        description = f"Part of the **{area}** work. See task {number - 1}." if number % 10 == 0 else ""
        tasks.append(
            Task(
                board=board,
                list=lists[index % len(lists)],
                title=f"{subject.format(area=area)} #{number}",
                description=description,
                description_html=render_markdown(description),
                # The n-th task of a list sits where task_create would append it.
                position=(index // len(lists) + 1) * POSITION_STEP,
                priority=LARGE_TASK_PRIORITIES[index % len(LARGE_TASK_PRIORITIES)],
                due_at=now + timedelta(days=index % 45 - 10) if number % 3 == 0 else None,
                created_by=owner,
                created_at=now,
                updated_at=now,
            )
        )
        assigned.append(assignee_choices[index % len(assignee_choices)])
        labelled.append([labels[index % len(labels)]] if labels and number % 4 == 0 else [])

    Task.objects.bulk_create(tasks, batch_size=BULK_BATCH_SIZE)
    TaskAssignee.objects.bulk_create(
        [
            TaskAssignee(board_id=task.board_id, task_id=task.pk, user_id=user.pk)
            for task, users in zip(tasks, assigned, strict=True)
            for user in users
        ],
        batch_size=BULK_BATCH_SIZE,
    )
    TaskLabel.objects.bulk_create(
        [
            TaskLabel(board_id=task.board_id, task_id=task.pk, label_id=label.pk)
            for task, task_labels in zip(tasks, labelled, strict=True)
            for label in task_labels
        ],
        batch_size=BULK_BATCH_SIZE,
    )
    first_seq = board.event_seq + 1
    Activity.objects.bulk_create(
        [
            Activity(
                board=board,
                seq=first_seq + offset,
                actor=owner,
                verb="task.created",
                target_type="task",
                target_id=task.pk,
                target_title=task.title[:200],
                data=task_representation(task, assignees=users, labels=task_labels),
                created_at=now,
            )
            for offset, (task, users, task_labels) in enumerate(zip(tasks, assigned, labelled, strict=True))
        ],
        batch_size=BULK_BATCH_SIZE,
    )
    board.event_seq += len(tasks)


class Command(BaseCommand):
    help = (
        "Create the demo users and the “Product launch” board; with --tasks N, also a large "
        "board of N tasks. Safe to run again: what exists is left as it is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tasks",
            type=int,
            default=None,
            metavar="N",
            help="Also create “Large board (N tasks)” (once), e.g. --tasks 5000.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        task_count: int | None = options["tasks"]
        if task_count is not None and task_count < 1:
            raise CommandError("--tasks must be 1 or more.")

        with transaction.atomic():
            users = seed_users()
            demo_board, _ = seed_demo_board(users)
        boards = [demo_board]
        if task_count is not None:
            started = time.monotonic()
            with transaction.atomic():
                large_board, created = seed_large_board(users, task_count)
            if created:
                seconds = time.monotonic() - started
                self.stdout.write(f"Created “{large_board.title}” in {seconds:.1f} s.")
            boards.append(large_board)

        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for email, name, is_staff in DEMO_USERS:
            role = "  (staff: /admin/)" if is_staff else ""
            self.stdout.write(f"  {email:<22} {name}{role}")
        self.stdout.write("Demo boards:")
        for board in boards:
            self.stdout.write(f"  {board.title}")
            self.stdout.write(f"    page: {settings.SITE_URL}/boards/{board.pk}/")
            self.stdout.write(f"    API:  {settings.SITE_URL}/api/v1/boards/{board.pk}/")

"""Reminders coming due all through a drill: tasks created due soon, due dates moved once
reminded (re-armed: a new reminder), and what the SMTP server must have received: one
message per (task, recipient, due date), known by its Message-ID (derived from the key)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from email import message_from_bytes

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from outbox.messages import message_id_for
from reminders.models import SentReminder
from reminders.services import mail_key
from tasks.models import Task

from .helpers import due_task, person

SMALLEST_OFFSET = 60  # the default offsets (24 h, 1 h) come due at once: the 1-hour mail


class ReminderLoad:
    def __init__(self, people: int = 5) -> None:
        self.people: list[User] = [person() for _ in range(people)]
        self.expected: set[str] = set()
        self.tasks: list[Task] = []
        self.recipients: dict[int, User] = {}
        self.moved = 0
        self._random = random.Random(15)

    def _expect(self, task: Task, user: User) -> None:
        assert task.due_at is not None
        key = mail_key(task_id=task.pk, user_id=user.pk, offset_minutes=SMALLEST_OFFSET, due_at=task.due_at)
        self.expected.add(message_id_for(key))

    def create(self) -> Task:
        """A task due in half an hour, assigned to one of the people (or to nobody: its
        creator is reminded)."""
        creator, assignee = self._random.sample(self.people, 2)
        assigned = self._random.random() < 0.5
        at = timezone.now() + timedelta(minutes=30, seconds=self._random.randrange(600))
        with transaction.atomic():  # as task_create writes it: a scan never sees it unassigned
            task = due_task(at=at, creator=creator, assignees=(assignee,) if assigned else ())
        self.recipients[task.pk] = assignee if assigned else creator
        self._expect(task, self.recipients[task.pk])
        self.tasks.append(task)
        return task

    def move_one(self) -> bool:
        """Move the due date of a task already reminded for its current one: it must be
        reminded again, for the new date. False when none is reminded yet."""
        for task in self._random.sample(self.tasks, min(len(self.tasks), 20)):
            assert task.due_at is not None
            if SentReminder.objects.filter(task=task, due_at=task.due_at).exists():
                task.due_at += timedelta(minutes=5)
                Task.objects.filter(pk=task.pk).update(due_at=task.due_at)
                self._expect(task, self.recipients[task.pk])
                self.moved += 1
                return True
        return False


def received_ids(messages: list[bytes]) -> Counter[str]:
    return Counter(str(message_from_bytes(raw)["Message-ID"]) for raw in messages)


def check_each_once(load: ReminderLoad, messages: list[bytes]) -> None:
    counts = received_ids(messages)
    missing = load.expected - set(counts)
    doubled = {key: count for key, count in counts.items() if count > 1}
    unexpected = set(counts) - load.expected
    problems = (len(missing), len(doubled), len(unexpected))
    assert problems == (0, 0, 0), (
        f"{len(missing)} missing, {len(doubled)} doubled, {len(unexpected)} unexpected "
        f"of {len(load.expected)} reminders"
    )

"""Tasks and comments for tests of every app."""

from datetime import UTC, datetime

import factory

from accounts.tests.factories import UserFactory
from boards.models import BoardList
from boards.tests.factories import BoardListFactory, BoardWithRoles, LabelFactory
from taskboard.markdown_rendering import render_markdown
from tasks.models import Comment, Priority, Task
from writes.ordering import POSITION_STEP


class TaskFactory(factory.django.DjangoModelFactory[Task]):
    class Meta:
        model = Task

    list = factory.SubFactory(BoardListFactory)
    board = factory.SelfAttribute("list.board")
    title = factory.Sequence(lambda n: f"Task {n}")
    position = factory.Sequence(lambda n: (n + 1) * POSITION_STEP)
    created_by = factory.SubFactory(UserFactory)


class CommentFactory(factory.django.DjangoModelFactory[Comment]):
    class Meta:
        model = Comment

    task = factory.SubFactory(TaskFactory)
    board = factory.SelfAttribute("task.board")
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment {n}")
    body_html = factory.LazyAttribute(lambda comment: render_markdown(comment.body))


def day(n: int) -> datetime:
    """Day n of January 2030: far enough ahead that nothing here is overdue by accident."""
    return datetime(2030, 1, n, tzinfo=UTC)


def tasks_to_filter(given: BoardWithRoles, todo: BoardList, done: BoardList) -> dict[str, Task]:
    """Four tasks, by title, that differ in every way the task filters and orderings look at:
    list, position, priority, due date, completion, assignee, label, words, creation time."""
    bug = LabelFactory.create(board=given.board, name="bug")
    made = {
        "Write report": TaskFactory.create(
            list=todo,
            position=2 * POSITION_STEP,
            priority=Priority.HIGH,
            due_at=day(3),
            description="quarterly",
        ),
        "Fix login": TaskFactory.create(
            list=todo, position=POSITION_STEP, priority=Priority.URGENT, due_at=day(1)
        ),
        "Deploy": TaskFactory.create(
            list=done, position=POSITION_STEP, priority=Priority.LOW, completed=True
        ),
        "Review reports": TaskFactory.create(list=done, position=2 * POSITION_STEP, due_at=day(2)),
    }
    for title, task in made.items():
        Task.objects.filter(pk=task.pk).update(title=title, created_at=day(10 + len(title)))
        task.refresh_from_db()
    made["Fix login"].assignees.add(given.member, through_defaults={"board_id": made["Fix login"].board_id})
    made["Deploy"].assignees.add(given.admin, through_defaults={"board_id": made["Deploy"].board_id})
    made["Fix login"].labels.add(bug, through_defaults={"board_id": made["Fix login"].board_id})
    made["Review reports"].labels.add(bug, through_defaults={"board_id": made["Review reports"].board_id})
    return made

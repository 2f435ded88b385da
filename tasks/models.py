"""Tasks (cards) and their comments."""

from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

from boards.models import Board, BoardList, Label

# Full-text search uses the language-neutral "simple" configuration: boards are written in
# any language, and prefix queries (see tasks.selectors) match words as they are typed.
SEARCH_CONFIG = "simple"


def task_search_vector() -> SearchVector:
    """The expression the GIN index is built on; the `q` filter must use exactly this one."""
    return SearchVector("title", "description", config=SEARCH_CONFIG)


class PostgresOnlyGinIndex(GinIndex):
    """A GIN index on PostgreSQL and nothing elsewhere.

    The embedded default runs on SQLite, which has neither GIN nor to_tsvector; its search
    falls back to icontains. Keeping the index in Meta (rather than in a RunSQL) lets Django
    track it, and SQLite table rebuilds in later migrations skip it instead of failing.
    """

    def create_sql(
        self, model: Any, schema_editor: BaseDatabaseSchemaEditor, *args: Any, **kwargs: Any
    ) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return ""
        return super().create_sql(model, schema_editor, *args, **kwargs)

    def remove_sql(self, model: Any, schema_editor: BaseDatabaseSchemaEditor, **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return ""
        return super().remove_sql(model, schema_editor, **kwargs)


class Priority(models.IntegerChoices):
    # Stored as numbers so that ordering by priority is low < medium < high < urgent;
    # the API shows and accepts the lower-case names.
    LOW = 1, "low"
    MEDIUM = 2, "medium"
    HIGH = 3, "high"
    URGENT = 4, "urgent"

    @classmethod
    def from_name(cls, name: str) -> "Priority":
        """The member for an API name ("high"); ValueError for anything else."""
        for member in cls:
            if member.label == name:
                return member
        raise ValueError(name)


PRIORITY_NAMES: dict[int, str] = {member.value: str(member.label) for member in Priority}


class Task(models.Model):
    # Denormalized from list.board so the board-wide filters need no join.
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    list = models.ForeignKey(BoardList, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=20000, blank=True)
    # Rendered and sanitized at write time, for the HTML pages; the API shows the Markdown.
    description_html = models.TextField(blank=True)
    position = models.BigIntegerField()
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    due_at = models.DateTimeField(null=True, blank=True)
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TaskAssignee", related_name="assigned_tasks", blank=True
    )
    labels = models.ManyToManyField(Label, through="TaskLabel", related_name="tasks", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Bumped by every change of the task: the If-Match precondition of PATCH.
    version = models.PositiveIntegerField(default=1)
    # Maintained by the comment services, so a board read never counts comments per task.
    comment_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["list", "position", "id"]
        constraints = [
            # Deferred, so a renumbering pass may reassign positions inside one transaction.
            models.UniqueConstraint(
                fields=["list", "position"],
                name="tasks_task_list_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]
        # One per filter and ordering of the task list API (the board comes first, since
        # every query is scoped to one board or to the caller's boards).
        indexes = [
            models.Index(fields=["board", "created_at"], name="tasks_task_board_created_idx"),
            models.Index(fields=["board", "due_at"], name="tasks_task_board_due_idx"),
            models.Index(fields=["board", "priority"], name="tasks_task_board_priority_idx"),
            models.Index(fields=["board", "completed"], name="tasks_task_board_completed_idx"),
            PostgresOnlyGinIndex(task_search_vector(), name="tasks_task_search_idx"),
            # The reminder scan's window (reminders/selectors.py): open tasks by due date,
            # across boards. Partial: done and undated tasks, most of a mature table, stay out.
            models.Index(
                fields=["due_at"],
                condition=models.Q(completed=False, due_at__isnull=False),
                name="tasks_task_due_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def priority_name(self) -> str:
        return PRIORITY_NAMES[self.priority]


# Every row of a board's tables carries its board (docs/scaling.md, "Past one primary"): the
# rows below hang off a task, and `board` is the task's board, copied when the row is written
# (tasks cannot move between boards). Each table's index that leads with the board serves the
# reads that know it; the indexes that lead with the task serve the cascades from a task.


class TaskAssignee(models.Model):
    """A task's assignee: the table the assignees' many-to-many field had made itself
    (tasks_task_assignees, the same columns), with the task's board."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="+", db_index=False)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "tasks_task_assignees"
        unique_together = [("task", "user")]
        indexes = [models.Index(fields=["board", "task"], name="tasks_assignee_board_task_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} assigned to {self.task_id}"


class TaskLabel(models.Model):
    """A task's label: the table the labels' many-to-many field had made itself
    (tasks_task_labels, the same columns), with the task's board."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="+", db_index=False)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "tasks_task_labels"
        unique_together = [("task", "label")]
        indexes = [models.Index(fields=["board", "task"], name="tasks_label_board_task_idx")]

    def __str__(self) -> str:
        return f"label {self.label_id} on {self.task_id}"


class Comment(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Indexed together with created_at below (the cascade from a task), and after the board.
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments", db_index=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="comments"
    )
    body = models.TextField(max_length=10000)
    # Rendered from the Markdown and sanitized when written, never at read time.
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["task", "created_at", "id"]
        indexes = [
            models.Index(fields=["task", "created_at"], name="tasks_comment_task_created_idx"),
            models.Index(fields=["board", "task", "created_at"], name="tasks_comment_board_task_idx"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.task_id}"


class Watch(models.Model):
    """`user` hears about what others do to `task` (tasks.watches): comments, moves to
    another list, due-date changes. Kept by a member who is removed from the board, but
    only members are notified."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Covered by the unique constraint, whose index starts with the task.
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "user"], name="tasks_watch_task_user_unique")]
        indexes = [models.Index(fields=["board", "task"], name="tasks_watch_board_task_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.task_id}"

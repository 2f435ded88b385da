"""The indexes that lead with the board (see 0004), built concurrently on PostgreSQL so
writes to these tables go on meanwhile (hence not atomic)."""

from django.db import migrations, models

from tasks.migrations._board_rows import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ("tasks", "0005_board_not_null"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="comment",
            index=models.Index(fields=["board", "task", "created_at"], name="tasks_comment_board_task_idx"),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="taskassignee",
            index=models.Index(fields=["board", "task"], name="tasks_assignee_board_task_idx"),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="tasklabel",
            index=models.Index(fields=["board", "task"], name="tasks_label_board_task_idx"),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="watch",
            index=models.Index(fields=["board", "task"], name="tasks_watch_board_task_idx"),
        ),
    ]

"""board_id NOT NULL on the rows 0004 filled, after filling the rows written since by code
that did not know the column (a rolling deploy's old processes): see 0004."""

import django.db.models.deletion
from django.db import migrations, models

from tasks.migrations._board_rows import refill

TABLES = ("tasks_comment", "tasks_watch", "tasks_task_assignees", "tasks_task_labels")


def board_field() -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="boards.board"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0004_board_on_task_rows"),
    ]

    operations = [
        refill(*TABLES),
        migrations.AlterField(model_name="taskassignee", name="board", field=board_field()),
        migrations.AlterField(model_name="tasklabel", name="board", field=board_field()),
        migrations.AlterField(model_name="comment", name="board", field=board_field()),
        migrations.AlterField(model_name="watch", name="board", field=board_field()),
    ]

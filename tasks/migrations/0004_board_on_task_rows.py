"""Every row that hangs off a task carries the task's board (docs/scaling.md, "Past one
primary"), expand / contract (docs/operations.md "Deploying and migrating without downtime").

This one, the expand: the assignees' and labels' many-to-many tables become explicit through
models without touching the tables (same names, same columns, same constraints: state only),
then each table gets a nullable board_id, filled from its task in one statement per table.
0005, the contract: fills what old code wrote meanwhile, then NOT NULL; 0006 builds the
indexes that lead with the board, concurrently on PostgreSQL."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from tasks.migrations._board_rows import refill

TABLES = ("tasks_comment", "tasks_watch", "tasks_task_assignees", "tasks_task_labels")


def board_field() -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.CASCADE,
        related_name="+",
        to="boards.board",
    )


class Migration(migrations.Migration):

    dependencies = [
        ("boards", "0003_board_viewers_can_comment"),
        ("tasks", "0003_due_open_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TaskAssignee",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("task", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tasks.task")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"db_table": "tasks_task_assignees", "unique_together": {("task", "user")}},
                ),
                migrations.CreateModel(
                    name="TaskLabel",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("task", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tasks.task")),
                        ("label", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="boards.label")),
                    ],
                    options={"db_table": "tasks_task_labels", "unique_together": {("task", "label")}},
                ),
                migrations.AlterField(
                    model_name="task",
                    name="assignees",
                    field=models.ManyToManyField(blank=True, related_name="assigned_tasks", through="tasks.TaskAssignee", to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="labels",
                    field=models.ManyToManyField(blank=True, related_name="tasks", through="tasks.TaskLabel", to="boards.label"),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(model_name="taskassignee", name="board", field=board_field()),
        migrations.AddField(model_name="tasklabel", name="board", field=board_field()),
        migrations.AddField(model_name="comment", name="board", field=board_field()),
        migrations.AddField(model_name="watch", name="board", field=board_field()),
        refill(*TABLES),
    ]

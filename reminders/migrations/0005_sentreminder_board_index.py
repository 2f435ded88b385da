"""The index that leads with the board, built concurrently on PostgreSQL (not atomic)."""

from django.db import migrations, models

from tasks.migrations._board_rows import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ("reminders", "0004_sentreminder_board_not_null"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="sentreminder",
            index=models.Index(fields=["board", "task"], name="reminders_sent_board_task_idx"),
        ),
    ]

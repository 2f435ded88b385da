"""A sent reminder carries its task's board (docs/scaling.md, "Past one primary"): a
nullable board_id, filled from the task in one statement; 0004 fills what old code wrote
meanwhile and makes it NOT NULL, 0005 builds the index (tasks 0004 says why in steps)."""

import django.db.models.deletion
from django.db import migrations, models

from tasks.migrations._board_rows import refill


class Migration(migrations.Migration):

    dependencies = [
        ("boards", "0003_board_viewers_can_comment"),
        ("reminders", "0002_sent_digest"),
        ("tasks", "0004_board_on_task_rows"),
    ]

    operations = [
        migrations.AddField(
            model_name="sentreminder",
            name="board",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="boards.board",
            ),
        ),
        refill("reminders_sentreminder"),
    ]

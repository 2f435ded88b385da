"""board_id NOT NULL on the sent reminders, after filling those written since 0003."""

import django.db.models.deletion
from django.db import migrations, models

from tasks.migrations._board_rows import refill


class Migration(migrations.Migration):

    dependencies = [
        ("reminders", "0003_sentreminder_board"),
    ]

    operations = [
        refill("reminders_sentreminder"),
        migrations.AlterField(
            model_name="sentreminder",
            name="board",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="boards.board"
            ),
        ),
    ]

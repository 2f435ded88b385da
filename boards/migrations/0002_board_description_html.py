from django.db import migrations, models


def render_descriptions(apps, schema_editor):  # type: ignore[no-untyped-def]
    from taskboard.markdown_rendering import render_markdown

    Board = apps.get_model("boards", "Board")
    boards = Board.objects.exclude(description="").only("pk", "description")
    for board in boards.iterator(chunk_size=500):
        Board.objects.filter(pk=board.pk).update(description_html=render_markdown(board.description))


class Migration(migrations.Migration):
    dependencies = [("boards", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="board",
            name="description_html",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(render_descriptions, migrations.RunPython.noop),
    ]

"""What the migrations that give a task's rows their board share (tasks 0004–0006,
reminders 0003–0005). The migration loader skips modules whose names start with "_"."""

from collections.abc import Callable

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState, StateApps


def fill_board_ids(*tables: str) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    """A RunPython function: each table's NULL board_id from its row's task, one UPDATE per
    table (UPDATE … FROM on PostgreSQL, a join; a correlated subquery elsewhere, SQLite).
    On PostgreSQL the foreign-key checks the UPDATE deferred run at once afterwards: an
    ALTER TABLE later in the same transaction is refused while they are pending."""

    def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        quote = schema_editor.connection.ops.quote_name
        postgresql = schema_editor.connection.vendor == "postgresql"
        for table in tables:
            if postgresql:
                sql = (
                    f"UPDATE {quote(table)} AS r SET board_id = t.board_id "  # noqa: S608
                    "FROM tasks_task AS t WHERE t.id = r.task_id AND r.board_id IS NULL"
                )
            else:
                sql = (
                    f"UPDATE {quote(table)} SET board_id = "  # noqa: S608
                    f"(SELECT t.board_id FROM tasks_task t WHERE t.id = {quote(table)}.task_id) "
                    "WHERE board_id IS NULL"
                )
            schema_editor.execute(sql)
        if postgresql:
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    return fill


def refill(*tables: str) -> migrations.RunPython:
    return migrations.RunPython(fill_board_ids(*tables), migrations.RunPython.noop, elidable=True)


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL (writes go on while it builds); a plain
    CREATE INDEX elsewhere (SQLite, the embedded default, has no CONCURRENTLY)."""

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        self._operation(schema_editor).database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        self._operation(schema_editor).database_backwards(self, app_label, schema_editor, from_state, to_state)

    @staticmethod
    def _operation(schema_editor: BaseDatabaseSchemaEditor) -> type[migrations.AddIndex]:
        """Whose database_forwards/backwards run: CONCURRENTLY's on PostgreSQL, AddIndex's
        elsewhere."""
        return AddIndexConcurrently if schema_editor.connection.vendor == "postgresql" else migrations.AddIndex

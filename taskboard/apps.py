from django.apps import AppConfig
from django.core import checks


class TaskboardConfig(AppConfig):
    name = "taskboard"

    def ready(self) -> None:
        from .db.checks import check_database_routing

        checks.register(check_database_routing)

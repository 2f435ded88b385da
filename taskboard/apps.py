from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class TaskboardConfig(AppConfig):
    name = "taskboard"

    def ready(self) -> None:
        from .db.checks import check_database_routing
        from .metrics import database as metrics_database

        checks.register(check_database_routing)
        if settings.METRICS_ENABLED:
            # Every SQL statement counted per alias, the pools sampled (taskboard/metrics/).
            metrics_database.connect()

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.db.models.signals import post_save


class TaskboardConfig(AppConfig):
    name = "taskboard"

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry

        from .db.checks import check_database_routing
        from .logs.security import log_admin_action
        from .metrics import database as metrics_database

        checks.register(check_database_routing)
        # A log line, not behaviour: the admin's history goes to the security log too.
        post_save.connect(log_admin_action, sender=LogEntry, dispatch_uid="taskboard.security.admin_action")
        if settings.METRICS_ENABLED:
            # Every SQL statement counted per alias, the pools sampled (taskboard/metrics/).
            metrics_database.connect()

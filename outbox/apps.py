from django.apps import AppConfig


class OutboxConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        from taskboard.metrics import scrape_collector

        from .metrics import collect_outbox_rows

        scrape_collector("outbox_rows", collect_outbox_rows)

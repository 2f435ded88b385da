from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from taskboard.metrics import scrape_collector
        from taskboard.metrics.http import on_response

        from .active_users import collect_active_users, record_active_user

        scrape_collector("active_users", collect_active_users)
        on_response(record_active_user)

"""The project's default admin site (INSTALLED_APPS names taskboard.admin_apps instead of
django.contrib.admin): Django's, except that every ModelAdmin registered on it, the apps'
and third parties' alike (auth's Group, simplejwt's tokens), writes a security line for
each row a "delete selected" of several rows deletes (docs/operations.md "Security events").

Every other admin action already gets one: its LogEntry is saved on its own, and post_save
logs it (taskboard.logs.security.log_admin_action). The action's entries are one bulk insert,
which sends no signal.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest

from taskboard.logs.security import log_admin_entry


class BulkDeletionsLogged:
    """Mixed into every ModelAdmin of the site (TaskboardAdminSite.register)."""

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        entries = super().log_deletions(request, queryset)  # type: ignore[misc]
        # One entry is saved on its own (post_save has logged it); several are bulk-inserted.
        # Logged once the deletion commits: a refused one (boards.admin_writes) rolls back.
        if len(entries) > 1:
            transaction.on_commit(lambda: _log_entries(entries))
        return entries


def _log_entries(entries: list[Any]) -> None:
    for entry in entries:
        log_admin_entry(entry)


class TaskboardAdminSite(admin.AdminSite):
    def register(
        self,
        model_or_iterable: type[Model] | Any,
        admin_class: type[admin.ModelAdmin[Any]] | None = None,
        **options: Any,
    ) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, BulkDeletionsLogged):
            # What register(**options) does itself: a subclass made on the fly.
            admin_class = type(
                admin_class.__name__,
                (BulkDeletionsLogged, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

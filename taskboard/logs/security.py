"""Security events on their own logger, `taskboard.security`, at WARNING, one line each and
never a secret (docs/operations.md "Logs"). The authentication events (failures, lockouts,
a replayed refresh token's family revoked) are logged where they happen
(accounts/login_limiter.py, accounts/services/tokens.py); 403s by
taskboard.logs.middleware; admin actions here, from the admin's own record of them: every
LogEntry saved (post_save), and the entries a "delete selected" of several rows writes in one
bulk insert, which sends no signal (taskboard.admin_site.BulkDeletionsLogged)."""

import logging
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType

security_log = logging.getLogger("taskboard.security")

_ACTIONS = {ADDITION: "addition", CHANGE: "change", DELETION: "deletion"}


def log_admin_action(sender: type[LogEntry], instance: LogEntry, created: bool, **kwargs: Any) -> None:
    """post_save of the admin's LogEntry: who did what to which row. Not the object's text
    nor the change message: they may hold an email address or a user's own words."""
    if created:
        log_admin_entry(instance)


def log_admin_entry(entry: LogEntry) -> None:
    """One line for one entry of the admin's history (one row added, changed or deleted)."""
    content_type = ContentType.objects.get_for_id(entry.content_type_id) if entry.content_type_id else None
    security_log.warning(
        "Admin action: %s of %s id=%s by user=%s",
        _ACTIONS.get(entry.action_flag, str(entry.action_flag)),
        f"{content_type.app_label}.{content_type.model}" if content_type is not None else "(none)",
        entry.object_id,
        entry.user_id,
    )

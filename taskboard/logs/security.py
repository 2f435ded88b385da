"""Security events on their own logger, `taskboard.security`, at WARNING, one line each and
never a secret (docs/operations.md "Logs"). The authentication events (failures, lockouts,
a replayed refresh token's family revoked) are logged where they happen
(accounts/login_limiter.py, accounts/services/tokens.py); 403s by
taskboard.logs.middleware; admin actions here, from the admin's own record of them."""

import logging
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType

security_log = logging.getLogger("taskboard.security")

_ACTIONS = {ADDITION: "addition", CHANGE: "change", DELETION: "deletion"}


def log_admin_action(sender: type[LogEntry], instance: LogEntry, created: bool, **kwargs: Any) -> None:
    """post_save of the admin's LogEntry: who did what to which row. Not the object's text
    nor the change message: they may hold an email address or a user's own words.

    A "delete selected" of several rows writes its entries in one bulk insert, which sends
    no signal: such a deletion is in the admin's history but not in this log."""
    if not created:
        return
    content_type = (
        ContentType.objects.get_for_id(instance.content_type_id) if instance.content_type_id else None
    )
    security_log.warning(
        "Admin action: %s of %s id=%s by user=%s",
        _ACTIONS.get(instance.action_flag, str(instance.action_flag)),
        f"{content_type.app_label}.{content_type.model}" if content_type is not None else "(none)",
        instance.object_id,
        instance.user_id,
    )

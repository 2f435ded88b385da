"""Small presentation helpers of the cards: initials, avatar tones, due badges."""

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

AVATAR_TONES = 8
DUE_SOON = timedelta(hours=48)


@register.filter
def initials(name: str | None) -> str:
    """ "Ada Lovelace" → "AL", "ada@example.com" → "A"."""
    words = (name or "").replace("@", " ").replace(".", " ").split()
    if not words:
        return "?"
    if len(words) == 1 or "@" in (name or ""):
        return words[0][:1].upper()
    return (words[0][:1] + words[-1][:1]).upper()


@register.filter
def avatar_tone(user_id: int | None) -> str:
    """One of a few background colors, the same for a person everywhere."""
    return f"tone-{(user_id or 0) % AVATAR_TONES}"


@register.filter
def due_state(due_at: datetime | None, completed: bool = False) -> str:
    """ "overdue", "soon" (within two days) or "" for the due badge's color."""
    if due_at is None or completed:
        return ""
    now = timezone.now()
    if due_at < now:
        return "overdue"
    if due_at - now <= DUE_SOON:
        return "soon"
    return ""


@register.filter
def due_label(due_at: datetime | None) -> str:
    """ "Today 14:00", "Tomorrow", "Mar 5" or "Mar 5, 2027", in the current time zone."""
    if due_at is None:
        return ""
    local = timezone.localtime(due_at)
    today = timezone.localdate()
    if local.date() == today:
        return f"Today {local:%H:%M}"
    if local.date() == today + timedelta(days=1):
        return "Tomorrow"
    if local.date() == today - timedelta(days=1):
        return "Yesterday"
    if local.year == today.year:
        return f"{local:%b} {local.day}"
    return f"{local:%b} {local.day}, {local.year}"


@register.simple_tag
def query_with(query: dict[str, str], **changes: Any) -> str:
    """The filter query string with some values replaced (for links that keep filters)."""
    from urllib.parse import urlencode

    merged = {**query, **{key: str(value) for key, value in changes.items() if value not in (None, "")}}
    return urlencode(merged)


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now", "5 minutes ago", "2 days ago" (the largest unit only)."""
    if moment is None:
        return ""
    elapsed = timezone.now() - moment
    if elapsed < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"

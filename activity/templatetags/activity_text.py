"""How the pages say what happened: "moved the card “Fix login”"."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.models import User
from activity.models import Activity, Notification
from activity.notification_links import notification_open_url
from activity.selectors import unread_notification_count

register = template.Library()

# {title} is the target's title as it was at the time.
VERB_PHRASES = {
    "board.created": "created the board",
    "board.updated": "updated the board",
    "member.added": "added {title} to the board",
    "member.removed": "removed {title} from the board",
    "member.role_changed": "made {title} {role}",
    "list.created": "added the list “{title}”",
    "list.updated": "changed the list “{title}”",
    "list.moved": "moved the list “{title}”",
    "list.deleted": "deleted the list “{title}”",
    "task.created": "added the card “{title}”",
    "task.updated": "edited the card “{title}”",
    "task.moved": "moved the card “{title}”",
    "task.completed": "completed the card “{title}”",
    "task.reopened": "reopened the card “{title}”",
    "task.deleted": "deleted the card “{title}”",
    "comment.created": "commented on “{title}”",
    "comment.updated": "edited a comment on “{title}”",
    "comment.deleted": "deleted a comment on “{title}”",
    "label.created": "added the label “{title}”",
    "label.updated": "changed the label “{title}”",
    "label.deleted": "deleted the label “{title}”",
}


@register.filter
def activity_sentence(activity: Activity) -> str:
    """What the actor did (autoescaped by the template: titles are user input)."""
    phrase = VERB_PHRASES.get(activity.verb, activity.verb)
    role = activity.data.get("role", "") if isinstance(activity.data, dict) else ""
    article = "an" if role == "admin" else "a"
    return phrase.format(title=activity.target_title, role=f"{article} {role}" if role else "")


@register.simple_tag
def activity_sentence_linked(activity: Activity, card_ids: dict[int, int]) -> SafeString:
    """activity_sentence, with the card's title a link to the card when the activity is about
    a card that still exists (`card_ids`: activity.selectors.activity_card_ids)."""
    task_id = card_ids.get(activity.pk)
    phrase = VERB_PHRASES.get(activity.verb, activity.verb)
    if task_id is None or "“{title}”" not in phrase:
        return format_html("{}", activity_sentence(activity))
    before, after = phrase.split("“{title}”", 1)
    return format_html(
        '{}<a class="activity-card" href="{}">“{}”</a>{}',
        before,
        reverse("tasks:detail", args=[task_id]),
        activity.target_title,
        after,
    )


@register.filter
def actor_name(activity: Activity) -> str:
    actor = activity.actor
    return "Someone" if actor is None else (actor.name or actor.email)


@register.simple_tag
def unread_notifications(user: User) -> int:
    """The count in the top bar (a query per full page, by an index)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return unread_notification_count(user=user)


@register.filter
def notification_url(notification: Notification) -> str:
    """Opens the notification's card and marks it read (a link signed for its user)."""
    return notification_open_url(notification)

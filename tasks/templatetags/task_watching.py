"""{% task_watching task user as watching %}: for the Watch toggle of the card dialog and
page (templates/tasks/_watch_toggle.html), one indexed query. Per user, so never part of
the task's shared representation or of a cached fragment."""

from django import template

from accounts.models import User
from tasks.models import Task
from tasks.watches import task_watching as watching_read

register = template.Library()


@register.simple_tag
def task_watching(task: Task, user: User) -> bool:
    return watching_read(task=task, user=user)

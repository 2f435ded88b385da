"""The card's Watch / Unwatch toggle (tasks.watches), for any member of its board."""

from django.http import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.request_user import page_user
from taskboard.pages import PageRequest, htmx_redirect, page
from tasks import selectors, watches


@page
@require_POST
def task_watch(request: PageRequest, task_id: int) -> HttpResponseBase:
    """`watching=1` watches the card, `watching=0` stops; htmx gets the toggle back."""
    user = page_user(request)
    watching = request.POST.get("watching") == "1"
    if watching:
        watches.task_watch(task=task_id, user=user)
    else:
        watches.task_unwatch(task=task_id, user=user)
    if not request.htmx:
        return htmx_redirect(request, reverse("tasks:detail", args=[task_id]))
    task = selectors.task_row_get_for_user(user=user, task_id=task_id)
    return render(request, "tasks/_watch_toggle.html", {"task": task, "watching": watching})

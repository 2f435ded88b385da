"""The card's dialog (or its own page) as the task pages render it: its form, comments and
activity, and the form again after a conflicting save (tasks/views.py)."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django_htmx.http import trigger_client_event

from accounts.request_user import page_user
from activity.selectors import task_activity
from boards import selectors as board_selectors
from boards.models import Board
from boards.permissions import Action, board_permissions, can, role_of
from taskboard.pages import PageRequest
from tasks import selectors
from tasks.forms import CommentForm, TaskBaseForm, TaskForm, member_choices
from tasks.mention_members import mention_members
from tasks.merge_choices import MergeChoice, data_after_conflict, merge_choices
from tasks.models import Comment, Task

TASK_ACTIVITY_LIMIT = 20
# Our script refreshes the board under the dialog when it hears this.
TASK_CHANGED_EVENT = "taskChanged"


@dataclass
class CommentEntry:
    comment: Comment
    # Its author may edit and delete it, and so may admins.
    can_change: bool
    edit_form: CommentForm


def task_of(request: PageRequest, task_id: int) -> Task:
    return selectors.task_get_for_user(user=page_user(request), task_id=task_id)


def board_of(request: PageRequest, task: Task) -> Board:
    return board_selectors.board_get_for_user(user=page_user(request), board_id=task.board_id)


def task_context(
    request: PageRequest,
    task: Task,
    *,
    form: TaskForm | None = None,
    base_form: TaskBaseForm | None = None,
    merge_choices: list[MergeChoice] | None = None,
    comment_form: CommentForm | None = None,
    comment_errors: dict[int, CommentForm] | None = None,
    saved: bool = False,
    conflict: str = "",
    attempted: dict[str, Any] | None = None,
) -> dict[str, Any]:
    board = board_of(request, task)
    role = role_of(board)
    members = board_selectors.member_list(board=board)
    labels = list(board_selectors.label_list(board=board))
    user = page_user(request)
    comments = [
        CommentEntry(
            comment=comment,
            can_change=can(role, Action.COMMENT_MODERATE)
            or (comment.author_id == user.pk and can(role, Action.COMMENT_CHANGE_OWN, board)),
            edit_form=(comment_errors or {}).get(comment.pk)
            or CommentForm(prefix=f"comment-{comment.pk}", initial={"body": comment.body}),
        )
        for comment in selectors.comment_list(task=task)
    ]
    if form is None or base_form is None:
        initial = TaskForm.initial_for(task)
        form = form or TaskForm(members=members, labels=labels, initial=initial)
        # The values the dialog opens with: its save is merged by field against them.
        base_form = base_form or TaskBaseForm(initial=initial)
    return {
        "task": task,
        "board": board,
        "board_list": task.list,
        "role": role,
        "perms": board_permissions(role, board),
        "form": form,
        "base_form": base_form,
        "merge_choices": merge_choices or [],
        "labels": labels,
        "selected_label_ids": {
            int(value)
            for value in map(str, form["label_ids"].value() or [])
            if value.isascii() and value.isdigit()
        },
        "comment_form": comment_form or CommentForm(),
        "comments": comments,
        "mention_members": mention_members(members),
        "activities": task_activity(board=board, task_id=task.pk)[:TASK_ACTIVITY_LIMIT],
        "saved": saved,
        "conflict": conflict,
        "attempted": attempted,
    }


def render_task(request: PageRequest, task: Task, *, status: int = 200, **context: Any) -> HttpResponse:
    if request.htmx:
        return render(
            request, "tasks/_task_detail.html", task_context(request, task, **context), status=status
        )
    context = {**task_context(request, task, **context), "standalone": True}
    return render(request, "tasks/task_page.html", context, status=status)


def changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, TASK_CHANGED_EVENT, {})


def _who_else_changed(request: PageRequest, board: Board, task: Task) -> str:
    """The name of the last one but the caller to change the task, as a conflict names them."""
    latest = task_activity(board=board, task_id=task.pk).exclude(actor_id=page_user(request).pk).first()
    return (latest.actor.name if latest is not None and latest.actor is not None else "") or "Someone"


def render_merge_conflict(
    request: PageRequest, current: Task, *, form: TaskForm, fields: list[str], members: list[dict[str, Any]]
) -> HttpResponse:
    """Someone else changed fields this person changed too (merge by field): nothing was
    saved; the form again with what they typed, and for each such field both values side by
    side to choose from (merge_choices)."""
    board = board_of(request, current)
    labels = list(board_selectors.label_list(board=board))
    theirs = TaskForm.initial_for(current)
    data = data_after_conflict(request.POST, conflicts=fields, current=theirs)
    who = _who_else_changed(request, board, current)
    response = render_task(
        request,
        current,
        form=TaskForm(data, members=members, labels=labels),
        base_form=TaskBaseForm(data),
        merge_choices=merge_choices(
            fields, mine=form.cleaned_data, theirs=theirs, members=member_choices(members), labels=labels
        ),
        conflict=(
            f"{who} changed {'a field' if len(fields) == 1 else 'fields'} you changed too. Nothing "
            "was saved: choose which value to keep, then save."
        ),
    )
    if request.htmx:
        # The choice is above the form, out of sight after a save from the dialog's bottom.
        response["HX-Reswap"] = "outerHTML show:top"
    return response


def render_conflict(request: PageRequest, current: Task, *, attempted: TaskForm) -> HttpResponse:
    """The edit lost a race (someone saved the card after this form was opened): the form
    again with the card as it is now and its current version, so a second save doesn't fail
    the same way, and what the user typed next to it, so their text isn't lost."""
    who = _who_else_changed(request, board_of(request, current), current)
    message = (
        f"{who} changed this card while you were editing it. The form now shows the current "
        "version; your changes were not saved: make them again."
    )
    return render_task(request, current, conflict=message, attempted=attempted.cleaned_data)

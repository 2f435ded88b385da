"""The task pages: a card's details (a dialog over the board, or its own page), adding,
moving, completing and deleting cards, and comments.

Every view answers htmx with the fragment to swap and a plain browser with a redirect or
a full page, so each works with and without our script. Writes go through the same
services as the API.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from activity.selectors import task_activity
from boards import selectors as board_selectors
from boards.board_page import BoardFilters, card, list_columns, list_counts
from boards.models import Board
from boards.permissions import Action, can
from boards.views import board_permissions, require_role, role_on
from taskboard.db.ids import MAX_ID
from taskboard.db.routing import primary_reads
from taskboard.errors import ConflictError, FieldsChangedError, PreconditionFailedError
from taskboard.pages import PageRequest, htmx_redirect, json_error, page, page_user
from tasks import selectors, services
from tasks.forms import CommentForm, MoveForm, NewTaskForm, TaskBaseForm, TaskForm, member_choices
from tasks.markdown_rendering import render_markdown
from tasks.mention_highlighting import highlight_mentions
from tasks.mention_members import mention_members
from tasks.mentions import mentioned_members
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


def _task(request: PageRequest, task_id: int) -> Task:
    return selectors.task_get_for_user(user=page_user(request), task_id=task_id)


def _board_of(request: PageRequest, task: Task) -> Board:
    return board_selectors.board_get_for_user(user=page_user(request), board_id=task.board_id)


def _task_context(
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
    board = _board_of(request, task)
    role = role_on(board)
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


def _render_task(request: PageRequest, task: Task, *, status: int = 200, **context: Any) -> HttpResponse:
    if request.htmx:
        return render(
            request, "tasks/_task_detail.html", _task_context(request, task, **context), status=status
        )
    context = {**_task_context(request, task, **context), "standalone": True}
    return render(request, "tasks/task_page.html", context, status=status)


def _changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, TASK_CHANGED_EVENT, {})


def _render_merge_conflict(
    request: PageRequest, current: Task, *, form: TaskForm, fields: list[str], members: list[dict[str, Any]]
) -> HttpResponse:
    """Someone else changed fields this person changed too (merge by field): nothing was
    saved; the form again with what they typed, and for each such field both values side by
    side to choose from (merge_choices)."""
    board = _board_of(request, current)
    labels = list(board_selectors.label_list(board=board))
    theirs = TaskForm.initial_for(current)
    data = data_after_conflict(request.POST, conflicts=fields, current=theirs)
    latest = task_activity(board=board, task_id=current.pk).exclude(actor_id=page_user(request).pk).first()
    who = (latest.actor.name if latest is not None and latest.actor is not None else "") or "Someone"
    response = _render_task(
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


def _render_conflict(request: PageRequest, current: Task, *, attempted: TaskForm) -> HttpResponse:
    """The edit lost a race (someone saved the card after this form was opened): the form
    again with the card as it is now and its current version, so a second save doesn't fail
    the same way, and what the user typed next to it, so their text isn't lost."""
    others = task_activity(board=_board_of(request, current), task_id=current.pk)
    latest = others.exclude(actor_id=page_user(request).pk).first()
    who = (latest.actor.name if latest is not None and latest.actor is not None else "") or "Someone"
    message = (
        f"{who} changed this card while you were editing it. The form now shows the current "
        "version; your changes were not saved: make them again."
    )
    return _render_task(request, current, conflict=message, attempted=attempted.cleaned_data)


@page
@require_http_methods(["GET", "POST"])
def task_detail(request: PageRequest, task_id: int) -> HttpResponseBase:
    task = _task(request, task_id)
    if request.method == "GET":
        return _render_task(request, task)

    require_role(task, Action.TASK_CHANGE)
    board = _board_of(request, task)
    members = board_selectors.member_list(board=board)
    form = TaskForm(request.POST, members=members, labels=list(board_selectors.label_list(board=board)))
    base_form = TaskBaseForm(request.POST) if TaskBaseForm.sent(request.POST) else None
    if form.is_valid() and (base_form is None or base_form.is_valid()):
        data = form.cleaned_data
        changes = {field: data[field] for field in TaskBaseForm.FIELDS}
        try:
            if base_form is None:
                # A save without base values: the whole card must be as it was (If-Match).
                task = services.task_update(
                    task=task, actor=page_user(request), expected_versions={data["version"]}, **changes
                )
            else:
                base = base_form.cleaned_data
                for field in TaskBaseForm.FIELDS:
                    if request.POST.get(f"resolve-{field}") == "theirs":
                        # After a conflict the base holds their value: sending it keeps theirs.
                        changes[field] = base[field]
                task = services.task_update(task=task, actor=page_user(request), base=base, **changes)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except FieldsChangedError as exc:
            with primary_reads():
                return _render_merge_conflict(
                    request, _task(request, task.pk), form=form, fields=list(exc.current), members=members
                )
        except PreconditionFailedError:
            # The current version is on the primary; a replica may still have the old one.
            with primary_reads():
                return _render_conflict(request, _task(request, task.pk), attempted=form)
        else:
            if not request.htmx:
                messages.success(request, "The card was saved.")
                return htmx_redirect(request, reverse("tasks:detail", args=[task.pk]))
            return _changed(_render_task(request, _task(request, task.pk), saved=True))
    if base_form is not None and not base_form.is_valid():
        # Only a tampered or truncated page sends malformed opening values.
        form.add_error(None, "This form is out of date: reload the card and make your changes again.")
    return _render_task(request, task, form=form, base_form=base_form)


@page
@require_POST
def task_completion(request: PageRequest, task_id: int) -> HttpResponseBase:
    task = _task(request, task_id)
    if request.POST.get("completed") == "1":
        task = services.task_complete(task=task, actor=page_user(request))
    else:
        task = services.task_reopen(task=task, actor=page_user(request))
    if not request.htmx:
        return htmx_redirect(request, reverse("tasks:detail", args=[task.pk]))
    return _changed(_render_task(request, _task(request, task.pk)))


@page
@require_http_methods(["GET", "POST"])
def task_delete(request: PageRequest, task_id: int) -> HttpResponseBase:
    task = _task(request, task_id)
    if request.method == "POST":
        services.task_delete(task=task, actor=page_user(request))
        messages.success(request, f"The card “{task.title}” was deleted.")
        return htmx_redirect(request, reverse("boards:detail", args=[task.board_id]))
    board = _board_of(request, task)
    require_role(board, Action.TASK_CHANGE)
    return render(request, "tasks/task_delete.html", {"task": task, "board": board})


@page
@require_POST
def task_create(request: PageRequest, board_id: int) -> HttpResponseBase:
    """A card added inline at the bottom of a list."""
    board = board_selectors.board_get_for_user(user=page_user(request), board_id=board_id)
    require_role(board, Action.TASK_CHANGE)
    form = NewTaskForm(request.POST, auto_id=f"id_new_task_{request.POST.get('list_id', '')}_%s")
    task: Task | None = None
    if form.is_valid():
        try:
            task = services.task_create(
                board=board,
                actor=page_user(request),
                list_id=form.cleaned_data["list_id"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except ConflictError as exc:
            # The list is at its WIP limit: said in place, under the box (what was typed stays).
            form.add_error("title", str(exc))
    if not request.htmx:
        if form.errors:
            messages.error(
                request, " ".join(str(message) for errors in form.errors.values() for message in errors)
            )
        return htmx_redirect(request, reverse("boards:detail", args=[board.pk]))
    list_id = form.cleaned_data.get("list_id") if task is None else task.list_id
    context: dict[str, Any] = {
        "board": board,
        "list_id": list_id,
        "perms": board_permissions(role_on(board), board),
        "filters": BoardFilters(),
    }
    if task is None:
        context["form"] = form
        return render(request, "tasks/_card_form.html", context)
    column = next(column for column in list_columns(board=board) if column.board_list.pk == task.list_id)
    context.update(
        form=NewTaskForm(initial={"list_id": task.list_id}, auto_id=f"id_new_task_{task.list_id}_%s"),
        card=card(selectors.task_get_for_user(user=page_user(request), task_id=task.pk)),
        column=column,
        created=True,
    )
    return render(request, "tasks/_card_form.html", context)


def _move_target_index(request: PageRequest, task: Task, board: Board, list_id: int) -> int:
    """Where a dropped card goes: right after the card it was dropped under (the page may
    show only some of a list's cards, so a position on the screen is not an index)."""
    after_id = request.POST.get("after_id", "")
    # An id no row can have names no list (task_move refuses it) and no card. Not queried:
    # SQLite, the embedded default, can't bind so large a number (OverflowError, a 500).
    if not after_id.isdigit() or not 1 <= list_id <= MAX_ID:
        return 0
    in_list = selectors.task_list(user=page_user(request), board=board, list_id=list_id)
    anchor_id = int(after_id)
    under = in_list.filter(pk=anchor_id) if anchor_id <= MAX_ID else in_list.none()
    anchor = under.values_list("position", flat=True).first()
    if anchor is None:
        # The card above is gone meanwhile: the bottom of the list is the best guess.
        return in_list.exclude(pk=task.pk).count()
    return in_list.filter(position__lte=anchor).exclude(pk=task.pk).count()


@page
@require_POST
def task_drop(request: PageRequest, task_id: int) -> JsonResponse:
    """Drag and drop of a card (our script posts the list and the card it now follows)."""
    try:
        task = _task(request, task_id)
        require_role(task, Action.TASK_CHANGE)
        board = _board_of(request, task)
        list_id = int(request.POST.get("list_id", ""))
        index = _move_target_index(request, task, board, list_id)
        from_list = task.list_id
        moved = services.task_move(task=task, actor=page_user(request), to_list_id=list_id, index=index)
    except ObjectDoesNotExist:
        return json_error(404, "This card no longer exists. Reload the page.")
    except ValueError:
        return json_error(400, "The list to move the card to is missing.")
    except PermissionDenied as exc:
        return json_error(403, str(exc))
    except ConflictError as exc:
        return json_error(409, str(exc))
    except ValidationError as exc:
        return json_error(400, " ".join(exc.messages))
    counts = list_counts(board=board, list_ids={from_list, moved.list_id})
    return JsonResponse({"id": moved.pk, "list_id": moved.list_id, "lists": counts})


@page
@require_http_methods(["GET", "POST"])
def task_move(request: PageRequest, task_id: int) -> HttpResponseBase:
    """ "Move to…": the keyboard alternative to dragging a card."""
    task = _task(request, task_id)
    board = _board_of(request, task)
    require_role(board, Action.TASK_CHANGE)
    columns = list_columns(board=board)
    form = MoveForm(
        request.POST or None,
        lists=[column.board_list for column in columns],
        initial={"list_id": task.list_id},
    )
    if request.method == "POST" and form.is_valid():
        column = next(column for column in columns if column.board_list.pk == form.cleaned_data["list_id"])
        target = column.board_list
        position = form.cleaned_data["position"]
        index = column.total if position is None else position - 1
        try:
            services.task_move(task=task, actor=page_user(request), to_list_id=target.pk, index=index)
        except ConflictError as exc:
            form.add_error("list_id", str(exc))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if request.htmx:
                response = HttpResponse(status=204)
                return trigger_client_event(
                    _changed(response), "closeDialog", {"message": f"Moved to “{target.title}”."}
                )
            messages.success(request, f"The card was moved to “{target.title}”.")
            return htmx_redirect(request, reverse("boards:detail", args=[board.pk]))
    template = "tasks/_task_move.html" if request.htmx else "tasks/task_move.html"
    return render(request, template, {"task": task, "board": board, "form": form})


# Comments


def _comments_response(request: PageRequest, task: Task, **context: Any) -> HttpResponse:
    if not request.htmx:
        return _render_task(request, task, **context)
    response = render(request, "tasks/_comments.html", _task_context(request, task, **context))
    return _changed(response)


@page
@require_POST
def comment_create(request: PageRequest, task_id: int) -> HttpResponseBase:
    task = _task(request, task_id)
    require_role(task, Action.COMMENT_CREATE, selectors.comment_settings(role=role_on(task), task_id=task.pk))
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_create(task=task, actor=page_user(request), body=form.cleaned_data["body"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if not request.htmx:
                return htmx_redirect(request, reverse("tasks:detail", args=[task.pk]) + "#comments")
            return _comments_response(request, _task(request, task.pk))
    return _comments_response(request, task, comment_form=form)


def _comment(request: PageRequest, comment_id: int) -> Comment:
    return selectors.comment_get_for_user(user=page_user(request), comment_id=comment_id)


@page
@require_POST
def comment_update(request: PageRequest, comment_id: int) -> HttpResponseBase:
    comment = _comment(request, comment_id)
    own = comment.author_id is not None and comment.author_id == page_user(request).pk
    require_role(
        comment,
        Action.COMMENT_CHANGE_OWN if own else Action.COMMENT_MODERATE,
        selectors.comment_settings(role=role_on(comment), task_id=comment.task_id) if own else None,
    )
    form = CommentForm(request.POST, prefix=f"comment-{comment.pk}")
    if form.is_valid():
        try:
            services.comment_update(comment=comment, actor=page_user(request), body=form.cleaned_data["body"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if not request.htmx:
                return htmx_redirect(request, reverse("tasks:detail", args=[comment.task_id]) + "#comments")
            return _comments_response(request, _task(request, comment.task_id))
    return _comments_response(request, _task(request, comment.task_id), comment_errors={comment.pk: form})


@page
@require_POST
def comment_delete(request: PageRequest, comment_id: int) -> HttpResponseBase:
    comment = _comment(request, comment_id)
    services.comment_delete(comment=comment, actor=page_user(request))
    if not request.htmx:
        return htmx_redirect(request, reverse("tasks:detail", args=[comment.task_id]) + "#comments")
    return _comments_response(request, _task(request, comment.task_id))


@page
@require_POST
def markdown_preview(request: PageRequest) -> HttpResponse:
    """The description as it will look (rendered and sanitized like the saved one; only as
    much as a description may hold is rendered); with the `board_id` of a board the user is
    a member of, its members' mentions read as their names."""
    text = request.POST.get("description", "")[: services.DESCRIPTION_MAX_LENGTH]
    html = render_markdown(text)
    board_id = request.POST.get("board_id", "")
    if board_id.isascii() and board_id.isdigit():
        try:
            board = board_selectors.board_get_for_user(user=page_user(request), board_id=int(board_id))
        except Board.DoesNotExist:
            pass
        else:
            html = highlight_mentions(html, mentioned_members(board=board, text=text))
    return render(request, "tasks/_markdown_preview.html", {"html": html})

"""The task pages: a card's details (a dialog over the board, or its own page), adding,
moving, completing and deleting cards, and comments.

Every view answers htmx with the fragment to swap and a plain browser with a redirect or
a full page, so each works with and without our script. Writes go through the same
services as the API, given ids and the acting user: the service locks, authorizes and
writes (the role checks here only keep a refused caller from getting the form back).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts.forms import ServiceErrorsMixin
from accounts.request_user import page_user
from boards import selectors as board_selectors
from boards.models import Board, BoardList
from boards.permissions import Action, board_permissions, require_role, role_of
from taskboard.db.routing import primary_reads
from taskboard.errors import ConflictError, FieldsChangedError, PreconditionFailedError
from taskboard.markdown_rendering import render_markdown
from taskboard.pages import PageRequest, htmx_redirect, json_error, page
from tasks import selectors, services
from tasks.board_page import BoardFilters, card, list_columns, list_counts
from tasks.forms import CommentForm, MoveForm, NewTaskForm, TaskBaseForm, TaskForm
from tasks.mention_highlighting import highlight_mentions
from tasks.mentions import mentioned_members
from tasks.models import Comment, Task
from tasks.task_dialog import (
    board_of,
    changed,
    render_conflict,
    render_merge_conflict,
    render_task,
    task_context,
    task_of,
)

Written = TypeVar("Written")


def _form_write(
    form: ServiceErrorsMixin, write: Callable[[dict[str, Any]], Written], *, conflict_field: str | None = None
) -> Written | None:
    """What the service `write` gave back for the form's cleaned data; None when the form
    or the service refused it, the service's reasons put on the form (a ConflictError, a
    list at its WIP limit, on `conflict_field` when given)."""
    assert isinstance(form, forms.Form)
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as exc:
        form.add_service_errors(exc)
    except ConflictError as exc:
        if conflict_field is None:
            raise
        form.add_error(conflict_field, str(exc))
    return None


@page
@require_http_methods(["GET", "POST"])
def task_detail(request: PageRequest, task_id: int) -> HttpResponseBase:
    task = task_of(request, task_id)
    if request.method == "GET":
        return render_task(request, task)

    require_role(task, Action.TASK_CHANGE)
    board = board_of(request, task)
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
                    task=task.pk, actor=page_user(request), expected_versions={data["version"]}, **changes
                )
            else:
                base = base_form.cleaned_data
                for field in TaskBaseForm.FIELDS:
                    if request.POST.get(f"resolve-{field}") == "theirs":
                        # After a conflict the base holds their value: sending it keeps theirs.
                        changes[field] = base[field]
                task = services.task_update(task=task.pk, actor=page_user(request), base=base, **changes)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except FieldsChangedError as exc:
            with primary_reads():
                return render_merge_conflict(
                    request, task_of(request, task.pk), form=form, fields=list(exc.current), members=members
                )
        except PreconditionFailedError:
            # The current version is on the primary; a replica may still have the old one.
            with primary_reads():
                return render_conflict(request, task_of(request, task.pk), attempted=form)
        else:
            if not request.htmx:
                messages.success(request, "The card was saved.")
                return htmx_redirect(request, reverse("tasks:detail", args=[task.pk]))
            return changed(render_task(request, task_of(request, task.pk), saved=True))
    if base_form is not None and not base_form.is_valid():
        # Only a tampered or truncated page sends malformed opening values.
        form.add_error(None, "This form is out of date: reload the card and make your changes again.")
    return render_task(request, task, form=form, base_form=base_form)


@page
@require_POST
def task_completion(request: PageRequest, task_id: int) -> HttpResponseBase:
    task = task_of(request, task_id)
    if request.POST.get("completed") == "1":
        services.task_complete(task=task.pk, actor=page_user(request))
    else:
        services.task_reopen(task=task.pk, actor=page_user(request))
    if not request.htmx:
        return htmx_redirect(request, reverse("tasks:detail", args=[task.pk]))
    return changed(render_task(request, task_of(request, task.pk)))


@page
@require_http_methods(["GET", "POST"])
def task_delete(request: PageRequest, task_id: int) -> HttpResponseBase:
    task = task_of(request, task_id)
    if request.method == "POST":
        services.task_delete(task=task.pk, actor=page_user(request))
        messages.success(request, f"The card “{task.title}” was deleted.")
        return htmx_redirect(request, reverse("tasks:board", args=[task.board_id]))
    board = board_of(request, task)
    require_role(board, Action.TASK_CHANGE)
    return render(request, "tasks/task_delete.html", {"task": task, "board": board})


@page
@require_POST
def task_create(request: PageRequest, board_id: int) -> HttpResponseBase:
    """A card added inline at the bottom of a list."""
    board = board_selectors.board_get_for_user(user=page_user(request), board_id=board_id)
    require_role(board, Action.TASK_CHANGE)
    form = NewTaskForm(request.POST, auto_id=f"id_new_task_{request.POST.get('list_id', '')}_%s")
    task = _form_write(
        form,
        lambda data: services.task_create(
            board=board.pk, actor=page_user(request), list_id=data["list_id"], title=data["title"]
        ),
        # The list is at its WIP limit: said in place, under the box (what was typed stays).
        conflict_field="title",
    )
    if not request.htmx:
        if form.errors:
            messages.error(
                request, " ".join(str(message) for errors in form.errors.values() for message in errors)
            )
        return htmx_redirect(request, reverse("tasks:board", args=[board.pk]))
    list_id = form.cleaned_data.get("list_id") if task is None else task.list_id
    context: dict[str, Any] = {
        "board": board,
        "list_id": list_id,
        "perms": board_permissions(role_of(board), board),
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


def _drop_target(request: PageRequest) -> tuple[int, int | None]:
    """The list a card was dropped into and the card it was dropped under (None: the top):
    right after that card, for the page may show only some of a list's cards, so a
    position on the screen is not an index. ValueError when the form is malformed."""
    after_id = request.POST.get("after_id", "")
    return int(request.POST.get("list_id", "")), int(after_id) if after_id.isdigit() else None


@page
@require_POST
def task_drop(request: PageRequest, task_id: int) -> JsonResponse:
    """Drag and drop of a card (our script posts the list and the card it now follows)."""
    try:
        try:
            list_id, after_task_id = _drop_target(request)
        except ValueError:
            # A caller who may not move the card learns that first (404, 403), as the
            # service would tell them.
            require_role(task_of(request, task_id), Action.TASK_CHANGE)
            raise
        moved = services.task_move_written(
            task=task_id, actor=page_user(request), to_list_id=list_id, after_task_id=after_task_id
        )
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
    task = moved.task
    counts = moved.lists
    if counts is None:
        # Dropped where it was: nothing written, nothing counted.
        board = board_selectors.board_get_for_user(user=page_user(request), board_id=task.board_id)
        counts = list_counts(board=board, list_ids={task.list_id})
    return JsonResponse({"id": task.pk, "list_id": task.list_id, "lists": counts})


@page
@require_http_methods(["GET", "POST"])
def task_move(request: PageRequest, task_id: int) -> HttpResponseBase:
    """ "Move to…": the keyboard alternative to dragging a card."""
    task = task_of(request, task_id)
    board = board_of(request, task)
    require_role(board, Action.TASK_CHANGE)
    columns = list_columns(board=board)
    form = MoveForm(
        request.POST or None,
        lists=[column.board_list for column in columns],
        initial={"list_id": task.list_id},
    )

    def move(data: dict[str, Any]) -> BoardList:
        column = next(column for column in columns if column.board_list.pk == data["list_id"])
        position = data["position"]
        index = column.total if position is None else position - 1
        services.task_move(
            task=task.pk, actor=page_user(request), to_list_id=column.board_list.pk, index=index
        )
        return column.board_list

    if request.method == "POST":
        target = _form_write(form, move, conflict_field="list_id")
        if target is not None:
            if request.htmx:
                response = HttpResponse(status=204)
                return trigger_client_event(
                    changed(response), "closeDialog", {"message": f"Moved to “{target.title}”."}
                )
            messages.success(request, f"The card was moved to “{target.title}”.")
            return htmx_redirect(request, reverse("tasks:board", args=[board.pk]))
    template = "tasks/_task_move.html" if request.htmx else "tasks/task_move.html"
    return render(request, template, {"task": task, "board": board, "form": form})


# Comments


def _comments_response(request: PageRequest, task: Task, **context: Any) -> HttpResponse:
    if not request.htmx:
        return render_task(request, task, **context)
    response = render(request, "tasks/_comments.html", task_context(request, task, **context))
    return changed(response)


def _comments_written(request: PageRequest, task_id: int) -> HttpResponseBase:
    """After a comment was written: a plain browser goes back to the card's comments,
    htmx gets them again."""
    if not request.htmx:
        return htmx_redirect(request, reverse("tasks:detail", args=[task_id]) + "#comments")
    return _comments_response(request, task_of(request, task_id))


@page
@require_POST
def comment_create(request: PageRequest, task_id: int) -> HttpResponseBase:
    task = task_of(request, task_id)
    require_role(task, Action.COMMENT_CREATE, selectors.comment_settings(role=role_of(task), task_id=task.pk))
    form = CommentForm(request.POST)
    if _form_write(
        form, lambda data: services.comment_create(task=task.pk, actor=page_user(request), body=data["body"])
    ):
        return _comments_written(request, task.pk)
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
        selectors.comment_settings(role=role_of(comment), task_id=comment.task_id) if own else None,
    )
    form = CommentForm(request.POST, prefix=f"comment-{comment.pk}")
    if _form_write(
        form,
        lambda data: services.comment_update(comment=comment.pk, actor=page_user(request), body=data["body"]),
    ):
        return _comments_written(request, comment.task_id)
    return _comments_response(request, task_of(request, comment.task_id), comment_errors={comment.pk: form})


@page
@require_POST
def comment_delete(request: PageRequest, comment_id: int) -> HttpResponseBase:
    deleted = services.comment_delete(comment=comment_id, actor=page_user(request))
    return _comments_written(request, deleted.task_id)


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

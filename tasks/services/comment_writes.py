"""Writes to comments (docs/design.md rule 1): each one board write (writes.board_transaction),
the body's Markdown rendered before the lock is taken.

A comment's creation and deletion change its task's `comment_count`, which every comment
write changes under the board's lock: the count read in the write, plus or minus one, is
the new one, and the event carries it (docs/api.md, the event's `task`), so the board page
updates the card's comment badge without asking for the card."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import F
from django.utils import timezone

from accounts.models import User
from boards.permissions import Action
from taskboard.db.ids import MAX_ID, pk_of
from writes import BoardWrite, FieldErrors, board_write, clean_optional_text

from .. import watches
from ..mention_highlighting import highlight_mentions
from ..mentions import mentioned_members
from ..models import Comment, Task
from ..representations import comment_representation
from .notifying import newly_mentioned, notify_mentions
from .task_fields import COMMENT_MAX_LENGTH, render_unlocked


def _clean_body(body: object) -> str:
    errors = FieldErrors()
    text = clean_optional_text(errors, "body", body, max_length=COMMENT_MAX_LENGTH)
    if "body" not in errors and not text.strip():
        errors.add("body", "This field may not be blank.")
    errors.raise_if_any()
    return text


def _task_comments(task_id: int, comment_count: int) -> dict[str, Any]:
    """The event's `task`: the commented task's new number of comments."""
    return {"task": {"id": task_id, "comment_count": comment_count}}


def _require_comment_change(write: BoardWrite, comment: Comment) -> None:
    own = comment.author_id is not None and comment.author_id == write.actor.pk
    write.require(
        Action.COMMENT_CHANGE_OWN if own else Action.COMMENT_MODERATE, not_found=Comment.DoesNotExist
    )


def comment_create(*, task: Task | int, actor: User, body: str) -> Comment:
    """Comment on a task (member+); members mentioned as @<email> are notified. `task` may
    be given by its id."""
    task_id = pk_of(task)
    body_html = render_unlocked(body, max_length=COMMENT_MAX_LENGTH)
    with board_write(of=(Task, task_id), actor=actor) as write:
        write.require(Action.COMMENT_CREATE, not_found=Task.DoesNotExist)
        current = Task.objects.only("id", "title", "board_id", "comment_count").get(
            pk=task_id, board=write.board
        )
        text = _clean_body(body)
        mentioned = mentioned_members(board=write.board, text=text)
        now = timezone.now()
        comment = Comment.objects.create(
            board_id=write.board.pk,
            task=current,
            author=actor,
            body=text,
            body_html=highlight_mentions(body_html, mentioned),
            created_at=now,
            updated_at=now,
        )
        Task.objects.filter(board_id=write.board.pk, pk=current.pk).update(
            comment_count=F("comment_count") + 1
        )
        notified = notify_mentions(write, current, mentioned)
        # Watchers who were mentioned have heard of this comment already.
        watches.notify_comment(write, current, mentioned=notified)
        write.record(
            verb="comment.created",
            target_id=comment.pk,
            target_title=current.title,
            data=comment_representation(comment),
            envelope=_task_comments(current.pk, current.comment_count + 1),
        )
    return comment


@contextmanager
def _comment_change(comment: Comment | int, actor: User) -> Iterator[tuple[BoardWrite, Comment]]:
    """The board write of a change to `comment` (its author, or an admin+), with the
    comment re-read under the board's lock. `comment` may be given by its id: the views
    read nothing before."""
    comment_id = pk_of(comment)
    board_id = (
        Comment.objects.filter(pk=comment_id).values_list("board_id", flat=True).first()
        if 1 <= comment_id <= MAX_ID
        else None
    )
    if board_id is None:
        raise Comment.DoesNotExist("Comment not found.")
    with board_write(board_id=board_id, actor=actor) as write:
        if write.role is None:
            raise Comment.DoesNotExist("Comment not found.")
        current = Comment.objects.select_related("author", "task").get(pk=comment_id, board=write.board)
        _require_comment_change(write, current)
        yield write, current


def comment_update(*, comment: Comment | int, actor: User, body: str) -> Comment:
    """Edit a comment (its author, or an admin+); newly mentioned members are notified."""
    body_html = render_unlocked(body, max_length=COMMENT_MAX_LENGTH)
    with _comment_change(comment, actor) as (write, current):
        text = _clean_body(body)
        if text == current.body:
            return current
        previous = current.body
        mentioned = mentioned_members(board=write.board, text=text)
        current.body = text
        current.body_html = highlight_mentions(body_html, mentioned)
        current.updated_at = timezone.now()
        current.save(update_fields=["body", "body_html", "updated_at"])
        notify_mentions(write, current.task, newly_mentioned(mentioned, previous))
        write.record(
            verb="comment.updated",
            target_id=current.pk,
            target_title=current.task.title,
            data=comment_representation(current),
        )
    return current


def comment_delete(*, comment: Comment | int, actor: User) -> Comment:
    """Delete a comment (its author, or an admin+); the comment as it was comes back."""
    with _comment_change(comment, actor) as (write, current):
        data = comment_representation(current)
        current.delete()
        Task.objects.filter(board_id=write.board.pk, pk=current.task_id).update(
            comment_count=F("comment_count") - 1
        )
        write.record(
            verb="comment.deleted",
            target_id=data["id"],
            target_title=current.task.title,
            data=data,
            envelope=_task_comments(current.task_id, current.task.comment_count - 1),
        )
    return current

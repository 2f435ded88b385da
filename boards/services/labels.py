"""Writes to a board's labels: add, rename or recolor, delete."""

from typing import TypedDict, Unpack

from django.db.models import F
from django.utils import timezone

from accounts.models import User
from boards.models import Board, Label
from boards.permissions import Action
from boards.representations import label_representation
from tasks.models import Task, TaskLabel
from writes import FieldErrors, board_write, clean_color, clean_required_text

from .changes import apply_changes


def _check_label_name_free(errors: FieldErrors, board: Board, name: str, *, exclude_id: int | None) -> None:
    taken = Label.objects.filter(board=board, name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if "name" not in errors and taken.exists():
        errors.add("name", "A label with this name already exists on this board.")


def label_create(*, actor: User, board_id: int, name: str, color: str) -> Label:
    """Add a label to the board (admin+)."""
    with board_write(board_id=board_id, actor=actor) as write:
        write.require(Action.LABEL_CHANGE)
        errors = FieldErrors()
        name = clean_required_text(errors, "name", name, max_length=50)
        color = clean_color(errors, "color", color)
        _check_label_name_free(errors, write.board, name, exclude_id=None)
        errors.raise_if_any()
        label = Label.objects.create(board=write.board, name=name, color=color)
        write.record(
            verb="label.created",
            target_id=label.pk,
            target_title=label.name,
            data=label_representation(label),
        )
    return label


class LabelChanges(TypedDict, total=False):
    name: str
    color: str


def label_update(*, actor: User, label_id: int, **changes: Unpack[LabelChanges]) -> Label:
    """Rename or recolor a label (admin+)."""
    with board_write(of=(Label, label_id), actor=actor) as write:
        write.require(Action.LABEL_CHANGE, not_found=Label.DoesNotExist)
        current = Label.objects.get(pk=label_id, board=write.board)
        errors = FieldErrors()
        values: dict[str, str] = {}
        if "name" in changes:
            values["name"] = clean_required_text(errors, "name", changes["name"], max_length=50)
            _check_label_name_free(errors, write.board, values["name"], exclude_id=current.pk)
        if "color" in changes:
            values["color"] = clean_color(errors, "color", changes["color"])
        errors.raise_if_any()
        changed = apply_changes(current, values)
        if changed:
            current.save(update_fields=changed)
            write.record(
                verb="label.updated",
                target_id=current.pk,
                target_title=current.name,
                data=label_representation(current),
            )
    return current


def label_delete(*, actor: User, label_id: int) -> Label:
    """Delete a label; the tasks that had it lose it (admin+). Answers the label as it was."""
    with board_write(of=(Label, label_id), actor=actor) as write:
        write.require(Action.LABEL_CHANGE, not_found=Label.DoesNotExist)
        current = Label.objects.get(pk=label_id, board=write.board)
        data = label_representation(current)
        tagged = TaskLabel.objects.filter(board_id=write.board.pk, label_id=current.pk).values("task_id")
        Task.objects.filter(board_id=write.board.pk, pk__in=tagged).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        current.delete()
        write.record(verb="label.deleted", target_id=data["id"], target_title=data["name"], data=data)
    return current

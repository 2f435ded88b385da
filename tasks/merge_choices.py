"""The card dialog's side of a merge by field (tasks.field_merge): after a conflict, each
conflicting field's two values (yours / theirs) to choose from, and the form data that
carries the choice into the next save."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import QueryDict
from django.utils import formats, timezone

from boards.models import Label

from .forms import DATETIME_LOCAL_FORMAT, TaskBaseForm

FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "priority": "Priority",
    "due_at": "Due",
    "assignee_ids": "Assignees",
    "label_ids": "Labels",
}


@dataclass(frozen=True)
class MergeChoice:
    field: str
    label: str
    # As shown.
    mine: str
    theirs: str
    # As the form posts them (ids joined by commas): static/js/merge_choice.js puts the
    # chosen one into the field.
    mine_value: str
    theirs_value: str


def _shown(field: str, value: Any, *, names: Mapping[int, str]) -> str:
    if field in ("assignee_ids", "label_ids"):
        shown = [names.get(pk, f"#{pk}") for pk in value or []]
        return ", ".join(shown) or ("Nobody" if field == "assignee_ids" else "None")
    if field == "due_at":
        if value is None:
            return "No due date"
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if field == "priority":
        return str(value).capitalize()
    return str(value) or "(empty)"


def merge_choices(
    fields: Iterable[str],
    *,
    mine: Mapping[str, Any],
    theirs: Mapping[str, Any],
    members: Iterable[tuple[int, str]],
    labels: Iterable[Label],
) -> list[MergeChoice]:
    member_names = dict(members)
    label_names = {label.pk: label.name for label in labels}
    choices = []
    for field in fields:
        names = member_names if field == "assignee_ids" else label_names
        choices.append(
            MergeChoice(
                field=field,
                label=FIELD_LABELS.get(field, field),
                mine=_shown(field, mine.get(field), names=names),
                theirs=_shown(field, theirs.get(field), names=names),
                mine_value=",".join(_posted(field, mine.get(field))),
                theirs_value=",".join(_posted(field, theirs.get(field))),
            )
        )
    return choices


def _posted(field: str, value: Any) -> list[str]:
    """`value` as the dialog's form posts it."""
    if field in ("assignee_ids", "label_ids"):
        return [str(pk) for pk in value or []]
    if field == "due_at":
        local = timezone.localtime(value) if isinstance(value, datetime) else None
        return [local.strftime(DATETIME_LOCAL_FORMAT) if local else ""]
    return [str(value)]


def _as_base(field: str, value: list[str]) -> list[str]:
    return [",".join(value)] if field.endswith("_ids") else value


def _unchanged(posted: QueryDict, field: str) -> bool:
    """Whether the person left `field` as the dialog opened with it."""
    mine = posted.getlist(field)
    base = posted.get(f"base-{field}", "")
    if field.endswith("_ids"):
        return set(mine) == {pk for pk in base.split(",") if pk}
    return (mine[0] if mine else "").replace("\r\n", "\n") == base.replace("\r\n", "\n")


def data_after_conflict(
    posted: QueryDict, *, conflicts: Iterable[str], current: Mapping[str, Any]
) -> QueryDict:
    """The form data to show again, merged: the fields this person changed as they typed
    them; the conflicting ones with their current value as the base (so that saving the
    choice made next succeeds); every other field (left alone, or "theirs" chosen before) as
    it is now, base included."""
    data = posted.copy()
    conflicting = set(conflicts)
    for field in TaskBaseForm.FIELDS:
        now = _posted(field, current[field])
        if field in conflicting:
            data.setlist(f"base-{field}", _as_base(field, now))
        elif posted.get(f"resolve-{field}") == "theirs" or _unchanged(posted, field):
            data.setlist(field, now)
            data.setlist(f"base-{field}", _as_base(field, now))
        data.pop(f"resolve-{field}", None)
    return data

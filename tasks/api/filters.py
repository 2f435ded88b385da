"""The query parameters of GET boards/{id}/tasks/ and GET tasks/ (docs/api.md).

django-filter parses and validates them: a value that is not acceptable is a 400 naming the
parameter, never ignored. The filtering itself is tasks.selectors.task_list, which the
HTML pages use too, so both read the same tasks for the same filters.
"""

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from accounts.models import User
from boards.models import Board
from taskboard.api.fields import MAX_ID
from tasks.models import PRIORITY_NAMES, Task
from tasks.selectors import TASK_ORDERINGS, task_list

PRIORITY_CHOICES = [(name, name) for name in PRIORITY_NAMES.values()]
ORDERING_CHOICES = [(name, name) for name in TASK_ORDERINGS]
SEARCH_MAX_LENGTH = 200


class IdFormField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class AssigneeFormField(forms.Field):
    """A user id, or `me` for the caller."""

    default_error_messages = {"invalid": "Enter a user id or me."}

    def to_python(self, value: Any) -> int | str | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if text == "me":
            return "me"
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


class IdFilter(django_filters.Filter):
    field_class = IdFormField


class AssigneeFilter(django_filters.Filter):
    field_class = AssigneeFormField


class UtcDateTimeFormField(IsoDateTimeField):
    """An ISO 8601 time, in UTC: PostgreSQL refuses some offsets Python accepts (-16:12)."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Enter a valid date/time.", code="invalid") from None


class UtcDateTimeFilter(django_filters.Filter):
    field_class = UtcDateTimeFormField


class TaskFilterSet(django_filters.FilterSet):
    list = IdFilter()
    assignee = AssigneeFilter()
    label = IdFilter()
    priority = django_filters.ChoiceFilter(choices=PRIORITY_CHOICES)
    completed = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        empty_value=None,
    )
    due_before = UtcDateTimeFilter()
    due_after = UtcDateTimeFilter()
    q = django_filters.CharFilter(max_length=SEARCH_MAX_LENGTH)
    ordering = django_filters.ChoiceFilter(choices=ORDERING_CHOICES)

    def __init__(self, data: Any, *, user: User, board: Board | None = None) -> None:
        super().__init__(data, queryset=Task.objects.none())
        self.user = user
        self.board = board

    def tasks(self) -> QuerySet[Task]:
        """The tasks the parameters select, or a ValidationError (400) naming the bad ones."""
        if not self.is_valid():
            raise ValidationError({name: list(messages) for name, messages in self.errors.items()})
        return self.qs

    def filter_queryset(self, queryset: QuerySet[Task]) -> QuerySet[Task]:
        values = self.form.cleaned_data
        return task_list(
            user=self.user,
            board=self.board,
            list_id=values.get("list"),
            assignee=values.get("assignee"),
            label_id=values.get("label"),
            priority=values.get("priority") or None,
            completed=values.get("completed"),
            due_before=values.get("due_before"),
            due_after=values.get("due_after"),
            q=values.get("q") or None,
            ordering=values.get("ordering") or "position",
        )


def _query(name: str, kind: Any, description: str, **kwargs: Any) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description, **kwargs)


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

# The same parameters, for the OpenAPI schema.
TASK_FILTER_PARAMETERS = [
    _query("list", ID_SCHEMA, "Only tasks of this list."),
    _query(
        "assignee",
        OpenApiTypes.STR,
        "A user id, or `me`: only tasks assigned to them.",
        # An id has at most 18 digits (MAX_ID has 19; every 18-digit number is below it).
        pattern=r"^(me|[1-9][0-9]{0,17})$",
    ),
    _query("label", ID_SCHEMA, "Only tasks with this label."),
    _query("priority", OpenApiTypes.STR, "Only tasks of this priority.", enum=list(PRIORITY_NAMES.values())),
    _query("completed", OpenApiTypes.BOOL, "true: only completed tasks; false: only open ones."),
    _query("due_before", OpenApiTypes.DATETIME, "Only tasks due before this time (exclusive)."),
    _query("due_after", OpenApiTypes.DATETIME, "Only tasks due at or after this time."),
    _query(
        "q",
        {"type": "string", "maxLength": SEARCH_MAX_LENGTH},
        "Words to find in the title or description (prefixes match).",
    ),
    _query(
        "ordering",
        OpenApiTypes.STR,
        "The order of the results; default `position` (board order, then list order).",
        enum=list(TASK_ORDERINGS),
    ),
]

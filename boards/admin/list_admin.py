"""Lists and labels in Django admin. boards.admin says how the admin writes."""

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from boards.admin_writes import ServiceAdmin
from boards.models import BoardList, Label
from boards.permissions import Action
from tasks.models import Comment, Task, TaskLabel
from writes import COLOR_RE

from .columns import changelist_link, count_subquery
from .row_writes import LabelWrites, ListWrites


@admin.register(BoardList)
class BoardListAdmin(ListWrites, ServiceAdmin):
    list_display = ("title", "board", "position", "wip_limit", "task_count")
    list_select_related = ("board",)
    list_filter = (("wip_limit", admin.EmptyFieldListFilter),)
    search_fields = ("title", "board__title")
    autocomplete_fields = ("board",)
    ordering = ("board_id", "position")
    change_action = delete_action = Action.LIST_CHANGE

    def get_queryset(self, request: HttpRequest) -> QuerySet[BoardList]:
        return (
            super()
            .get_queryset(request)
            .select_related("board")
            .annotate(task_count=count_subquery(Task.objects.all(), "list"))
        )

    def get_fields(self, request: HttpRequest, obj: BoardList | None = None) -> Any:
        if obj is None:
            return ("board", "title", "wip_limit")
        return ("board", "title", "wip_limit", "position", "task_count", "created_at", "updated_at")

    def get_readonly_fields(self, request: HttpRequest, obj: BoardList | None = None) -> Any:
        return () if obj is None else ("board", "position", "task_count", "created_at", "updated_at")

    @admin.display(description="tasks", ordering="task_count")
    def task_count(self, board_list: BoardList) -> str:
        return changelist_link(Task, getattr(board_list, "task_count", 0), list__id__exact=board_list.pk)

    def cascade_counts(self, pks: Sequence[Any]) -> dict[str, int]:
        return {
            "tasks": Task.objects.filter(list_id__in=pks).count(),
            "comments": Comment.objects.filter(task__list_id__in=pks).count(),
        }


@admin.register(Label)
class LabelAdmin(LabelWrites, ServiceAdmin):
    list_display = ("name", "swatch", "board", "task_count")
    list_select_related = ("board",)
    search_fields = ("name", "board__title")
    autocomplete_fields = ("board",)
    ordering = ("board_id", "name")
    change_action = delete_action = Action.LABEL_CHANGE

    def get_queryset(self, request: HttpRequest) -> QuerySet[Label]:
        return (
            super()
            .get_queryset(request)
            .select_related("board")
            .annotate(task_count=count_subquery(TaskLabel.objects.all(), "label"))
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Label | None = None) -> Any:
        return () if obj is None else ("board",)

    @admin.display(description="color", ordering="color")
    def swatch(self, label: Label) -> str:
        if not COLOR_RE.fullmatch(label.color):
            return label.color
        # A presentation attribute, not a style attribute: the CSP allows no inline style.
        return format_html(
            '<svg width="12" height="12" viewBox="0 0 10 10" aria-hidden="true">'
            '<rect width="10" height="10" rx="2" fill="{}"/></svg> {}',
            label.color,
            label.color,
        )

    @admin.display(description="tasks", ordering="task_count")
    def task_count(self, label: Label) -> int:
        return getattr(label, "task_count", 0)

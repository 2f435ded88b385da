"""Activity and notifications in Django admin: read-only.

Activities are the board's event log (the seq the live clients resync from) and
notifications are what the services told people; neither is edited by hand. They go when
their board does.
"""

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from .models import Activity, Notification

# docs/api.md "Activity, notifications".
VERBS = (
    "board.created",
    "board.updated",
    "member.added",
    "member.removed",
    "member.role_changed",
    "list.created",
    "list.updated",
    "list.moved",
    "list.deleted",
    "task.created",
    "task.updated",
    "task.moved",
    "task.completed",
    "task.reopened",
    "task.deleted",
    "comment.created",
    "comment.updated",
    "comment.deleted",
    "label.created",
    "label.updated",
    "label.deleted",
)
TARGET_TYPES = ("board", "member", "list", "task", "comment", "label")


class ChoicesFilter(admin.SimpleListFilter):
    """A filter on a field with a known set of values (Django's AllValuesFieldListFilter
    would read them with a DISTINCT over the whole table on every page)."""

    field: str
    values: tuple[str, ...]

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [(value, value) for value in self.values]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


class VerbFilter(ChoicesFilter):
    title = parameter_name = field = "verb"
    values = VERBS


class TargetTypeFilter(ChoicesFilter):
    title = "target type"
    parameter_name = field = "target_type"
    values = TARGET_TYPES


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("seq", "verb", "board", "actor", "target", "created_at")
    list_display_links = ("seq", "verb")
    list_select_related = ("board", "actor")
    list_filter = (VerbFilter, TargetTypeFilter, "created_at")
    search_fields = ("target_title", "actor__email", "board__title")
    ordering = ("-id",)
    fields = (
        "board",
        "seq",
        "verb",
        "actor",
        "target_type",
        "target_id",
        "target_title",
        "created_at",
        "payload",
    )
    readonly_fields = fields

    @admin.display(description="target")
    def target(self, activity: Activity) -> str:
        return f"{activity.target_type} #{activity.target_id} {activity.target_title}"

    @admin.display(description="data")
    def payload(self, activity: Activity) -> str:
        return format_html("<pre>{}</pre>", json.dumps(activity.data, indent=2, ensure_ascii=False))


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "text", "board", "task", "read", "created_at")
    list_select_related = ("user", "board", "task")
    list_filter = ("kind", "read", "created_at")
    search_fields = ("user__email", "text")
    ordering = ("-id",)
    fields = ("user", "kind", "text", "board", "task", "read", "created_at")
    readonly_fields = fields

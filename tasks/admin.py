"""Tasks and comments in Django admin.

Writes go through tasks.services with actor=request.user (boards.admin_writes explains
how the admin acts). A task's list is picked from a plain select of the lists of its board
(of the boards you may add tasks to, when adding): list names repeat on every board, so an
autocomplete of all lists would be ambiguous. Assignees and labels are autocompletes,
narrowed to the task's board on its change page; the service checks them on add.
"""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import User
from boards import permissions
from boards.admin_writes import ServiceAdmin, ServiceTabularInline, admin_actor
from boards.models import BoardList, Label, Role
from boards.permissions import Action

from . import services
from .models import PRIORITY_NAMES, Comment, Task

TASK_EDITOR_ROLES = [role.value for role in Role if permissions.can(role, Action.TASK_CHANGE)]


class BoardListChoiceField(forms.ModelChoiceField):
    def __init__(self, *args: Any, with_board: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.with_board = with_board

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.board.title} / {obj.title}" if self.with_board else str(obj.title)


class DueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [("overdue", "Overdue"), ("week", "Due in 7 days"), ("none", "No due date")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(completed=False, due_at__lt=now)
        if self.value() == "week":
            return queryset.filter(due_at__gte=now, due_at__lt=now + timedelta(days=7))
        if self.value() == "none":
            return queryset.filter(due_at__isnull=True)
        return queryset


class CommentInline(ServiceTabularInline):
    model = Comment
    extra = 1
    fields = ("body", "author", "created_at", "body_html")
    readonly_fields = ("author", "created_at", "body_html")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}}
    add_action = Action.COMMENT_CREATE
    # Another member's comment needs admin+: the service checks that per comment.
    change_action = delete_action = Action.COMMENT_CHANGE_OWN

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return super().get_queryset(request).select_related("author")

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> Comment:
        return services.comment_create(
            task=form.instance.task, actor=admin_actor(request), body=form.cleaned_data["body"]
        )

    def update_through_service(self, request: HttpRequest, obj: Comment, form: forms.ModelForm) -> None:
        services.comment_update(comment=obj, actor=admin_actor(request), body=form.cleaned_data["body"])

    def delete_through_service(self, request: HttpRequest, obj: Comment) -> None:
        services.comment_delete(comment=obj, actor=admin_actor(request))


@admin.register(Task)
class TaskAdmin(ServiceAdmin):
    list_display = (
        "title",
        "board",
        "list",
        "priority",
        "due_at",
        "completed",
        "assignee_names",
        "comment_count",
        "updated_at",
    )
    list_select_related = ("board", "list")
    list_filter = ("priority", "completed", DueFilter, "created_at")
    search_fields = ("title", "description")
    autocomplete_fields = ("assignees", "labels")
    ordering = ("-id",)
    inlines = (CommentInline,)
    change_action = delete_action = Action.TASK_CHANGE
    service_field_names = {"list_id": "list", "assignee_ids": "assignees", "label_ids": "labels"}
    # What the services keep up (shown on an existing task, never edited here).
    STATE_FIELDS = (
        "position",
        "completed_at",
        "version",
        "comment_count",
        "created_by",
        "created_at",
        "updated_at",
        "description_html",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Task]:
        return (
            super()
            .get_queryset(request)
            .select_related("board", "list", "created_by")
            .prefetch_related(
                Prefetch("assignees", queryset=User.objects.only("id", "name", "email").order_by("id"))
            )
        )

    def get_fieldsets(self, request: HttpRequest, obj: Task | None = None) -> Any:
        if obj is None:
            return [
                (None, {"fields": ("list", "title", "description", "priority", "due_at")}),
                ("People and labels", {"fields": ("assignees", "labels")}),
            ]
        return [
            (None, {"fields": ("board", "list", "title", "description", "priority", "due_at", "completed")}),
            ("People and labels", {"fields": ("assignees", "labels")}),
            ("State", {"fields": self.STATE_FIELDS}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Task | None = None) -> Any:
        if obj is None:
            return ()
        return ("board", *self.STATE_FIELDS)

    def get_inline_instances(self, request: HttpRequest, obj: Task | None = None) -> Any:
        return super().get_inline_instances(request, obj) if obj is not None else []

    def formfield_for_manytomany(
        self, db_field: "models.ManyToManyField[Any, Any]", request: HttpRequest, **kwargs: Any
    ) -> Any:
        """The assignees and labels, although their tables are through models (TaskAssignee
        and TaskLabel carry the board), which the admin would leave out: the form only
        chooses them, the services write the rows (ServiceAdmin.save_related)."""
        using = kwargs.get("using")
        if db_field.name in self.autocomplete_fields:
            kwargs.setdefault("widget", AutocompleteSelectMultiple(db_field, self.admin_site, using=using))
        kwargs.setdefault("queryset", self.get_field_queryset(using, db_field, request))
        return db_field.formfield(**kwargs)

    def get_form(
        self, request: HttpRequest, obj: Task | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)
        fields = form_class.base_fields
        if "list" in fields:
            if obj is None:
                lists = BoardList.objects.filter(
                    board__memberships__user=admin_actor(request),
                    board__memberships__role__in=TASK_EDITOR_ROLES,
                ).order_by("board__title", "board_id", "position")
                help_text = "Lists of the boards where you may add tasks. The task goes last."
            else:
                lists = BoardList.objects.filter(board_id=obj.board_id).order_by("position", "id")
                help_text = "Another list moves the task to its end."
            fields["list"] = BoardListChoiceField(
                queryset=lists.select_related("board"), with_board=obj is None, help_text=help_text
            )
        if obj is not None:
            # Anyone else is refused by the service anyway; the form says so first.
            if isinstance(assignees := fields.get("assignees"), forms.ModelMultipleChoiceField):
                assignees.queryset = User.objects.filter(memberships__board_id=obj.board_id)
            if isinstance(labels := fields.get("labels"), forms.ModelMultipleChoiceField):
                labels.queryset = Label.objects.filter(board_id=obj.board_id)
        return form_class

    @admin.display(description="assignees")
    def assignee_names(self, task: Task) -> str:
        return ", ".join(user.name or user.email for user in task.assignees.all())

    def cascade_counts(self, pks: Any) -> dict[str, int]:
        return {"comments": Comment.objects.filter(task_id__in=pks).count()}

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> Task:
        data = form.cleaned_data
        board_list = data["list"]
        return services.task_create(
            board=board_list.board,
            actor=admin_actor(request),
            list_id=board_list.pk,
            title=data["title"],
            description=data["description"],
            priority=PRIORITY_NAMES[data["priority"]],
            due_at=data["due_at"],
            assignee_ids=[user.pk for user in data["assignees"]],
            label_ids=[label.pk for label in data["labels"]],
        )

    def update_through_service(self, request: HttpRequest, obj: Task, form: forms.ModelForm) -> None:
        data = form.cleaned_data
        changes: services.TaskChanges = {}
        changed = set(form.changed_data)
        if "list" in changed:
            changes["list_id"] = data["list"].pk
        if "title" in changed:
            changes["title"] = data["title"]
        if "description" in changed:
            changes["description"] = data["description"]
        if "priority" in changed:
            changes["priority"] = PRIORITY_NAMES[data["priority"]]
        if "due_at" in changed:
            changes["due_at"] = data["due_at"]
        if "completed" in changed:
            changes["completed"] = data["completed"]
        if "assignees" in changed:
            changes["assignee_ids"] = [user.pk for user in data["assignees"]]
        if "labels" in changed:
            changes["label_ids"] = [label.pk for label in data["labels"]]
        services.task_update(task=obj.pk, actor=admin_actor(request), **changes)

    def delete_through_service(self, request: HttpRequest, obj: Task) -> None:
        services.task_delete(task=obj.pk, actor=admin_actor(request))


@admin.register(Comment)
class CommentAdmin(ServiceAdmin):
    list_display = ("excerpt", "task", "board", "author", "created_at")
    # `board` is the comment's own key (the task's board).
    list_select_related = ("task", "board", "author")
    list_filter = ("created_at",)
    search_fields = ("body", "author__email", "task__title")
    autocomplete_fields = ("task",)
    ordering = ("-id",)
    change_action = Action.COMMENT_CHANGE_OWN
    delete_action = Action.COMMENT_CHANGE_OWN

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return super().get_queryset(request).select_related("task", "board", "author")

    def get_fields(self, request: HttpRequest, obj: Comment | None = None) -> Any:
        if obj is None:
            return ("task", "body")
        return ("task", "author", "body", "body_html", "created_at", "updated_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Comment | None = None) -> Any:
        return () if obj is None else ("task", "author", "body_html", "created_at", "updated_at")

    def board_id_of(self, obj: Comment) -> int:
        return obj.board_id

    def required_action(self, request: HttpRequest, obj: Comment, *, deleting: bool) -> Action:
        own = obj.author_id is not None and obj.author_id == request.user.pk
        return Action.COMMENT_CHANGE_OWN if own else Action.COMMENT_MODERATE

    @admin.display(description="comment")
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.body).chars(80)

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> Comment:
        data = form.cleaned_data
        return services.comment_create(task=data["task"], actor=admin_actor(request), body=data["body"])

    def update_through_service(self, request: HttpRequest, obj: Comment, form: forms.ModelForm) -> None:
        services.comment_update(comment=obj, actor=admin_actor(request), body=form.cleaned_data["body"])

    def delete_through_service(self, request: HttpRequest, obj: Comment) -> None:
        services.comment_delete(comment=obj, actor=admin_actor(request))

"""Boards in Django admin, with what is on them as inlines (lists, labels, members,
invitations). boards.admin says how the admin writes."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from activity.models import Activity, Notification
from boards import services
from boards.admin_writes import ServiceAdmin, ServiceForm, ServiceTabularInline, admin_actor
from boards.models import Board, BoardList, Invitation, Label, Membership, Role
from boards.permissions import Action
from tasks.models import Comment, Task

from .columns import changelist_link, count_subquery
from .row_writes import LabelWrites, ListWrites, MembershipWrites, changed_values


class BoardChildInline(ServiceTabularInline):
    extra = 0

    def parent_board_id(self, parent: Any) -> int:
        return int(parent.pk)


class BoardListInline(ListWrites, BoardChildInline):
    model = BoardList
    verbose_name = "list"
    verbose_name_plural = "lists"
    fields = ("title", "wip_limit", "position", "task_count")
    readonly_fields = ("position", "task_count")
    add_action = change_action = delete_action = Action.LIST_CHANGE

    def get_queryset(self, request: HttpRequest) -> QuerySet[BoardList]:
        return (
            super()
            .get_queryset(request)
            .annotate(task_count=count_subquery(Task.objects.all(), "list"))
            .order_by("position", "id")
        )

    @admin.display(description="tasks")
    def task_count(self, board_list: BoardList) -> int:
        return getattr(board_list, "task_count", 0)


class LabelInline(LabelWrites, BoardChildInline):
    model = Label
    fields = ("name", "color")
    add_action = change_action = delete_action = Action.LABEL_CHANGE

    def get_queryset(self, request: HttpRequest) -> QuerySet[Label]:
        return super().get_queryset(request).order_by("name", "id")


class MembershipForm(ServiceForm):
    """Roles a member can be given; the owner's row shows its role and keeps it (ownership
    moves by the "transfer" action, as the service requires)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields.get("role")
        if not isinstance(role, forms.ChoiceField):
            return
        if self.instance.pk is not None and self.instance.role == Role.OWNER:
            role.choices = [(Role.OWNER.value, Role.OWNER.label)]
            role.disabled = True
        else:
            role.choices = [(choice.value, choice.label) for choice in services.ASSIGNABLE_ROLES]


class MembershipInline(MembershipWrites, BoardChildInline):
    model = Membership
    form = MembershipForm
    fields = ("user", "role", "joined_at")
    readonly_fields = ("user", "joined_at")
    # People are added on the membership admin ("Add a member" under Related).
    verbose_name_plural = "memberships"
    add_action = change_action = delete_action = Action.MEMBER_MANAGE

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user")


class InvitationInline(BoardChildInline):
    """Pending and past invitations; deleting one revokes it."""

    model = Invitation
    fields = ("email", "role", "invited_by", "created_at", "expires_at", "accepted_at")
    readonly_fields = fields
    add_action = change_action = delete_action = Action.INVITATION_REVOKE

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return super().get_queryset(request).select_related("invited_by")

    def delete_through_service(self, request: HttpRequest, obj: Invitation) -> None:
        services.invitation_revoke(
            actor=admin_actor(request), board_id=obj.board_id, invitation_id=obj.pk, pending_only=False
        )


@admin.register(Board)
class BoardAdmin(ServiceAdmin):
    list_display = ("title", "owner", "member_count", "task_count", "archived", "version", "updated_at")
    list_filter = ("archived", "created_at", "updated_at")
    search_fields = ("title", "description", "memberships__user__email")
    ordering = ("-updated_at", "-id")
    readonly_fields = ("owner", "version", "event_seq", "created_by", "created_at", "updated_at", "links")
    inlines = (BoardListInline, LabelInline, MembershipInline, InvitationInline)
    change_action = Action.BOARD_UPDATE
    delete_action = Action.BOARD_DELETE

    def get_queryset(self, request: HttpRequest) -> QuerySet[Board]:
        owner = Membership.objects.filter(board=OuterRef("pk"), role=Role.OWNER).values("user__email")[:1]
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .annotate(
                owner_email=Subquery(owner),
                member_count=count_subquery(Membership.objects.all(), "board"),
                task_count=count_subquery(Task.objects.all(), "board"),
            )
        )

    def get_fieldsets(self, request: HttpRequest, obj: Board | None = None) -> Any:
        if obj is None:
            return [(None, {"fields": ("title", "description"), "description": "You become its owner."})]
        return [
            (None, {"fields": ("title", "description", "archived")}),
            (
                "State",
                {"fields": ("owner", "version", "event_seq", "created_by", "created_at", "updated_at")},
            ),
            ("Related", {"fields": ("links",)}),
        ]

    def get_inline_instances(self, request: HttpRequest, obj: Board | None = None) -> Any:
        # The inlines edit what is on a board; a new board gets its lists from board_create.
        return super().get_inline_instances(request, obj) if obj is not None else []

    @admin.display(description="owner", ordering="owner_email")
    def owner(self, board: Board) -> str:
        return getattr(board, "owner_email", None) or "—"

    @admin.display(description="members", ordering="member_count")
    def member_count(self, board: Board) -> int:
        return getattr(board, "member_count", 0)

    @admin.display(description="tasks", ordering="task_count")
    def task_count(self, board: Board) -> str:
        return changelist_link(Task, getattr(board, "task_count", 0), board__id__exact=board.pk)

    @admin.display(description="see also")
    def links(self, board: Board) -> str:
        return format_html_join(
            " · ",
            "{}",
            [
                (changelist_link(Task, "Tasks", board__id__exact=board.pk),),
                (changelist_link(Activity, "Activity", board__id__exact=board.pk),),
                (
                    format_html(
                        '<a href="{}?board={}">Add a member</a>',
                        reverse("admin:boards_membership_add"),
                        board.pk,
                    ),
                ),
            ],
        )

    def board_id_of(self, obj: Board) -> int:
        return int(obj.pk)

    def cascade_counts(self, pks: Sequence[Any]) -> dict[str, int]:
        return {
            "lists": BoardList.objects.filter(board_id__in=pks).count(),
            "tasks": Task.objects.filter(board_id__in=pks).count(),
            "comments": Comment.objects.filter(task__board_id__in=pks).count(),
            "labels": Label.objects.filter(board_id__in=pks).count(),
            "memberships": Membership.objects.filter(board_id__in=pks).count(),
            "invitations": Invitation.objects.filter(board_id__in=pks).count(),
            "activities": Activity.objects.filter(board_id__in=pks).count(),
            "notifications": Notification.objects.filter(board_id__in=pks).count(),
        }

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> Board:
        data = form.cleaned_data
        return services.board_create(
            actor=admin_actor(request), title=data["title"], description=data["description"]
        )

    def update_through_service(self, request: HttpRequest, obj: Board, form: forms.ModelForm) -> None:
        changes = changed_values(form, ("title", "description", "archived"))
        services.board_update(actor=admin_actor(request), board_id=obj.pk, **changes)

    def delete_through_service(self, request: HttpRequest, obj: Board) -> None:
        services.board_delete(actor=admin_actor(request), board_id=obj.pk)

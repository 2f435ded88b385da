"""Boards, memberships, invitations, lists and labels in Django admin.

Every write goes through boards.services with actor=request.user (see boards.admin_writes:
the admin acts with the staff user's own role on each board). Changelists read what they
show in a fixed number of queries: related rows with list_select_related, counts as
subqueries.
"""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from activity.models import Activity, Notification
from tasks.models import Comment, Task
from writes import COLOR_RE

from . import services
from .admin_writes import (
    Refusal,
    ServiceAdmin,
    ServiceForm,
    ServiceTabularInline,
    admin_actor,
    refused_as_refusal,
)
from .models import Board, BoardList, Invitation, Label, Membership, Role
from .permissions import Action


def count_subquery(queryset: QuerySet[Any], field: str) -> Coalesce:
    """The number of rows of `queryset` whose `field` is the outer row (0 for none): a
    per-row count without joins that would multiply other counts."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def changelist_link(model: type[Any], text: object, **filters: object) -> str:
    opts = model._meta
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, query, text)


# Boards


class BoardChildInline(ServiceTabularInline):
    extra = 0

    def parent_board_id(self, parent: Any) -> int:
        return int(parent.pk)


class BoardListInline(BoardChildInline):
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

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> BoardList:
        data = form.cleaned_data
        return services.list_create(
            actor=admin_actor(request),
            board_id=form.instance.board_id,
            title=data["title"],
            wip_limit=data["wip_limit"],
        )

    def update_through_service(self, request: HttpRequest, obj: BoardList, form: forms.ModelForm) -> None:
        services.list_update(actor=admin_actor(request), list_id=obj.pk, **list_changes(form))

    def delete_through_service(self, request: HttpRequest, obj: BoardList) -> None:
        services.list_delete(actor=admin_actor(request), list_id=obj.pk)


class LabelInline(BoardChildInline):
    model = Label
    fields = ("name", "color")
    add_action = change_action = delete_action = Action.LABEL_CHANGE

    def get_queryset(self, request: HttpRequest) -> QuerySet[Label]:
        return super().get_queryset(request).order_by("name", "id")

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> Label:
        data = form.cleaned_data
        return services.label_create(
            actor=admin_actor(request),
            board_id=form.instance.board_id,
            name=data["name"],
            color=data["color"],
        )

    def update_through_service(self, request: HttpRequest, obj: Label, form: forms.ModelForm) -> None:
        services.label_update(actor=admin_actor(request), label_id=obj.pk, **label_changes(form))

    def delete_through_service(self, request: HttpRequest, obj: Label) -> None:
        services.label_delete(actor=admin_actor(request), label_id=obj.pk)


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


class MembershipInline(BoardChildInline):
    model = Membership
    form = MembershipForm
    fields = ("user", "role", "joined_at")
    readonly_fields = ("user", "joined_at")
    # People are added on the membership admin ("Add a member" under Related).
    verbose_name_plural = "memberships"
    add_action = change_action = delete_action = Action.MEMBER_MANAGE

    def has_add_permission(self, request: HttpRequest, obj: Any) -> bool:  # type: ignore[override]
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user")

    def update_through_service(self, request: HttpRequest, obj: Membership, form: forms.ModelForm) -> None:
        services.member_update_role(
            actor=admin_actor(request),
            board_id=obj.board_id,
            user_id=obj.user_id,
            role=form.cleaned_data["role"],
        )

    def delete_through_service(self, request: HttpRequest, obj: Membership) -> None:
        services.member_remove(actor=admin_actor(request), board_id=obj.board_id, user_id=obj.user_id)


class InvitationInline(BoardChildInline):
    """Pending and past invitations; deleting one revokes it."""

    model = Invitation
    fields = ("email", "role", "invited_by", "created_at", "expires_at", "accepted_at")
    readonly_fields = fields
    add_action = change_action = delete_action = Action.INVITATION_REVOKE

    def has_add_permission(self, request: HttpRequest, obj: Any) -> bool:  # type: ignore[override]
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return super().get_queryset(request).select_related("invited_by")

    def delete_through_service(self, request: HttpRequest, obj: Invitation) -> None:
        services.invitation_revoke(
            actor=admin_actor(request), board_id=obj.board_id, invitation_id=obj.pk, pending_only=False
        )


def list_changes(form: forms.ModelForm) -> services.ListChanges:
    data = form.cleaned_data
    changes: services.ListChanges = {}
    if "title" in form.changed_data:
        changes["title"] = data["title"]
    if "wip_limit" in form.changed_data:
        changes["wip_limit"] = data["wip_limit"]
    return changes


def label_changes(form: forms.ModelForm) -> services.LabelChanges:
    data = form.cleaned_data
    changes: services.LabelChanges = {}
    if "name" in form.changed_data:
        changes["name"] = data["name"]
    if "color" in form.changed_data:
        changes["color"] = data["color"]
    return changes


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
        data = form.cleaned_data
        changes: services.BoardChanges = {}
        if "title" in form.changed_data:
            changes["title"] = data["title"]
        if "description" in form.changed_data:
            changes["description"] = data["description"]
        if "archived" in form.changed_data:
            changes["archived"] = data["archived"]
        services.board_update(actor=admin_actor(request), board_id=obj.pk, **changes)

    def delete_through_service(self, request: HttpRequest, obj: Board) -> None:
        services.board_delete(actor=admin_actor(request), board_id=obj.pk)


# Memberships and invitations


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    form = MembershipForm
    list_display = ("user", "board", "role", "joined_at")
    list_select_related = ("user", "board")
    list_filter = ("role", "joined_at")
    search_fields = ("user__email", "user__name", "board__title")
    autocomplete_fields = ("board", "user")
    ordering = ("-id",)
    actions = ("transfer_ownership",)
    change_action = Action.MEMBER_MANAGE
    delete_action = Action.MEMBER_MANAGE

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user", "board")

    def get_fields(self, request: HttpRequest, obj: Membership | None = None) -> Any:
        return ("board", "user", "role") if obj is None else ("board", "user", "role", "joined_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None) -> Any:
        return () if obj is None else ("board", "user", "joined_at")

    def required_action(self, request: HttpRequest, obj: Membership, *, deleting: bool) -> Action:
        # Deleting one's own membership is leaving the board, which any member may do
        # (the service keeps the owner on it).
        if deleting and obj.user_id == request.user.pk:
            return Action.BOARD_VIEW
        return super().required_action(request, obj, deleting=deleting)

    @admin.action(permissions=["change"], description="Transfer the board to the selected member")
    def transfer_ownership(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        selected = list(queryset.select_related("board", "user")[:2])
        if len(selected) != 1:
            self.message_user(request, "Select exactly one membership to transfer to.", messages.ERROR)
            return
        membership = selected[0]
        try:
            with refused_as_refusal():
                services.board_transfer(
                    actor=admin_actor(request), board_id=membership.board_id, to_user_id=membership.user_id
                )
        except Refusal as refusal:
            self.message_user(request, f"Not transferred. {refusal}", messages.ERROR)
            return
        self.message_user(request, f"{membership.user} now owns “{membership.board}”.", messages.SUCCESS)

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> Membership:
        data = form.cleaned_data
        if not data["user"].email_verified:
            # member_add would mail an invitation instead: picking an account by its
            # address must not hand the role to whoever registered that address first.
            raise ValidationError(
                {
                    "user": [
                        "This account's email address is not verified. Add them by email on "
                        "the board's members page: they get an invitation at that address."
                    ]
                }
            )
        created = services.member_add(
            actor=admin_actor(request), board_id=data["board"].pk, email=data["user"].email, role=data["role"]
        )
        # A verified account (checked above), so it's a membership, never an invitation.
        assert isinstance(created, Membership)
        return created

    def update_through_service(self, request: HttpRequest, obj: Membership, form: forms.ModelForm) -> None:
        services.member_update_role(
            actor=admin_actor(request),
            board_id=obj.board_id,
            user_id=obj.user_id,
            role=form.cleaned_data["role"],
        )

    def delete_through_service(self, request: HttpRequest, obj: Membership) -> None:
        services.member_remove(actor=admin_actor(request), board_id=obj.board_id, user_id=obj.user_id)


class InvitationStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [("pending", "Pending"), ("accepted", "Accepted"), ("expired", "Expired")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "pending":
            return queryset.filter(accepted_at__isnull=True, expires_at__gt=now)
        if self.value() == "accepted":
            return queryset.filter(accepted_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(accepted_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(ServiceAdmin):
    """Invitations are made by adding an address without an account (API, board page);
    here they can be seen and revoked (deleted). The token's hash is never shown."""

    list_display = ("email", "board", "role", "status", "invited_by", "expires_at")
    list_select_related = ("board", "invited_by")
    list_filter = (InvitationStatusFilter, "role")
    search_fields = ("email", "board__title")
    ordering = ("-id",)
    fields = ("board", "email", "role", "status", "invited_by", "created_at", "expires_at", "accepted_at")
    readonly_fields = fields
    change_action = Action.INVITATION_REVOKE
    delete_action = Action.INVITATION_REVOKE

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return super().get_queryset(request).select_related("board", "invited_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    @admin.display(description="status")
    def status(self, invitation: Invitation) -> str:
        if invitation.accepted_at is not None:
            return "accepted"
        return "expired" if invitation.expires_at <= timezone.now() else "pending"

    def delete_through_service(self, request: HttpRequest, obj: Invitation) -> None:
        services.invitation_revoke(
            actor=admin_actor(request), board_id=obj.board_id, invitation_id=obj.pk, pending_only=False
        )


# Lists and labels


@admin.register(BoardList)
class BoardListAdmin(ServiceAdmin):
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

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> BoardList:
        data = form.cleaned_data
        return services.list_create(
            actor=admin_actor(request),
            board_id=data["board"].pk,
            title=data["title"],
            wip_limit=data["wip_limit"],
        )

    def update_through_service(self, request: HttpRequest, obj: BoardList, form: forms.ModelForm) -> None:
        services.list_update(actor=admin_actor(request), list_id=obj.pk, **list_changes(form))

    def delete_through_service(self, request: HttpRequest, obj: BoardList) -> None:
        services.list_delete(actor=admin_actor(request), list_id=obj.pk)


@admin.register(Label)
class LabelAdmin(ServiceAdmin):
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
            .annotate(task_count=count_subquery(Task.labels.through.objects.all(), "label"))
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

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> Label:
        data = form.cleaned_data
        return services.label_create(
            actor=admin_actor(request), board_id=data["board"].pk, name=data["name"], color=data["color"]
        )

    def update_through_service(self, request: HttpRequest, obj: Label, form: forms.ModelForm) -> None:
        services.label_update(actor=admin_actor(request), label_id=obj.pk, **label_changes(form))

    def delete_through_service(self, request: HttpRequest, obj: Label) -> None:
        services.label_delete(actor=admin_actor(request), label_id=obj.pk)

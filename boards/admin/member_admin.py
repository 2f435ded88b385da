"""Memberships and invitations in Django admin. boards.admin says how the admin writes."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from boards import services
from boards.admin_writes import Refusal, ServiceAdmin, admin_actor, refused_as_refusal
from boards.models import Invitation, Membership
from boards.permissions import Action

from .board_admin import MembershipForm
from .row_writes import MembershipWrites


@admin.register(Membership)
class MembershipAdmin(MembershipWrites, ServiceAdmin):
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

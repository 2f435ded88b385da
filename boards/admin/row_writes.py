"""The writes of a list, a label and a membership in the admin, one mixin each: the board's
page (its inlines) and the row's own admin page write the same way, through the services."""

from typing import Any

from django import forms
from django.http import HttpRequest

from boards import services
from boards.admin_writes import admin_actor
from boards.models import BoardList, Label, Membership


def changed_values(form: forms.ModelForm, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields of `names` the admin's form changed, with their new values: what a
    PATCH-style service changes."""
    return {name: form.cleaned_data[name] for name in names if name in form.changed_data}


class ListWrites:
    """Lists: added, renamed or limited, deleted by boards.services (member+)."""

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> BoardList:
        data = form.cleaned_data
        # The form's instance has its board: the inline's parent, or the add form's choice.
        return services.list_create(
            actor=admin_actor(request),
            board_id=form.instance.board_id,
            title=data["title"],
            wip_limit=data["wip_limit"],
        )

    def update_through_service(self, request: HttpRequest, obj: BoardList, form: forms.ModelForm) -> None:
        services.list_update(
            actor=admin_actor(request), list_id=obj.pk, **changed_values(form, ("title", "wip_limit"))
        )

    def delete_through_service(self, request: HttpRequest, obj: BoardList) -> None:
        services.list_delete(actor=admin_actor(request), list_id=obj.pk)


class LabelWrites:
    """Labels: added, renamed or recolored, deleted by boards.services (admin+)."""

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> Label:
        data = form.cleaned_data
        return services.label_create(
            actor=admin_actor(request),
            board_id=form.instance.board_id,
            name=data["name"],
            color=data["color"],
        )

    def update_through_service(self, request: HttpRequest, obj: Label, form: forms.ModelForm) -> None:
        services.label_update(
            actor=admin_actor(request), label_id=obj.pk, **changed_values(form, ("name", "color"))
        )

    def delete_through_service(self, request: HttpRequest, obj: Label) -> None:
        services.label_delete(actor=admin_actor(request), label_id=obj.pk)


class MembershipWrites:
    """Memberships: a role changed, a member removed (or leaving) by boards.services."""

    def update_through_service(self, request: HttpRequest, obj: Membership, form: forms.ModelForm) -> None:
        services.member_update_role(
            actor=admin_actor(request),
            board_id=obj.board_id,
            user_id=obj.user_id,
            role=form.cleaned_data["role"],
        )

    def delete_through_service(self, request: HttpRequest, obj: Membership) -> None:
        services.member_remove(actor=admin_actor(request), board_id=obj.board_id, user_id=obj.user_id)

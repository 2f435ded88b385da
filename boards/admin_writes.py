"""Admin edits through the services (docs/design.md rule 1: admin actions call services too).

Every add, change and delete made in the admin calls the domain service with
actor=request.user, so it records the Activity, bumps the board's version and sends the
live event like any other write, and no admin path writes a row behind the services' back.

The services apply the board's roles to that user exactly as they do for the API: the
admin is not a way around them. A staff user changes a board, or anything on it, only with
a role on it that allows the change; everywhere else the admin shows them the data
read-only (has_*_permission ask boards.permissions with the user's role, read once per
board per request), so it does not offer forms the service would refuse for the role.

A refusal that still happens (a rule only the service knows, a list at its WIP limit, a
change made meanwhile) rolls the whole admin save back. A form is then shown again with
what was posted and the refusal as its errors; a delete goes back with an error message.
Never a 500.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.options import BaseModelAdmin, InlineModelAdmin
from django.contrib.admin.utils import quote
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from accounts.models import User
from taskboard.errors import ConflictError, PreconditionFailedError

from . import permissions, selectors
from .models import Board, Role
from .permissions import Action

REFUSED_ERRORS = (
    ValidationError,
    PermissionDenied,
    ObjectDoesNotExist,
    ConflictError,
    PreconditionFailedError,
)
# Per-request state, kept on the request so that nothing outlives it.
REFUSAL_ATTRIBUTE = "_admin_refusal"
NOT_A_MEMBER_HINT = "Admin edits act with your own role on the board."


def admin_actor(request: HttpRequest) -> User:
    """The staff user making the edit: the `actor` of the services."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


# The admin's request user's roles, per board, for the length of one request (a changelist
# asks for every row's board): one query per board. Kept beside the request, not on it.
_request_roles: "WeakKeyDictionary[HttpRequest, dict[int, Role | None]]" = WeakKeyDictionary()


def _role_on(request: HttpRequest, board_id: int) -> Role | None:
    """The request user's role on the board (None: not a member), read by the one selector
    of a board with its caller's role and told by permissions.role_of."""
    roles = _request_roles.setdefault(request, {})
    if board_id not in roles:
        try:
            board = selectors.board_get_for_user(user=admin_actor(request), board_id=board_id)
        except Board.DoesNotExist:
            roles[board_id] = None
        else:
            roles[board_id] = permissions.role_of(board)
    return roles[board_id]


def role_allows(request: HttpRequest, board_id: int, action: Action) -> bool:
    return permissions.can(_role_on(request, board_id), action)


class Refusal(Exception):
    """A service refused an admin edit; `subject` names the inline row it came from."""

    def __init__(self, error: Exception, *, subject: str = "") -> None:
        self.error = error
        self.subject = subject
        super().__init__(self.describe())

    def field_errors(self) -> dict[str, list[str]]:
        if isinstance(self.error, ValidationError) and hasattr(self.error, "error_dict"):
            return self.error.message_dict
        return {}

    def describe(self) -> str:
        if isinstance(self.error, ValidationError):
            fields = self.field_errors()
            text = (
                "; ".join(
                    " ".join(messages) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(messages)}"
                    for field, messages in fields.items()
                )
                if fields
                else " ".join(self.error.messages)
            )
        elif isinstance(self.error, ObjectDoesNotExist):
            text = f"{self.error} {NOT_A_MEMBER_HINT}"
        else:
            text = str(self.error) or "The change was refused."
        return f"{self.subject}: {text}" if self.subject else text

    def add_to(self, form: forms.BaseForm, field_names: Mapping[str, str]) -> None:
        """Show the refusal on `form`: field errors on their fields where the form has
        them (`field_names` maps the services' names, like list_id, to the form's)."""
        fields = {} if self.subject else self.field_errors()
        if not fields:
            form.add_error(None, self.describe())
            return
        for field, field_messages in fields.items():
            name = field_names.get(field, field)
            if name in form.fields:
                form.add_error(name, field_messages)
            else:
                form.add_error(None, [f"{field}: {message}" for message in field_messages])


@contextmanager
def refused_as_refusal(subject: str = "") -> Iterator[None]:
    try:
        yield
    except REFUSED_ERRORS as error:
        raise Refusal(error, subject=subject) from error


def describe_object(obj: models.Model) -> str:
    return f"{capfirst(obj._meta.verbose_name)} “{obj}”"


def adopt(obj: models.Model, created: models.Model) -> None:
    """Make the admin's unsaved instance the row the service created, so that Django's
    log entry, message and redirect after an add point at it."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(created, field.attname))
    obj._state.adding = False
    obj._state.db = created._state.db


class ServiceWrites(BaseModelAdmin):
    """What ServiceAdmin and ServiceInline share: the hooks that write through the services
    (subclasses implement them), and has_change_permission and has_delete_permission:
    Django's model permission, and the role the user has on the board of the object (of the
    inline's parent), role_allows()."""

    def create_through_service(self, request: HttpRequest, form: forms.ModelForm) -> models.Model:
        raise NotImplementedError

    def update_through_service(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> None:
        raise NotImplementedError

    def delete_through_service(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def role_allows(self, request: HttpRequest, obj: Any, *, deleting: bool) -> bool:
        raise NotImplementedError

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self.role_allows(request, obj, deleting=False)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self.role_allows(request, obj, deleting=True)


class ServiceForm(forms.ModelForm):
    """The admin's form. After a refusal the view runs once more with the refusal set on
    the form class: the form is then invalid, so that pass shows it and saves nothing."""

    refusal: ClassVar[Refusal | None] = None
    service_field_names: ClassVar[Mapping[str, str]] = {}

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.refusal is not None:
            self.refusal.add_to(self, self.service_field_names)
        return cleaned


@admin.action(permissions=["delete"], description="Delete selected %(verbose_name_plural)s")
def delete_selected_through_services(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    """Django's delete_selected (with its confirmation page), all or nothing: each row is
    deleted by its service, and one refusal undoes the whole batch and its log entries."""
    try:
        with transaction.atomic():
            return delete_selected(modeladmin, request, queryset)
    except Refusal as refusal:
        modeladmin.message_user(request, f"Nothing was deleted. {refusal}", messages.ERROR)
        return None


class ServiceAdmin(ServiceWrites, admin.ModelAdmin):
    """A ModelAdmin whose writes are the services' (subclasses implement the three
    *_through_service hooks and say which Action a change and a delete need)."""

    form = ServiceForm
    change_action: ClassVar[Action]
    delete_action: ClassVar[Action]
    # The services' field names (in their ValidationErrors) → the admin form's.
    service_field_names: ClassVar[Mapping[str, str]] = {}

    def board_id_of(self, obj: Any) -> int:
        return int(obj.board_id)

    def cascade_counts(self, pks: Sequence[Any]) -> dict[str, int]:
        """{verbose name plural: count} of the rows that deleting `pks` deletes with them."""
        return {}

    def required_action(self, request: HttpRequest, obj: Any, *, deleting: bool) -> Action:
        """What changing (or deleting) `obj` needs on its board."""
        return self.delete_action if deleting else self.change_action

    # Permissions: Django's model permissions, and the user's role on the object's board.

    def role_allows(self, request: HttpRequest, obj: Any, *, deleting: bool) -> bool:
        return obj is None or role_allows(
            request, self.board_id_of(obj), self.required_action(request, obj, deleting=deleting)
        )

    # Writes

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, REFUSAL_ATTRIBUTE, None)
        # get_form() makes a new class on every call, so this stays within the request.
        if refusal is not None and issubclass(form_class, ServiceForm):
            form_class.refusal = refusal
            form_class.service_field_names = self.service_field_names
        return form_class

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with refused_as_refusal():
            if change:
                self.update_through_service(request, obj, form)
            else:
                adopt(obj, self.create_through_service(request, form))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # No form.save_m2m(): the services set many-to-many fields.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        inline = getattr(formset, "service_inline", None)
        if not isinstance(inline, ServiceInline):
            raise TypeError(f"{type(formset).__name__} does not come from a ServiceInline")
        inline.save_through_services(request, formset)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with refused_as_refusal(describe_object(obj)):
            self.delete_through_service(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = dict(super().get_actions(request))
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions[name] = (delete_selected_through_services, name, description)
        return actions

    # Views: a refusal never escapes as a 500.

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refusal as refusal:
            # The failed save was one transaction (Django's), rolled back as a whole. This
            # second pass shows the posted form with the refusal as its errors.
            setattr(request, REFUSAL_ATTRIBUTE, refusal)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)
        except Refusal as refusal:
            self.message_user(request, f"Not deleted. {refusal}", messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )

    def get_deleted_objects(self, objs: Iterable[Any], request: HttpRequest) -> Any:
        # Django's version lists every row a delete cascades to and asks each one's admin
        # for permission: read-only Activity would forbid deleting any board, and a board
        # of 5,000 tasks would list them all. The service decides what goes; the page
        # shows the selected rows and counts of the rest, in a fixed number of queries.
        selected = list(objs)
        opts = self.model._meta
        lines = [
            format_html(
                '{}: <a href="{}">{}</a>',
                capfirst(opts.verbose_name),
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)]),
                str(obj),
            )
            for obj in selected
        ]
        counts = {str(opts.verbose_name_plural): len(selected)}
        cascaded = self.cascade_counts([obj.pk for obj in selected])
        counts.update({name: count for name, count in cascaded.items() if count})
        refused = any(not self.has_delete_permission(request, obj) for obj in selected)
        perms_needed = {str(opts.verbose_name)} if refused else set()
        return lines, counts, perms_needed, []


class ServiceInline(ServiceWrites, InlineModelAdmin):
    """An inline whose rows are added, changed and deleted by the services. Permissions
    come from the user's role on the parent's board (`add_action` etc.)."""

    form = ServiceForm
    add_action: ClassVar[Action]
    change_action: ClassVar[Action]
    delete_action: ClassVar[Action]

    def parent_board_id(self, parent: Any) -> int:
        """The board of the parent object (inlines of a Board override this)."""
        return int(parent.board_id)

    def _allows(self, request: HttpRequest, parent: Any, action: Action) -> bool:
        return parent is not None and role_allows(request, self.parent_board_id(parent), action)

    def role_allows(self, request: HttpRequest, obj: Any, *, deleting: bool) -> bool:
        return self._allows(request, obj, self.delete_action if deleting else self.change_action)

    # Django passes inlines the parent `obj`; BaseModelAdmin's signature has none, hence
    # the default and InlineModelAdmin named.
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return InlineModelAdmin.has_add_permission(self, request, obj) and self._allows(
            request, obj, self.add_action
        )

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # The formset class is made on every call: ServiceAdmin.save_formset finds us here.
        setattr(formset, "service_inline", self)  # noqa: B010
        return formset

    def save_through_services(self, request: HttpRequest, formset: BaseInlineFormSet) -> None:
        # commit=False only sorts the forms into new, changed and deleted objects (which
        # Django's change message reads); the services write them.
        formset.save(commit=False)
        forms_by_object = {id(form.instance): form for form in formset.forms}
        for obj in formset.deleted_objects:
            with refused_as_refusal(describe_object(obj)):
                self.delete_through_service(request, obj)
        for obj, _ in formset.changed_objects:
            with refused_as_refusal(describe_object(obj)):
                self.update_through_service(request, obj, forms_by_object[id(obj)])
        for obj in formset.new_objects:
            with refused_as_refusal(describe_object(obj)):
                adopt(obj, self.create_through_service(request, forms_by_object[id(obj)]))


class ServiceTabularInline(ServiceInline):
    template = "admin/edit_inline/tabular.html"


class ServiceStackedInline(ServiceInline):
    template = "admin/edit_inline/stacked.html"

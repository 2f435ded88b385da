"""Forms of the board pages. They check the shape of the input; the services (the same
ones the API calls) decide, and their errors are put next to the matching field."""

from typing import Any, ClassVar

from django import forms

from accounts.forms import ServiceErrorsMixin
from boards.models import BoardList, Role

ASSIGNABLE_ROLE_CHOICES = [
    (Role.ADMIN.value, "Admin: manages members, labels and the board"),
    (Role.MEMBER.value, "Member: adds, edits and moves cards"),
    (Role.VIEWER.value, "Viewer: sees everything, changes nothing"),
]
SHORT_ROLE_CHOICES = [
    (Role.ADMIN.value, "Admin"),
    (Role.MEMBER.value, "Member"),
    (Role.VIEWER.value, "Viewer"),
]


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """The form's own copy of its choice field `name` (to set its choices per instance)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class BoardForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="Description", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class BoardSettingsForm(BoardForm):
    """The board's details on its settings page, with who may comment."""

    viewers_can_comment = forms.BooleanField(
        label="Viewers may comment on cards",
        required=False,
        help_text="Viewers can still change nothing else; they may edit and delete their own comments.",
    )


class ListForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label="List title", max_length=200)
    wip_limit = forms.IntegerField(
        label="WIP limit",
        required=False,
        min_value=1,
        help_text="The most cards this list may hold; empty for no limit.",
    )


class ListMoveForm(ServiceErrorsMixin, forms.Form):
    """ "Move list…": the keyboard alternative to dragging a list by its handle. The place
    is one of the board's positions, 1 for the leftmost."""

    service_field_names: ClassVar[dict[str, str]] = {"index": "position"}

    position = forms.TypedChoiceField(label="Position", coerce=int)

    def __init__(self, *args: Any, lists: list[BoardList], current: BoardList, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        count = len(lists)
        choices = []
        for number, board_list in enumerate(lists, start=1):
            if board_list.pk == current.pk:
                where = "current position"
            elif number == 1:
                where = "first"
            elif number == count:
                where = "last"
            else:
                where = f"where “{board_list.title}” is"
            choices.append((number, f"{number} of {count} ({where})"))
        _choice_field(self, "position").choices = choices


class LabelForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=50)
    color = forms.CharField(
        label="Color", max_length=7, initial="#3461d1", widget=forms.TextInput(attrs={"type": "color"})
    )


class InviteForm(ServiceErrorsMixin, forms.Form):
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label="Role", choices=ASSIGNABLE_ROLE_CHOICES, initial=Role.MEMBER.value)


class RoleForm(ServiceErrorsMixin, forms.Form):
    role = forms.ChoiceField(label="Role", choices=SHORT_ROLE_CHOICES)


class TransferForm(ServiceErrorsMixin, forms.Form):
    user_id = forms.TypedChoiceField(label="New owner", coerce=int)

    def __init__(self, *args: Any, members: list[dict[str, Any]], owner_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, str]] = [("", "Choose a member")]
        choices += [
            (m["user"]["id"], f"{m['user']['name'] or m['user']['email']} ({m['user']['email']})")
            for m in members
            if m["user"]["id"] != owner_id
        ]
        _choice_field(self, "user_id").choices = choices


class ConfirmTitleForm(forms.Form):
    """Deleting a board: typing its title is the confirmation."""

    confirm_title = forms.CharField(label="Type the board's title to confirm", max_length=200)

    def __init__(self, *args: Any, board_title: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.board_title = board_title

    def clean_confirm_title(self) -> str:
        value: str = self.cleaned_data["confirm_title"]
        if value.strip() != self.board_title.strip():
            raise forms.ValidationError("That is not the title of this board.", code="mismatch")
        return value

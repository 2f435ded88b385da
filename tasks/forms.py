"""Forms of the task pages. They check the shape of the input; the services decide, and
their errors are put next to the matching field."""

from typing import Any, ClassVar

from django import forms
from django.utils import timezone

from accounts.forms import ServiceErrorsMixin
from boards.models import BoardList, Label
from tasks.models import Priority, Task

PRIORITY_CHOICES = [(member.label, str(member.label).capitalize()) for member in Priority]
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """The form's choice field `name`, whose choices the form sets when it is made."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def member_choices(members: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(m["user"]["id"], m["user"]["name"] or m["user"]["email"]) for m in members]


class TaskForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="Description",
        required=False,
        strip=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6, "data-mentions": ""}),
        help_text="Markdown: **bold**, _italic_, `code`, lists, links; @ mentions a member.",
    )
    priority = forms.ChoiceField(label="Priority", choices=PRIORITY_CHOICES)
    # The browser's date and time picker; the value is in the user's time zone.
    due_at = forms.DateTimeField(
        label="Due",
        required=False,
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
    )
    assignee_ids = forms.TypedMultipleChoiceField(
        label="Assignees", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    label_ids = forms.TypedMultipleChoiceField(
        label="Labels", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    # The version the user started editing: a change by someone else meanwhile is not
    # silently overwritten (the API's If-Match).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, members: list[dict[str, Any]], labels: list[Label], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "assignee_ids").choices = member_choices(members)
        choice_field(self, "label_ids").choices = [(label.pk, label.name) for label in labels]
        # The page renders in the user's zone (taskboard.pages.page): say which.
        self.fields["due_at"].label = f"Due ({timezone.get_current_timezone_name()})"

    @staticmethod
    def initial_for(task: Task) -> dict[str, Any]:
        return {
            "title": task.title,
            "description": task.description,
            "priority": task.priority_name,
            "due_at": task.due_at,
            "assignee_ids": [user.pk for user in task.assignees.all()],
            "label_ids": [label.pk for label in task.labels.all()],
            "version": task.version,
        }


class IdsField(forms.Field):
    """Ids as "3,5,8" in one hidden input (a list that may be empty, unlike checkboxes)."""

    MAX_LENGTH = 1000

    def to_python(self, value: Any) -> list[int]:
        # As a CharField reads its text: surrounding whitespace dropped.
        text = "" if value in self.empty_values else str(value).strip()
        if len(text) > self.MAX_LENGTH:
            raise forms.ValidationError(f"Ensure this value has at most {self.MAX_LENGTH} characters.")
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in parts):
            raise forms.ValidationError("Enter ids separated by commas.")
        return [int(part) for part in parts]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ",".join(str(item) for item in value)
        return value


def hidden(**kwargs: Any) -> dict[str, Any]:
    return {"required": False, "widget": forms.HiddenInput, **kwargs}


class TaskBaseForm(forms.Form):
    """The card's fields as the dialog was opened with them (hidden, prefix "base"): the
    save is merged by field against them (tasks.field_merge), so a field this person left
    alone never overwrites a change someone else made meanwhile."""

    FIELDS = ("title", "description", "priority", "due_at", "assignee_ids", "label_ids")

    title = forms.CharField(**hidden(max_length=200, strip=False))
    description = forms.CharField(**hidden(max_length=20000, strip=False))
    priority = forms.ChoiceField(choices=PRIORITY_CHOICES, **hidden())
    due_at = forms.DateTimeField(
        required=False,
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "hidden"}, format=DATETIME_LOCAL_FORMAT),
    )
    assignee_ids = IdsField(**hidden())
    label_ids = IdsField(**hidden())
    prefix = "base"

    @staticmethod
    def sent(data: Any) -> bool:
        """Whether a save carries base values (the dialog does; an older page may not)."""
        return "base-title" in data


class NewTaskForm(ServiceErrorsMixin, forms.Form):
    """Adding a card at the bottom of a list."""

    list_id = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(
        label="Card title",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "Add a card…", "autocomplete": "off"}),
    )


class CommentForm(ServiceErrorsMixin, forms.Form):
    body = forms.CharField(
        label="Comment",
        strip=False,
        max_length=10000,
        # static/js/mentions.js: "@" offers the board's members; Ctrl/Cmd+Enter posts.
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": "Write a comment… (Markdown; @ mentions a member)",
                "data-mentions": "",
                "data-submit-shortcut": "",
            }
        ),
    )


class MoveForm(ServiceErrorsMixin, forms.Form):
    """The keyboard alternative to dragging: a list and a place in it."""

    service_field_names: ClassVar[dict[str, str]] = {"index": "position"}

    list_id = forms.TypedChoiceField(label="List", coerce=int)
    position = forms.IntegerField(
        label="Position",
        min_value=1,
        required=False,
        help_text="1 is the top; leave empty for the bottom.",
    )

    def __init__(self, *args: Any, lists: list[BoardList], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "list_id").choices = [(board_list.pk, board_list.title) for board_list in lists]

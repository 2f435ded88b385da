"""Forms of the account pages. They check the shape of the input; the services (the same
ones the API calls) decide, and their errors are shown next to the matching field."""

from typing import Any, ClassVar

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.login_limiter import LoginThrottled
from taskboard.client_address import client_address

from . import services
from .models import Digest, User, available_timezones, normalize_email, timezone_choices
from .notification_preferences import NotificationPreferences, QuietHours, clock_time_text


class ServiceErrorsMixin:
    """Puts a service's ValidationError on the form: each message next to its field."""

    # Service error keys that the form calls differently.
    service_field_names: ClassVar[dict[str, str]] = {}

    def add_service_errors(self, exc: ValidationError) -> None:
        assert isinstance(self, forms.Form)
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.error_dict.items():
            field = self.service_field_names.get(name, name)
            self.add_error(field if field in self.fields else None, errors)


def _throttled_error(exc: LoginThrottled) -> ValidationError:
    minutes = max(1, -(-exc.retry_after // 60))
    return ValidationError(
        "Too many failed logins. Try again in %(minutes)s minute(s).",
        code="throttled",
        params={"minutes": minutes},
    )


def _authenticate_limited(
    form: "LoginForm | AdminLoginForm", *, email: str, password: str, entry: str
) -> User:
    """user_authenticate for a login form: a refusal of the limiter becomes the form's error
    and its `retry_after` (the view answers 429); InvalidCredentials is the form's to word."""
    assert form.request is not None
    try:
        return services.user_authenticate(
            email=email, password=password, client_address=client_address(form.request), entry=entry
        )
    except LoginThrottled as exc:
        form.retry_after = exc.retry_after
        raise _throttled_error(exc) from exc


class LoginForm(forms.Form):
    """Django's LoginView form contract (request in, get_user() out), through the limiter."""

    email = forms.CharField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user_cache: User | None = None
        self.retry_after: int | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email, password = cleaned.get("email"), cleaned.get("password")
        if email and password:
            try:
                self.user_cache = _authenticate_limited(
                    self, email=email, password=password, entry="page_login"
                )
            except services.InvalidCredentials as exc:
                raise ValidationError(
                    "That email and password don't match an active account.", code="invalid_login"
                ) from exc
        return cleaned

    def get_user(self) -> User | None:
        return self.user_cache


def _new_password_field(label: str, *, autofocus: bool = False) -> forms.CharField:
    attrs = {"autocomplete": "new-password", **({"autofocus": True} if autofocus else {})}
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs=attrs),
        help_text=password_validation.password_validators_help_text_html(),
    )


def _confirm_password_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


def _confirmed_password(form: forms.Form, first: str, second: str) -> str:
    """The clean_<second> of a password typed twice: both must be the same."""
    password1 = form.cleaned_data.get(first)
    password2 = form.cleaned_data.get(second, "")
    if password1 and password2 and password1 != password2:
        raise ValidationError("The two passwords don't match.", code="password_mismatch")
    return str(password2)


class RegisterForm(ServiceErrorsMixin, forms.Form):
    service_field_names: ClassVar[dict[str, str]] = {"password": "password1"}

    name = forms.CharField(
        label="Name",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = _new_password_field("Password")
    password2 = _confirm_password_field("Confirm password")
    # The browser's zone, filled in by static/js/browser_timezone.js; without script, or with a
    # zone this server doesn't know, UTC (changeable on the account page).
    # No max_length: an over-long value is not refused, it is simply not a known zone.
    timezone = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_password2(self) -> str:
        return _confirmed_password(self, "password1", "password2")

    def clean_timezone(self) -> str:
        zone = str(self.cleaned_data.get("timezone") or "")
        return zone if zone in available_timezones() else "UTC"


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class SetPasswordForm(ServiceErrorsMixin, forms.Form):
    """Django's PasswordResetConfirmView hands it `user`; the service validates the password."""

    service_field_names: ClassVar[dict[str, str]] = {"new_password": "new_password1"}

    new_password1 = _new_password_field("New password", autofocus=True)
    new_password2 = _confirm_password_field("Confirm new password")

    def __init__(self, user: User | None = None, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password2(self) -> str:
        return _confirmed_password(self, "new_password1", "new_password2")


class ProfileForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label="Name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    timezone = forms.ChoiceField(
        label="Time zone", choices=timezone_choices, help_text="Due dates are shown in this time zone."
    )
    email_notifications = forms.BooleanField(
        label="Notification emails",
        required=False,
        # All kinds at once (accounts.services.user_update); each kind, the reminders and
        # quiet hours are on the "Email & reminders" page.
        help_text="All kinds at once; each kind is chosen on the Email and reminders page.",
    )


def _clock_time_field(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Give a time as HH:MM, from 00:00 to 23:59."},
    )


class NotificationSettingsForm(ServiceErrorsMixin, forms.Form):
    """users/me/notifications/ as a page: the same service decides."""

    # Both ends of the quiet hours are the service's "quiet_hours": its errors go by the end.
    service_field_names: ClassVar[dict[str, str]] = {"quiet_hours": "quiet_hours_end"}

    # Mention and assignment mail is batched (activity/notification_mail.py): the page says
    # so, or a second mention that doesn't bring a second mail looks lost.
    email_mentions = forms.BooleanField(
        label="When someone mentions me",
        required=False,
        help_text="Mentions within 2 minutes of each other come as one mail.",
    )
    email_assignments = forms.BooleanField(
        label="When I'm assigned to a card",
        required=False,
        help_text="Assignments within 2 minutes of each other come as one mail.",
    )
    email_due = forms.BooleanField(label="Before a card of mine is due", required=False)
    reminder_offsets_minutes = forms.CharField(
        label="Reminders, in minutes before the due time",
        required=False,
        help_text="Up to 6, separated by commas, each from 5 to 20160 (14 days): 1440 is a day, 60 an hour. "
        "Empty: no reminders.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    digest = forms.ChoiceField(
        label="Daily digest",
        choices=[
            (Digest.OFF.value, "Off"),
            (Digest.DAILY.value, "Every morning at 08:00: overdue and due today"),
        ],
        # reminders/digests.py: nothing is sent on a morning with nothing to list.
        help_text="One mail at 08:00 in your time zone listing your cards that are overdue or due that day; "
        "none on a day with nothing to list.",
    )
    quiet_hours_on = forms.BooleanField(
        label="Quiet hours: hold mail until they end",
        required=False,
        help_text="Reminders, mention and assignment mail and the digest that fall inside them are sent "
        "when they end; notifications in the app arrive at once.",
    )
    quiet_hours_start = _clock_time_field("Quiet from")
    quiet_hours_end = _clock_time_field("Quiet until")

    @staticmethod
    def initial_from(preferences: NotificationPreferences) -> dict[str, Any]:
        quiet = preferences.quiet_hours
        return {
            "email_mentions": preferences.email_mentions,
            "email_assignments": preferences.email_assignments,
            "email_due": preferences.email_due,
            "reminder_offsets_minutes": ", ".join(str(m) for m in preferences.reminder_offsets_minutes),
            "digest": preferences.digest,
            "quiet_hours_on": quiet is not None,
            "quiet_hours_start": clock_time_text(quiet.start) if quiet else "22:00",
            "quiet_hours_end": clock_time_text(quiet.end) if quiet else "07:00",
        }

    def clean_reminder_offsets_minutes(self) -> list[int]:
        parts = [part.strip() for part in self.cleaned_data["reminder_offsets_minutes"].split(",")]
        parts = [part for part in parts if part]
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise ValidationError("Give whole numbers of minutes, separated by commas.", code="invalid")
        return [int(part) for part in parts]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("quiet_hours_on"):
            for name in ("quiet_hours_start", "quiet_hours_end"):
                if name in data and data[name] is None:
                    self.add_error(name, "Give a time, or turn quiet hours off.")
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        quiet = None
        if data["quiet_hours_on"]:
            quiet = QuietHours(start=data["quiet_hours_start"], end=data["quiet_hours_end"])
        return {
            "email_mentions": data["email_mentions"],
            "email_assignments": data["email_assignments"],
            "email_due": data["email_due"],
            "reminder_offsets_minutes": data["reminder_offsets_minutes"],
            "digest": data["digest"],
            "quiet_hours": quiet,
        }


class PasswordChangeForm(ServiceErrorsMixin, forms.Form):
    service_field_names: ClassVar[dict[str, str]] = {"new_password": "new_password1"}

    current_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = _new_password_field("New password")
    new_password2 = _confirm_password_field("Confirm new password")

    def clean_new_password2(self) -> str:
        return _confirmed_password(self, "new_password1", "new_password2")


# --- admin ----------------------------------------------------------------------------


class _EmailFormMixin:
    instance: User

    def clean_email(self) -> str:
        assert isinstance(self, forms.ModelForm)
        email = normalize_email(self.cleaned_data["email"])
        taken = User.objects.filter(email=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError("An account with this email address already exists.", code="unique")
        return email


class AdminUserAddForm(_EmailFormMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")
        field_classes: ClassVar[dict[str, type]] = {}


class AdminUserChangeForm(_EmailFormMixin, DjangoUserChangeForm):
    timezone = forms.ChoiceField(choices=timezone_choices)

    class Meta:
        model = User
        fields = "__all__"
        field_classes: ClassVar[dict[str, type]] = {}


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login through the same limiter as the API and the login page: a locked
    account or address is refused before its password is checked (accounts/admin.py
    answers that with 429). Only staff get in; a non-staff account with the right password
    is refused without counting a failure."""

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        self.retry_after: int | None = None
        super().__init__(request, *args, **kwargs)

    def clean(self) -> dict[str, Any]:
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if email is not None and password:
            try:
                self.user_cache = _authenticate_limited(
                    self, email=email, password=password, entry="admin_login"
                )
            except services.InvalidCredentials as exc:
                raise self.get_invalid_login_error() from exc
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

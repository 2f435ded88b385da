from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from taskboard.db.ids import MAX_ID

from . import services
from .forms import AdminLoginForm, AdminUserAddForm, AdminUserChangeForm
from .models import NotificationSettings, User

# A longer string of digits is past any id (and int() refuses thousands of digits).
MAX_ID_DIGITS = len(str(MAX_ID))

# The admin's login goes through the failed-login limiter like every other way in.
admin.site.login_form = AdminLoginForm


def admin_login(request: HttpRequest) -> HttpResponse:
    """/admin/login/ (taskboard/urls.py puts it before the admin's own): the admin's login
    view, answering a locked account or address with 429 and Retry-After, as the login
    page does."""
    response = admin.site.login(request)
    form = (getattr(response, "context_data", None) or {}).get("form")
    if isinstance(form, AdminLoginForm) and form.retry_after is not None:
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response


class EmailNotificationsFilter(admin.SimpleListFilter):
    """The filter on `email_notifications` as when it was a column (issue 15 derived it
    from the three kinds of mail): any notification mail on, or all off."""

    title = "email notifications"
    parameter_name = "email_notifications"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("1", "Yes"), ("0", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        all_off = Q(email_mentions=False, email_assignments=False, email_due=False)
        if self.value() == "1":
            return queryset.exclude(all_off)
        if self.value() == "0":
            return queryset.filter(all_off)
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin with email as the login and our profile fields."""

    form = AdminUserChangeForm
    add_form = AdminUserAddForm
    list_display = ("email", "name", "email_verified", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = (
        "is_active",
        "email_verified",
        "is_staff",
        "is_superuser",
        EmailNotificationsFilter,
        "groups",
    )
    search_fields = ("email", "name")
    ordering = ("email",)
    # Shown, not edited: the user chooses their own mail (the account page, the API).
    readonly_fields = ("last_login", "date_joined", "email_notifications")
    filter_horizontal = ("groups", "user_permissions")
    fieldsets = (
        # email_verified: a staff user who checked the address by other means may tick it.
        (None, {"fields": ("email", "email_verified", "password")}),
        ("Profile", {"fields": ("name", "timezone", "email_notifications")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "usable_password", "password1", "password2"),
            },
        ),
    )

    # Deactivating and deleting go through the services, which also revoke the account's
    # refresh tokens and close its live sockets.

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        with transaction.atomic():
            if deactivating:
                obj.is_active = True  # the service makes the change (and its side effects)
            super().save_model(request, obj, form, change)
            if deactivating:
                services.user_deactivate(user=obj)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.user_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        with transaction.atomic():
            for user in queryset:
                services.user_delete(user=user)


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    """Shown, not edited: the user chooses their own mail (the account page, the API), and
    the service that writes it checks the values."""

    list_display = ("user", "reminder_offsets_minutes", "digest", "quiet_hours_start", "quiet_hours_end")
    list_filter = ("digest",)
    search_fields = ("user__email",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> NotificationSettings | None:
        # The primary key is the user's one-to-one key, which Django's out-of-range integer
        # lookups don't cover: SQLite (the embedded default) can't bind a number past bigint
        # and raised OverflowError, a 500 (tests/test_no_5xx.py). No row has such an id.
        if (
            object_id.isascii()
            and object_id.isdigit()
            and (len(object_id) > MAX_ID_DIGITS or int(object_id) > MAX_ID)
        ):
            return None
        return super().get_object(request, object_id, from_field)

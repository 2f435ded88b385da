from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .forms import AdminUserAddForm, AdminUserChangeForm
from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin with email as the login and our profile fields."""

    form = AdminUserChangeForm
    add_form = AdminUserAddForm
    list_display = ("email", "name", "email_verified", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "email_verified", "is_staff", "is_superuser", "email_notifications", "groups")
    search_fields = ("email", "name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
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

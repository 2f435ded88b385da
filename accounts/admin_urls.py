"""/admin/login/, mounted before the admin's own: the admin's login through the login limiter."""

from django.urls import path

from .admin import admin_login

urlpatterns = [path("", admin_login)]

from django.contrib import admin
from django.urls import include, path, re_path

from accounts.admin import admin_login
from taskboard.api.errors import api_not_found
from taskboard.ops.views import healthz
from taskboard.views import home

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(("taskboard.api.urls", "api"), namespace="api")),
    re_path(r"^api/", api_not_found),
    path("admin/login/", admin_login),  # the admin's login, through the login limiter
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", home, name="home"),
    path("", include("boards.urls")),
    path("", include("tasks.urls")),
    path("", include("activity.urls")),
]

handler400 = "taskboard.views.bad_request"
handler403 = "taskboard.views.permission_denied"
handler404 = "taskboard.views.page_not_found"
handler500 = "taskboard.views.server_error"

"""The root URLconf. It names the apps' URL modules as strings: the project package imports
no app (.importlinter).
"""

from django.contrib import admin
from django.urls import include, path, re_path

from taskboard.api.errors import api_not_found
from taskboard.metrics.views import metrics
from taskboard.ops.views import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("api/v1/", include(("taskboard.api.urls", "api"), namespace="api")),
    re_path(r"^api/", api_not_found),
    path("admin/login/", include("accounts.admin_urls")),  # through the login limiter
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("tasks.dashboard_urls")),
    path("", include("boards.urls")),
    path("", include("tasks.urls")),
    path("", include("activity.urls")),
    path("", include("live.urls")),
]

handler400 = "taskboard.views.bad_request"
handler403 = "taskboard.views.permission_denied"
handler404 = "taskboard.views.page_not_found"
handler500 = "taskboard.views.server_error"

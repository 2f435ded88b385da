"""/api/v1/: every app's API urls, the schema, and the envelope for unknown paths."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("boards.api.urls")),
    path("", include("tasks.api.urls")),
    path("", include("activity.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("admin/pools/", include("taskboard.db.urls")),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]

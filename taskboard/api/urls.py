"""/api/v1/: every app's API urls, the schema, and the envelope for unknown paths."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# The busiest paths first: Django tries the patterns in order, and every include that
# doesn't match costs (about a tenth of a warm board read when accounts came first).
# Documents: OPTIONS would describe them with their own (HTML, YAML) renderer, which has
# nothing to render it with; they answer GET and HEAD, anything else a 405.
DOCUMENT_METHODS = ["get", "head"]

urlpatterns = [
    path("", include("tasks.api.urls")),
    path("", include("boards.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("activity.api.urls")),
    path("schema/", SpectacularAPIView.as_view(http_method_names=DOCUMENT_METHODS), name="schema"),
    path("admin/pools/", include("taskboard.db.urls")),
    # The split view serves its init script as a file, and our template its CSS: no inline
    # script or style under the Content-Security-Policy.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html", http_method_names=DOCUMENT_METHODS
        ),
        name="docs",
    ),
]

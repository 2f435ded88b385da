"""bench/api.py --served-instructions only (bench/api_marker_settings.py): production's URLs
and, after all of them, the marker that ends a counted part of a served run
(bench/api_served_instructions.py)."""

import gc
import os

from django.http import HttpRequest, HttpResponse
from django.urls import path

from taskboard.urls import handler400, handler403, handler404, handler500
from taskboard.urls import urlpatterns as production

MARKER_PATH = "bench-callgrind-marker/"


def marker(request: HttpRequest) -> HttpResponse:
    # ?warm: no dump. The first request to this URL creates its own label sets in the metrics'
    # files; made once before the parts, so that no part pays for it.
    if request.META.get("QUERY_STRING") != "warm":
        # As bench/api_instructions.py between its parts: a full collection, so that each
        # part starts from the same state whatever the collector's counters were, then the
        # call that callgrind's --dump-before=getsid turns into a dump (nothing else in a
        # worker calls it).
        gc.collect()
        os.getsid(0)
    return HttpResponse(status=204)


urlpatterns = [*production, path(MARKER_PATH, marker)]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

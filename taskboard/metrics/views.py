"""GET /metrics: the Prometheus text of this server's processes (docs/api.md).

Not public: it answers a request carrying `Authorization: Bearer <METRICS_TOKEN>`, or one
from an address in METRICS_ALLOWED_IPS, and 404, like an unknown path, to anyone else
(taskboard.metrics.access, the rule the worker's and beat's exporters apply too); nginx
answers /metrics with 404 itself (deploy/nginx/).
"""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .access import metrics_allowed
from .collectors import registry
from .database import pool_sampler


def metrics(request: HttpRequest) -> HttpResponse:
    # The access check before anything else: to others the path does not exist.
    if not metrics_allowed(request):
        raise Http404()
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    # This process's pools, fresh (the others' are at most a second old).
    pool_sampler.sample()
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)

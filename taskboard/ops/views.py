"""Operational endpoints."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from taskboard.ops.readiness import get_readiness


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process serves. Touches no database, cache or broker."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 while the primary, the cache and the broker answer (a replica down
    or behind is reported, still 200), else 503 (taskboard/ops/readiness.py)."""
    status, body = get_readiness().answer()
    return JsonResponse(body, status=status)

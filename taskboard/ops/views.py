"""Operational endpoints."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process serves. Touches no database, cache or broker."""
    return JsonResponse({"status": "ok"})

"""django-csp's middleware, plus the board socket's origin in connect-src.

static/js/live.js opens its WebSocket on the page's own host (ws:// on http, wss:// on
https). CSP3 browsers count that as 'self'; CSP2 ones (older Safari and Firefox) compare
schemes strictly and would refuse it. The origin is taken from the request itself, after
Django has checked the Host against ALLOWED_HOSTS, so it names exactly the socket the page
opens, on any deployment, with no setting to keep in step.
"""

from typing import Any

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.http.response import HttpResponseBase


def socket_origin(request: HttpRequest) -> str | None:
    try:
        host = request.get_host()
    except DisallowedHost:
        # The 400 for a foreign Host still gets the policy, without a socket origin.
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origin = socket_origin(request)
        if origin is not None:
            update: dict[str, Any] = dict(parts.update or {})
            update["connect-src"] = [*update.get("connect-src", ()), origin]
            parts.update = update
        return parts

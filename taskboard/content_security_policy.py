"""django-csp's middleware, plus the board socket's origin in connect-src, and cheap.

static/js/live.js opens its WebSocket on the page's own host (ws:// on http, wss:// on
https). CSP3 browsers count that as 'self'; those following CSP2's stricter scheme rule
would refuse it. The origin is taken from the request itself, after Django has checked the
Host against ALLOWED_HOSTS, so it names exactly the socket the page opens, on any
deployment, with no setting to keep in step.

django-csp builds the header from the settings on every response, twice (the policy and
the report-only one), through dataclasses.asdict: about a tenth of a millisecond, a
measurable share of a cached API read. No view of ours changes the policy, so the header
is built once per socket origin and reused; a response that django-csp's decorators or a
nonce touched, or a report-only policy or excluded prefixes in the settings, take
django-csp's own path.
"""

import functools
from typing import Any

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# Set by django-csp's decorators on a response that wants another policy.
PER_RESPONSE_ATTRIBUTES = frozenset(
    {
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_exempt",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt_ro",
    }
)


def socket_origin(request: HttpRequest) -> str | None:
    try:
        host = request.get_host()
    except DisallowedHost:
        # The 400 for a foreign Host still gets the policy, without a socket origin.
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


# Bounded: with a wildcard in ALLOWED_HOSTS every Host header is a new origin.
@functools.lru_cache(maxsize=64)
def policy_for(origin: str | None) -> str:
    return build_policy(update={"connect-src": [origin]} if origin else None)


@functools.cache
def settings_vary_the_policy() -> bool:
    """A report-only policy or excluded paths: django-csp's own path handles them."""
    return bool(
        getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        or getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("EXCLUDE_URL_PREFIXES")
    )


@receiver(setting_changed)
def _forget_built_policies(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        policy_for.cache_clear()
        settings_vary_the_policy.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if self._policy_varies(request, response):
            return super().process_response(request, response)
        # As django-csp: Django's technical 404 and 500 pages are all inline script and style.
        if response.status_code in (404, 500) and settings.DEBUG:
            return response
        if HEADER not in response:
            response[HEADER] = policy_for(socket_origin(request))
        # As django-csp: a nonce asked for after the header is written is an error, not a
        # nonce the header doesn't allow.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response

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

    @staticmethod
    def _policy_varies(request: HttpRequest, response: HttpResponseBase) -> bool:
        return (
            getattr(request, "_csp_nonce", None) is not None
            or not PER_RESPONSE_ATTRIBUTES.isdisjoint(vars(response))
            or settings_vary_the_policy()
        )

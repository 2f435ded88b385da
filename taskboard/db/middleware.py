"""Read-your-writes for web requests, and failover of reads from a replica that just died."""

import logging
import math
import time
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponseBase

from .replicas import get_monitor
from .routing import ReadScope, current_scope, read_scope

logger = logging.getLogger(__name__)

# Browsers send the cookie back by themselves; API clients echo the response header.
LAST_WRITE_COOKIE = "tb_last_write"
LAST_WRITE_HEADER = "X-Taskboard-Last-Write"
LAST_WRITE_META_KEY = "HTTP_" + LAST_WRITE_HEADER.upper().replace("-", "_")
# Which aliases served the reads of a response (debugging, tests).
READ_FROM_HEADER = "X-Taskboard-Read-From"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# A client's clock may run a little ahead of ours; further ahead is a bogus value.
CLOCK_SKEW_SECONDS = 1.0


def wrote_recently(request: HttpRequest, *, now: float) -> bool:
    """Did this client write within READ_YOUR_WRITES_SECONDS (by its cookie or header)?"""
    window = float(settings.READ_YOUR_WRITES_SECONDS)
    # META rather than request.headers, which builds a mapping of every header first.
    for raw in (request.COOKIES.get(LAST_WRITE_COOKIE), request.META.get(LAST_WRITE_META_KEY)):
        try:
            wrote_at = float(raw or "")
        except ValueError:
            continue
        if math.isfinite(wrote_at) and now - window <= wrote_at <= now + CLOCK_SKEW_SECONDS:
            return True
    return False


class ReadYourWritesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Unsafe methods write: their reads (validation, the object they change) must see
        # the latest rows, so they never read from a replica.
        allow_replicas = request.method in SAFE_METHODS and not wrote_recently(request, now=time.time())
        with read_scope(allow_replicas=allow_replicas, primary_reason="primary_after_write") as scope:
            response = self.get_response(request)
        if scope.wrote:
            self._remember_write(response, now=time.time())
        if scope.read_aliases:
            response[READ_FROM_HEADER] = ",".join(sorted(scope.read_aliases))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        """A read on a replica failed (it died, or its pool timed out): mark it down and
        run the view once more on the primary, so the client never sees the failure."""
        scope = current_scope()
        if (
            scope is None
            or request.method not in SAFE_METHODS
            or not isinstance(exception, OperationalError | InterfaceError)
            or request.resolver_match is None
        ):
            return None
        # Django flags the connection a database error came from; a failure on the primary
        # is not a replica's fault and a retry would not help.
        failed = sorted(alias for alias in scope.replicas_used if connections[alias].errors_occurred)
        if not failed:
            return None
        self._fail_over(scope, failed, exception)
        logger.warning(
            "Retrying %s %s on the primary after replica %s failed",
            request.method,
            request.path,
            ", ".join(failed),
        )
        match = request.resolver_match
        try:
            response = match.func(request, *match.args, **match.kwargs)
            # Template and DRF responses render lazily: render inside the retry.
            render = getattr(response, "render", None)
            if callable(render):
                response = render()
        except Exception:
            # The original error goes on to ApiErrorMiddleware (envelope, 500).
            logger.exception("The retry of %s %s on the primary failed too", request.method, request.path)
            return None
        return response

    @staticmethod
    def _fail_over(scope: ReadScope, failed: list[str], exception: Exception) -> None:
        monitor = get_monitor()
        for alias in failed:
            try:
                # A broken connection must not be handed to the next request.
                connections[alias].close()
            except (OperationalError, InterfaceError):
                logger.debug("Closing the failed connection to %s failed", alias, exc_info=True)
            monitor.mark_down(alias, str(exception).strip() or type(exception).__name__)
        scope.allow_replicas = False
        scope.primary_reason = "replica_lagging"
        scope.replica = None
        scope.read_aliases.clear()

    @staticmethod
    def _remember_write(response: HttpResponseBase, *, now: float) -> None:
        window = float(settings.READ_YOUR_WRITES_SECONDS)
        stamp = f"{now:.3f}"
        response.set_cookie(
            LAST_WRITE_COOKIE,
            stamp,
            max_age=math.ceil(window),
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        response[LAST_WRITE_HEADER] = stamp

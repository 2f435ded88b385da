"""HTTP metrics: django-prometheus' families and names, recorded by two lean middlewares.

In multiprocess mode every increment is a write to a memory-mapped file under a lock (about
2 µs on the 2-core machine; a labelled one looks its child up first; a histogram observation
is two writes), and django-prometheus' own middlewares make 14 of them per request, in
MiddlewareMixin's hooks: by method, by transport, request and response body sizes, charset,
status without the view, a second latency histogram, ... On a warm board read that was most
of the metrics' cost (docs/benchmarks.md "Metrics' cost"). These two keep django-prometheus'
registry (`Metrics.get_instance()`: every family, every name) and record what the rules and
dashboards read:

- first in MIDDLEWARE: `django_http_requests_before_middlewares_total` and
  `django_http_responses_before_middlewares_total` (their difference: requests in flight),
  written at once; everything in between is written once when the request ends
  (taskboard/metrics/multiprocess.py); and the request's log context, in
  RequestContextMiddleware's place;
- last: `django_http_requests_total_by_view_transport_method_total`,
  `django_http_responses_total_by_status_view_method_total`,
  `django_http_requests_latency_seconds_by_view_method` (the view and the middlewares after
  this one), and on an exception `django_http_exceptions_total_by_type` / `_by_view`;
  then the apps' per-request hooks (`on_response`: accounts' active users);

each labelled child looked up once per process and label values, then kept. Not recorded:
`django_http_requests_latency_including_middlewares_seconds` and the by-method, by-transport,
body-size, charset, streaming and template families (their names stay registered, empty).
"""

import time
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django_prometheus.middleware import Metrics
from prometheus_client import Counter, Histogram

from taskboard.logs.context import enter_request
from taskboard.logs.middleware import (
    REQUEST_ID_META_KEY,
    RequestContextMiddleware,
    log_permission_denied,
    set_request_id_header,
)

from .fast import counter_value, histogram_parts
from .multiprocess import defer_writes, write_deferred

UNNAMED = "<unnamed view>"
INVALID_METHOD = "<invalid method>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"})
GetResponse = Callable[[HttpRequest], HttpResponseBase]
ResponseHook = Callable[[HttpRequest], None]

# What the apps above count per request (accounts' active users), called by AfterMiddleware
# once the view has run: a call costs a request less than a middleware of their own.
_response_hooks: list[ResponseHook] = []


def on_response(hook: ResponseHook) -> None:
    """Call `hook(request)` after every request's view (from an AppConfig.ready())."""
    if hook not in _response_hooks:
        _response_hooks.append(hook)


class _Children:
    """A family's labelled children by label values, looked up once each."""

    def __init__(self, family: Counter | Histogram) -> None:
        self.family = family
        self.children: dict[tuple[str, ...], Any] = {}

    def __call__(self, *values: str) -> Any:
        child = self.children.get(values)
        if child is None:
            child = self.children.setdefault(values, self.family.labels(*values))
        return child


class BeforeMiddleware(RequestContextMiddleware):
    """First in MIDDLEWARE, in RequestContextMiddleware's place: every request and every
    response, before routing, and the request's log context. One middleware rather than two:
    each layer of Django's chain costs a request two Python frames and its exception
    handler (docs/benchmarks.md "Metrics' cost")."""

    def __init__(self, get_response: GetResponse) -> None:
        super().__init__(get_response)
        metrics = Metrics.get_instance()
        self.requests = counter_value(metrics.requests_total)
        self.responses = counter_value(metrics.responses_total)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        self.requests.inc(1)
        request_id = enter_request(request.META.get(REQUEST_ID_META_KEY), request)
        # In multiprocess mode, what the request changes is written to the files once, when
        # it ends (taskboard/metrics/multiprocess.py), the response's count with it; the
        # request's count at once, so that the difference is the requests in flight.
        defer_writes()
        try:
            response = self.get_response(request)
            self.responses.inc(1)
        finally:
            write_deferred()
        # RequestContextMiddleware's end, inline.
        if response.status_code == 403:
            log_permission_denied(request)
        set_request_id_header(response, request_id)
        return response


class AfterMiddleware:
    """Last in MIDDLEWARE: by view, method and status, and the time the view took."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        metrics = Metrics.get_instance()
        # Label order: view, transport, method; status, view, method; view, method; type; view.
        self.by_view = _Children(metrics.requests_by_view_transport_method)
        self.by_status = _Children(metrics.responses_by_status_view_method)
        self.latency = _Children(metrics.requests_latency_by_view_method)
        self.exceptions_by_type = _Children(metrics.exceptions_by_type)
        self.exceptions_by_view = _Children(metrics.exceptions_by_view)
        # Django's SECURE_PROXY_SSL_HEADER: the header nginx sets and its value for https.
        proxy_ssl_header: tuple[str, str | None] = settings.SECURE_PROXY_SSL_HEADER or ("", None)
        self.proxy_header, self.proxy_secure = proxy_ssl_header
        # (view, method, status, secure) -> the values a response of that kind changes: one
        # lookup per request (fast.py). A bounded key: the view is a URL name, the method one
        # of METHODS or "<invalid method>", the status a number.
        self.values: dict[tuple[str, str, int, bool], tuple[Any, ...]] = {}
        self.hooks = tuple(_response_hooks)

    def _values(self, view: str, method: str, status: int, secure: bool) -> tuple[Any, ...]:
        return (
            counter_value(self.by_view(view, "https" if secure else "http", method)),
            counter_value(self.by_status(str(status), view, method)),
            *histogram_parts(self.latency(view, method)),
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        method = request.method if request.method in METHODS else INVALID_METHOD
        # request.is_secure(), inline: Django's reads two settings through the lazy settings
        # object, three times these instructions (docs/benchmarks.md "Metrics' cost").
        proxy = request.META.get(self.proxy_header)
        if proxy is None:
            # The server's own scheme: WSGIRequest's and ASGIRequest's hook (not in
            # django-stubs).
            server: Any = request
            secure = server._get_scheme() == "https"
        else:
            secure = proxy.split(",", 1)[0].strip() == self.proxy_secure
        key = (
            (match.view_name if match is not None else None) or UNNAMED,
            method,
            response.status_code,
            secure,
        )
        values = self.values.get(key)
        if values is None:
            values = self.values.setdefault(key, self._values(*key))
        by_view, by_status, latency_sum, latency_buckets, bounds = values
        by_view.inc(1)
        by_status.inc(1)
        # histogram.observe(elapsed), inline (fast.histogram_parts).
        elapsed = time.perf_counter() - started
        latency_sum.inc(elapsed)
        latency_buckets[bisect_left(bounds, elapsed)].inc(1)
        for hook in self.hooks:
            hook(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        self.exceptions_by_type(type(exception).__name__).inc()
        self.exceptions_by_view(_view(request)).inc()


def _view(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match is not None else None) or UNNAMED

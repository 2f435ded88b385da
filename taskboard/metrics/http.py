"""django-prometheus' middlewares, recording only the families the rules and dashboards read.

In multiprocess mode every increment is a write to a memory-mapped file under a lock (about
3 µs; a labelled one looks its child up first, 7 µs; a histogram observation 6 µs, measured on
the 2-core machine), and django-prometheus' middlewares make 14 of them per request: by method,
by transport, request and response body sizes, charset, status without the view, ... That was
most of the metrics' cost on a warm board read (docs/benchmarks.md "Metrics' cost"). These
subclasses keep django-prometheus' families and names and record:

- before the middlewares: requests and responses (their difference: in flight), and the
  latency including the middlewares;
- after them: requests by view, transport and method; responses by status, view and method;
  the latency by view and method; exceptions by type and view;

with each labelled child looked up once per process and label values, then kept.
"""

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django_prometheus.middleware import PrometheusAfterMiddleware, PrometheusBeforeMiddleware
from django_prometheus.utils import Time, TimeSince
from prometheus_client import Counter, Histogram

UNNAMED = "<unnamed view>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"})


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


class BeforeMiddleware(PrometheusBeforeMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        self.metrics.requests_total.inc()
        request.prometheus_before_middleware_event = Time()  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        self.metrics.responses_total.inc()
        started = getattr(request, "prometheus_before_middleware_event", None)
        if started is not None:
            self.metrics.requests_latency_before.observe(TimeSince(started))
        else:
            self.metrics.requests_unknown_latency_before.inc()
        return response


class AfterMiddleware(PrometheusAfterMiddleware):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        metrics = self.metrics
        # django-prometheus' families, in label order: view, transport, method; status,
        # view, method; view, method; type; view.
        self.by_view = _Children(metrics.requests_by_view_transport_method)
        self.by_status = _Children(metrics.responses_by_status_view_method)
        self.latency = _Children(metrics.requests_latency_by_view_method)
        self.exceptions_by_type = _Children(metrics.exceptions_by_type)
        self.exceptions_by_view = _Children(metrics.exceptions_by_view)

    @staticmethod
    def _view(request: HttpRequest) -> str:
        match = getattr(request, "resolver_match", None)
        return (match.view_name if match is not None else None) or UNNAMED

    @staticmethod
    def _method_of(request: HttpRequest) -> str:
        method = request.method or ""
        return method if method in METHODS else "<invalid method>"

    def process_request(self, request: HttpRequest) -> None:
        request.prometheus_after_middleware_event = Time()  # type: ignore[attr-defined]

    def process_view(self, request: HttpRequest, view_func: Any, *view_args: Any, **view_kwargs: Any) -> None:
        transport = "https" if request.is_secure() else "http"
        self.by_view(self._view(request), transport, self._method_of(request)).inc()

    def process_template_response(self, request: HttpRequest, response: Any) -> Any:
        return response

    def _observe_latency(self, request: HttpRequest, view: str) -> None:
        started = getattr(request, "prometheus_after_middleware_event", None)
        if started is not None:
            self.latency(view, request.method or "").observe(TimeSince(started))
        else:
            self.metrics.requests_unknown_latency.inc()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        view = self._view(request)
        self.by_status(str(response.status_code), view, self._method_of(request)).inc()
        self._observe_latency(request, view)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        view = self._view(request)
        self.exceptions_by_type(type(exception).__name__).inc()
        self.exceptions_by_view(view).inc()
        self._observe_latency(request, view)

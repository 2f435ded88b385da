"""What the HTML page views share: a signed-in user, their time zone, and the translation
of domain errors into pages.

Selectors and services raise the model's DoesNotExist for things the user may not see;
a page answers those with the 404 page, exactly as the API answers 404 (no existence
leaks). PermissionDenied goes on to Django's 403 handler.
"""

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

P = ParamSpec("P")
T = TypeVar("T")


class PageRequest(HttpRequest):
    """The request of a page view: django-htmx's middleware adds `htmx`."""

    htmx: HtmxDetails


PageView = Callable[Concatenate[PageRequest, P], HttpResponseBase]


def page(view: PageView[P]) -> PageView[P]:
    """A page for signed-in users, rendered in their time zone; not-found means 404."""

    @wraps(view)
    def wrapper(request: PageRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not request.user.is_authenticated:
            if request.htmx:
                # A fragment request would swap the login page into the board: reload instead.
                login = redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
                return HttpResponseClientRedirect(login["Location"])
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        try:
            # The user model's time zone (accounts.User.timezone).
            zone = zoneinfo.ZoneInfo(str(getattr(request.user, "timezone", "UTC")))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        try:
            with timezone.override(zone):
                return view(request, *args, **kwargs)
        except ObjectDoesNotExist as exc:
            raise Http404(str(exc)) from exc

    return wrapper


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` the form or query carries when it points into this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def htmx_redirect(request: PageRequest, url: str) -> HttpResponse:
    """After a form post: htmx reloads the page at `url`, a plain browser follows a 303."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def json_error(status: int, message: str) -> JsonResponse:
    """The answer to a request of our own script (a drop) that failed: the message to show,
    in the shape of the API's error envelope."""
    return JsonResponse({"error": {"message": message}}, status=status)


class ServiceForm(Protocol):
    """A page's form whose input a service checks again (accounts.forms.ServiceErrorsMixin)."""

    cleaned_data: dict[str, Any]

    def is_valid(self) -> bool: ...

    def add_service_errors(self, exc: ValidationError) -> None: ...


def form_write(
    request: PageRequest,
    form: ServiceForm,
    write: Callable[[dict[str, Any]], T],
    *,
    redirect: str | Callable[[T], str],
    message: str | Callable[[T], str] = "",
    authorize: Callable[[], object] | None = None,
) -> HttpResponse | None:
    """The write of a page's form: with a valid form, `write` (the service) runs on its
    cleaned data; then the success `message` and a redirect to `redirect`. A refusal of the
    service (ValidationError) goes to the form's fields. None when the form is to be shown
    again with its errors.

    The service authorizes as it writes; `authorize` (raising 404 or 403) runs only when
    the form itself is refused, before the caller sees its errors: a caller who may not
    write gets the 404 or 403 page, never the page with the form."""
    if not form.is_valid():
        if authorize is not None:
            authorize()
        return None
    try:
        result = write(form.cleaned_data)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None
    text = message(result) if callable(message) else message
    if text:
        messages.success(request, text)
    return htmx_redirect(request, redirect(result) if callable(redirect) else redirect)

"""The account's "Email & reminders" page, and the page of the unsubscribe link in each
notification mail (accounts.unsubscribe_links)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.request_user import page_user
from taskboard.pages import page

from . import selectors, services
from .forms import NotificationSettingsForm
from .unsubscribe_links import InvalidUnsubscribeToken, read_unsubscribe_token


@page
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """users/me/notifications/ in the API: the same selector and service."""
    user = page_user(request)
    preferences = selectors.notification_settings_get(user_id=user.pk)
    form = NotificationSettingsForm(
        request.POST or None, initial=NotificationSettingsForm.initial_from(preferences)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.notification_settings_update(user_id=user.pk, **form.service_arguments())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Your email and reminder settings were saved.")
            return redirect("accounts:notification_settings")
    return render(request, "accounts/notification_settings.html", {"form": form})


def _unsubscribe_page(request: HttpRequest, context: dict[str, object], status: int = 200) -> HttpResponse:
    response = render(request, "accounts/unsubscribe.html", context, status=status)
    # The token is in this page's URL: no Referer carries it to another page or site.
    response["Referrer-Policy"] = "no-referrer"
    return response


# CSRF-exempt: RFC 8058's one-click unsubscribe is a POST of `List-Unsubscribe=One-Click`
# made by the mail provider, which has no session and no CSRF token. A forged cross-site
# POST can do nothing a link can't: the signed token in the URL is the credential, and all
# it does is turn one kind of mail off for the user it names (undone in their settings).
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button (mail scanners and link previews fetch GETs); a POST, the
    button's or a mail client's one-click, unsubscribes at once. Idempotent."""
    try:
        user_id, kind = read_unsubscribe_token(token)
    except InvalidUnsubscribeToken:
        return _unsubscribe_page(request, {"error": "This unsubscribe link is not valid."}, status=400)
    user = selectors.user_get_active(user_id=user_id)
    if user is None:
        return _unsubscribe_page(request, {"error": "This unsubscribe link is not valid."}, status=404)
    context: dict[str, object] = {"token": token, "kind": kind.label, "address": user.email}
    if request.method == "POST":
        context["done"] = "now" if services.mail_kind_unsubscribe(user_id=user.pk, kind=kind) else "already"
    elif not selectors.notification_settings_get(user_id=user.pk).mail_on(kind):
        context["done"] = "already"
    return _unsubscribe_page(request, context)

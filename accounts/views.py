"""Account pages: log in and out, sign up, reset a forgotten password.

They call the same services as the API (login limiter, registration, reset), so a page
can't skip the limiter, the welcome mail or the token revocation.
"""

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import FormView, TemplateView

from accounts.login_limiter import LoginThrottled, log_failure, reserve_address_attempt
from accounts.request_user import page_user
from taskboard.client_address import client_address
from taskboard.pages import page, safe_next

from . import email_verification, selectors, services
from .forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    RegisterForm,
    SetPasswordForm,
)
from .mail_limits import MailLimitReached
from .models import User

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginView(auth_views.LoginView):
    # Django's LoginView takes any form of its contract (request in, get_user() out; its
    # docs: "a callable (typically a form class)"); the stubs ask for an AuthenticationForm.
    form_class = cast("type[AuthenticationForm]", LoginForm)
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if isinstance(form, LoginForm) and form.retry_after is not None:
            # The page says it in words; the status and header say it to machines.
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5); then back to the login page. The live sockets this session
    opened close (the user's other sessions and their sockets stay)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session_key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        if session_key:
            services.session_sockets_close(session_key=session_key)
        return response


@page
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """The profile page's "Sign out everywhere": every session (this one too), refresh and
    access token of the user stops working and their live sockets close."""
    services.user_logout_everywhere(user=page_user(request))
    logout(request)
    messages.success(request, "You were signed out everywhere.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@method_decorator(
    [sensitive_post_parameters("password1", "password2"), csrf_protect, never_cache], "dispatch"
)
class RegisterView(FormView):
    form_class = RegisterForm
    template_name = "accounts/register.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        # The invitation page links here with the invited address filled in.
        return {"email": self.request.GET.get("email", "")[:254]}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "next": safe_next(self.request, "")}

    def form_valid(self, form: RegisterForm) -> HttpResponse:
        try:
            user = services.user_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                name=form.cleaned_data["name"],
                timezone=form.cleaned_data["timezone"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
            return self.form_invalid(form)
        # Signed up means signed in: straight to the app (or to the invitation that
        # brought them here).
        login(self.request, user, backend=MODEL_BACKEND)
        return HttpResponseRedirect(safe_next(self.request, resolve_url(settings.LOGIN_REDIRECT_URL)))


@method_decorator([csrf_protect, never_cache], "dispatch")
class PasswordResetRequestView(FormView):
    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetRequestForm) -> HttpResponse:
        services.password_reset_request(email=form.cleaned_data["email"])
        # The same page whether or not the address has an account: no enumeration here.
        return super().form_valid(form)


class PasswordResetDoneView(TemplateView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view checks the link and moves the token out of the URL into the session
    (so it can't leak in a Referer); the password is set by our service."""

    # Django's view hands the form `user` and, as form_valid is ours, needs nothing else of
    # it; the stubs ask for Django's SetPasswordForm, which would validate the password twice.
    form_class = cast("type[DjangoSetPasswordForm[User]]", SetPasswordForm)
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Each check of a link is an authentication attempt of this address (the limiter
        # of every way in): a wrong token counts, a locked address is refused unchecked.
        address = client_address(self.request)
        try:
            attempt = reserve_address_attempt(address=address, entry="password_reset_page")
        except LoginThrottled as exc:
            refused = render(
                self.request,
                self.template_name,
                {"validlink": False, "retry_minutes": max(1, -(-exc.retry_after // 60))},
                status=429,
            )
            refused["Retry-After"] = str(exc.retry_after)
            add_never_cache_headers(refused)
            return refused
        try:
            response = super().dispatch(*args, **kwargs)
        except BaseException:
            attempt.release()
            raise
        if (getattr(response, "context_data", None) or {}).get("validlink") is False:
            log_failure(entry="password_reset_page", address=address)  # the slot stays taken
        else:
            attempt.release()
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        token = self.request.session.get(INTERNAL_RESET_SESSION_TOKEN, "")
        try:
            services.password_reset_confirm(
                uidb64=self.kwargs["uidb64"], token=token, new_password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
            return self.form_invalid(form)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(TemplateView):
    template_name = "accounts/password_reset_complete.html"


@page
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Name, time zone and email notifications (users/me/ in the API)."""
    user = page_user(request)
    form = ProfileForm(
        request.POST or None,
        initial={
            "name": user.name,
            "timezone": user.timezone,
            "email_notifications": user.email_notifications,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Your profile was saved.")
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@page
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
def password_change(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_change(
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            # The session is signed with the password hash: keep this one signed in.
            update_session_auth_hash(request, user)
            messages.success(request, "Your password was changed. Other devices have been signed out.")
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


# --- email verification ---------------------------------------------------------------


def _verify_email_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, "accounts/verify_email.html", context, status=status)
    # The token is in this page's URL: no Referer carries it to another page or site.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _token_problem(token: str) -> tuple[str, Any]:
    """An error message for a link that can't work, else "" and the account it is for."""
    try:
        user_id, email = email_verification.read_token(token)
    except email_verification.ExpiredToken:
        return services.EXPIRED_VERIFICATION_LINK, None
    except email_verification.InvalidToken:
        return services.INVALID_VERIFICATION_LINK, None
    user = selectors.user_get_active(user_id=user_id)
    if user is None or user.email != email:
        return services.INVALID_VERIFICATION_LINK, None
    if user.email_verified:
        return services.USED_VERIFICATION_LINK, None
    return "", user


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the welcome and verification mails. A GET only shows a button (mail
    scanners and link previews fetch GETs); its POST verifies."""
    if request.method == "GET":
        problem, user = _token_problem(token)
        context = {"token": token, "error": problem, "address": user.email if user else ""}
        return _verify_email_page(request, context, status=400 if problem else 200)
    try:
        verified = services.email_verify(token=token)
    except ValidationError as exc:
        return _verify_email_page(request, {"token": token, "error": " ".join(exc.messages)}, status=400)
    if request.user.is_authenticated and request.user.pk == verified.pk:
        messages.success(request, "Your email address is confirmed.")
        return redirect("accounts:profile")
    return render(request, "accounts/verify_email_done.html")


@page
@require_POST
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    """The profile's "send the link again" button (auth/verify-email/resend/ in the API)."""
    try:
        services.email_verification_resend(user=page_user(request))
    except MailLimitReached as exc:
        minutes = max(1, -(-exc.retry_after // 60))
        messages.error(request, f"Too many emails to your address. Try again in {minutes} minute(s).")
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
    else:
        messages.success(request, "We've sent you a new confirmation link.")
    return redirect("accounts:profile")

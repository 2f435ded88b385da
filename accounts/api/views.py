"""Accounts endpoints (docs/api.md "Accounts"): input serializer -> service -> output serializer."""

from django.contrib.auth import logout, update_session_auth_hash
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from accounts import services
from accounts.login_limiter import LoginThrottled
from accounts.mail_limits import MailLimitReached
from accounts.models import User
from taskboard.api import throttles
from taskboard.api.schema import error
from taskboard.client_address import client_address

from .serializers import (
    MeOutputSerializer,
    MeUpdateInputSerializer,
    PasswordChangeInputSerializer,
    PasswordResetConfirmInputSerializer,
    PasswordResetInputSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    TokenObtainInputSerializer,
    TokenPairOutputSerializer,
    UserSummaryOutputSerializer,
    VerifyEmailInputSerializer,
)

TAGS = ["accounts"]

INVALID = error("validation_error: the body is malformed or a value is not acceptable.")
NOT_AUTHENTICATED = error("not_authenticated / authentication_failed: no valid credentials.")
BAD_TOKEN = error("authentication_failed: the token is invalid, expired, used or revoked.")
LOCKED = error("throttled: too many failed authentications from this address; see Retry-After.")
LOCKED_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds until an attempt from this address (and account) is allowed again.",
)


def _throttled(exc: LoginThrottled) -> exceptions.Throttled:
    return exceptions.Throttled(wait=exc.retry_after, detail="Too many failed logins.")


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # IsAuthenticated ran first
    return request.user


class PublicView(APIView):
    """Endpoints that take credentials in the body instead of a header or a session."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request: Request) -> str:
        # Without this DRF turns a 401 into a 403 on views with no authenticator.
        return 'Bearer realm="api"'


def _invalid_token(exc: TokenError) -> InvalidToken:
    return InvalidToken(exc.args[0] if exc.args else None)


class RegisterView(PublicView):
    throttle_classes = (*throttles.GENERAL, throttles.RegisterThrottle)

    @extend_schema(
        tags=TAGS,
        summary="Create an account",
        description=(
            "Sends a welcome email carrying the email-verification link (see auth/verify-email/). "
            "Emails are case-insensitive and unique. The account starts with email_verified false. "
            "Business rules: an `email` that has an account already, or a `password` the "
            "password validators refuse (too short, too common, all digits, too like the email "
            "or name), is a 400 on that field."
        ),
        request=RegisterInputSerializer,
        responses={201: UserSummaryOutputSerializer, 400: INVALID},
    )
    def post(self, request: Request) -> Response:
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(UserSummaryOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenObtainView(PublicView):
    @extend_schema(
        tags=TAGS,
        summary="Log in: get an access and a refresh token",
        description="Failed logins are limited per address and per account (429 with Retry-After).",
        request=TokenObtainInputSerializer,
        parameters=[LOCKED_RETRY_AFTER],
        responses={
            200: TokenPairOutputSerializer,
            400: INVALID,
            401: error("authentication_failed: no active account with these credentials."),
            429: error("throttled: too many failed logins; see Retry-After."),
        },
    )
    def post(self, request: Request) -> Response:
        data = TokenObtainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.user_authenticate(
                email=data.validated_data["email"],
                password=data.validated_data["password"],
                client_address=client_address(request),
                entry="api_token",
            )
        except LoginThrottled as exc:
            raise _throttled(exc) from exc
        except services.InvalidCredentials as exc:
            raise exceptions.AuthenticationFailed(
                "No active account found with the given credentials."
            ) from exc
        pair = services.token_pair_issue(user=user)
        return Response(TokenPairOutputSerializer(pair).data)


class TokenRefreshView(PublicView):
    @extend_schema(
        tags=TAGS,
        summary="Rotate a refresh token",
        description=(
            "Answers a new pair; the refresh token sent stops working. Sending a refresh token "
            "that was already rotated revokes every refresh token of the same login (401); "
            "access tokens already issued work until they expire."
        ),
        request=RefreshInputSerializer,
        responses={200: TokenPairOutputSerializer, 400: INVALID, 401: BAD_TOKEN},
    )
    def post(self, request: Request) -> Response:
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            pair = services.token_pair_refresh(refresh=data.validated_data["refresh"])
        except TokenError as exc:
            raise _invalid_token(exc) from exc
        return Response(TokenPairOutputSerializer(pair).data)


class LogoutView(PublicView):
    @extend_schema(
        tags=TAGS,
        summary="Log out: revoke a refresh token",
        request=RefreshInputSerializer,
        responses={204: None, 400: INVALID, 401: BAD_TOKEN},
    )
    def post(self, request: Request) -> Response:
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.refresh_token_revoke(refresh=data.validated_data["refresh"])
        except TokenError as exc:
            raise _invalid_token(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutEverywhereView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Sign out everywhere",
        description=(
            "Every refresh token of the caller is revoked; every session and every access "
            "token issued before this call (the one used for it included) stops working; "
            "every live socket of the caller, on every server, is closed with 4401."
        ),
        request=None,
        responses={204: None, 401: NOT_AUTHENTICATED},
    )
    def post(self, request: Request) -> Response:
        services.user_logout_everywhere(user=_user(request))
        if isinstance(request.successful_authenticator, SessionAuthentication):
            logout(request._request)  # this session ended too: drop its cookie
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(PublicView):
    throttle_classes = (*throttles.GENERAL, throttles.PasswordResetThrottle)

    @extend_schema(
        tags=TAGS,
        summary="Ask for a password reset email",
        description=(
            "Always 202, whether or not the address has an account. When it does, an email "
            "with a link `.../accounts/reset/<uid>/<token>/` is sent; API clients take `uid` "
            "and `token` from the link for the confirm call."
        ),
        request=PasswordResetInputSerializer,
        responses={202: None, 400: INVALID},
    )
    def post(self, request: Request) -> Response:
        data = PasswordResetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(email=data.validated_data["email"])
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(PublicView):
    @extend_schema(
        tags=TAGS,
        summary="Set a new password from a reset link",
        description=(
            "The link works once. Every refresh and access token of the user stops working, and "
            "every live socket of the user is closed (4401). Wrong tokens count as failed "
            "authentications of the address (429 with Retry-After). Business rules: a `uid` and "
            "`token` that are not those of a valid, unused reset link are a 400 on `token` (or "
            "`uid`); a `new_password` the password validators refuse is a 400 on `new_password`."
        ),
        request=PasswordResetConfirmInputSerializer,
        parameters=[LOCKED_RETRY_AFTER],
        responses={204: None, 400: INVALID, 429: LOCKED},
    )
    def post(self, request: Request) -> Response:
        data = PasswordResetConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.password_reset_confirm_counted(
                uidb64=data.validated_data["uid"],
                token=data.validated_data["token"],
                new_password=data.validated_data["new_password"],
                client_address=client_address(request),
            )
        except LoginThrottled as exc:
            raise _throttled(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The caller's profile",
        responses={200: MeOutputSerializer, 401: NOT_AUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        return Response(MeOutputSerializer(_user(request)).data)

    @extend_schema(
        tags=TAGS,
        summary="Change the caller's profile",
        description=(
            "Any of `name`, `timezone`, `email_notifications`. `email_notifications` reads true "
            "while any kind of notification mail is on (users/me/notifications/); false turns "
            "every kind off, true turns every kind on when all were off and changes nothing "
            "otherwise. Business rule: a `timezone` that is not an IANA time zone name "
            "(Europe/Paris) is a 400 on `timezone`."
        ),
        request=MeUpdateInputSerializer,
        responses={200: MeOutputSerializer, 400: INVALID, 401: NOT_AUTHENTICATED},
    )
    def patch(self, request: Request) -> Response:
        data = MeUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=_user(request), **data.validated_data)
        return Response(MeOutputSerializer(user).data)


class PasswordChangeView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Change the caller's password",
        description=(
            "Every refresh and access token of the user stops working, including the one used "
            "for this call: API clients log in again. A browser session stays signed in. "
            "Every live socket of the user is closed (4401). Business rules: a "
            "`current_password` that is not the caller's, or a `new_password` the password "
            "validators refuse, is a 400 on that field."
        ),
        request=PasswordChangeInputSerializer,
        responses={204: None, 400: INVALID, 401: NOT_AUTHENTICATED},
    )
    def post(self, request: Request) -> Response:
        data = PasswordChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = _user(request)
        services.user_password_change(user=user, **data.validated_data)
        if isinstance(request.successful_authenticator, SessionAuthentication):
            # Django ends sessions whose password hash changed; keep the caller's own.
            update_session_auth_hash(request._request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)


MAIL_THROTTLED = error(
    "throttled: too many requests from this client, or (resend) too many emails to this "
    "address; see Retry-After."
)
THROTTLE_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds until the request may be made again.",
)


class VerifyEmailView(PublicView):
    @extend_schema(
        tags=TAGS,
        summary="Verify the caller's email address with the mailed token",
        description=(
            "The token is the last path segment of the link `.../accounts/verify-email/<token>/` "
            "in the welcome or verification mail; it is the credential, so no login is needed. "
            "It works once, for the account and address it was mailed for, until "
            "EMAIL_VERIFICATION_TIMEOUT (default 3 days). Only a verified account is added to a "
            "board directly by its address; any other is sent an invitation. Business rule: a "
            "`token` that is not one mailed, unused and unexpired is a 400 on `token`."
        ),
        request=VerifyEmailInputSerializer,
        parameters=[THROTTLE_RETRY_AFTER],
        responses={
            204: None,
            400: error("validation_error: the token is invalid, expired or already used (on `token`)."),
            429: error("throttled: too many requests from this client; see Retry-After."),
        },
    )
    def post(self, request: Request) -> Response:
        data = VerifyEmailInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.email_verify(token=data.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class VerifyEmailResendView(APIView):
    # Per client address, besides the per-recipient mail cap the service applies.
    throttle_classes = (*throttles.GENERAL, throttles.VerifyResendThrottle)

    @extend_schema(
        tags=TAGS,
        summary="Mail the caller a new verification link",
        description=(
            "To the caller's own address (202). At most ACCOUNT_MAIL_LIMIT password-reset and "
            "verification mails (together, default 3) go to one address per "
            "ACCOUNT_MAIL_WINDOW_SECONDS (default an hour): past that, 429 with Retry-After. "
            "Business rule: an account that is already verified gets 400 (on "
            "`non_field_errors`)."
        ),
        request=None,
        parameters=[THROTTLE_RETRY_AFTER],
        responses={
            202: None,
            400: error("validation_error: the caller's address is already verified."),
            401: NOT_AUTHENTICATED,
            429: MAIL_THROTTLED,
        },
    )
    def post(self, request: Request) -> Response:
        try:
            services.email_verification_resend(user=_user(request))
        except MailLimitReached as exc:
            raise exceptions.Throttled(
                wait=exc.retry_after, detail="Too many emails to this address."
            ) from exc
        return Response(status=status.HTTP_202_ACCEPTED)

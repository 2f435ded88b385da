"""Mounted at the root of /api/v1/ (taskboard/api/urls.py)."""

from django.urls import path

from . import notification_settings, views, ws_ticket

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", views.TokenObtainView.as_view(), name="auth-token"),
    path("auth/token/refresh/", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", views.LogoutEverywhereView.as_view(), name="auth-logout-all"),
    path("auth/password-reset/", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password-reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("auth/verify-email/", views.VerifyEmailView.as_view(), name="auth-verify-email"),
    path(
        "auth/verify-email/resend/",
        views.VerifyEmailResendView.as_view(),
        name="auth-verify-email-resend",
    ),
    path("auth/ws-ticket/", ws_ticket.WsTicketView.as_view(), name="auth-ws-ticket"),
    path("users/me/", views.MeView.as_view(), name="users-me"),
    path(
        "users/me/notifications/",
        notification_settings.NotificationSettingsView.as_view(),
        name="users-me-notifications",
    ),
    path("users/me/password/", views.PasswordChangeView.as_view(), name="users-me-password"),
]

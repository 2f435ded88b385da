from django.urls import path

from . import notification_pages, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("register/", views.RegisterView.as_view(), name="register"),
    path("password-reset/", views.PasswordResetRequestView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    # The link in the reset mail (services.password_reset_link); API clients read uid and token from it.
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password_change"),
    path("notification-settings/", notification_pages.notification_settings, name="notification_settings"),
    # The link in each notification mail and its List-Unsubscribe header (accounts.unsubscribe_links).
    path("unsubscribe/<str:token>/", notification_pages.unsubscribe, name="unsubscribe"),
    # The link in the welcome and verification mails (services.email_verification_link).
    path("verify-email/resend/", views.verify_email_resend, name="verify_email_resend"),
    path("verify-email/<str:token>/", views.verify_email, name="verify_email"),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

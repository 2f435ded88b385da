from django.urls import path

from . import views

app_name = "activity"
urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:notification_id>/open/", views.notification_open, name="notification_open"),
]

from django.urls import path

from . import views

app_name = "activity"
urlpatterns = [
    path("boards/<int:board_id>/activity/", views.board_activity, name="board_activity"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:notification_id>/open/", views.notification_open, name="notification_open"),
]

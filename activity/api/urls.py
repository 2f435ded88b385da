"""Mounted at the root of /api/v1/ (taskboard/api/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("boards/<int:board_id>/activity/", views.ActivityListView.as_view(), name="board-activity"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/read/", views.NotificationsReadView.as_view(), name="notifications-read"),
]

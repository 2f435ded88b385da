"""Mounted at the root of /api/v1/ (taskboard/api/urls.py)."""

from django.urls import path

from . import board_views, views

urlpatterns = [
    # The board read (it nests the tasks), the busiest path of all.
    path("boards/<int:board_id>/", board_views.BoardDetailView.as_view(), name="board"),
    path("boards/", board_views.BoardListView.as_view(), name="boards"),
    path("boards/<int:board_id>/tasks/", views.BoardTaskListView.as_view(), name="board-tasks"),
    path("tasks/", views.MyTaskListView.as_view(), name="tasks"),
    path("tasks/<int:task_id>/", views.TaskDetailView.as_view(), name="task"),
    path("tasks/<int:task_id>/move/", views.TaskMoveView.as_view(), name="task-move"),
    path("tasks/<int:task_id>/watch/", views.TaskWatchView.as_view(), name="task-watch"),
    path("tasks/<int:task_id>/comments/", views.CommentListView.as_view(), name="task-comments"),
    path("comments/<int:comment_id>/", views.CommentDetailView.as_view(), name="comment"),
]

from django.urls import path

from . import board_views, views, watch_views

app_name = "tasks"
urlpatterns = [
    path("boards/<int:board_id>/", board_views.board_detail, name="board"),
    path("boards/<int:board_id>/lists/", board_views.list_create, name="list_create"),
    path("boards/<int:board_id>/lists/<int:list_id>/cards/", board_views.list_cards, name="list_cards"),
    path("boards/<int:board_id>/tasks/new/", views.task_create, name="create"),
    path("tasks/preview/", views.markdown_preview, name="preview"),
    path("tasks/<int:task_id>/", views.task_detail, name="detail"),
    path("tasks/<int:task_id>/complete/", views.task_completion, name="completion"),
    path("tasks/<int:task_id>/move/", views.task_move, name="move"),
    path("tasks/<int:task_id>/drop/", views.task_drop, name="drop"),
    path("tasks/<int:task_id>/delete/", views.task_delete, name="delete"),
    path("tasks/<int:task_id>/watch/", watch_views.task_watch, name="watch"),
    path("tasks/<int:task_id>/comments/", views.comment_create, name="comment_create"),
    path("comments/<int:comment_id>/edit/", views.comment_update, name="comment_update"),
    path("comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"),
]

from django.urls import path

from . import views

app_name = "live"
# What the board page's live updates fetch (static/js/live_board.js).
urlpatterns = [
    path("boards/<int:board_id>/cards/<int:task_id>/", views.card_fragment, name="card_fragment"),
    path("boards/<int:board_id>/lists/<int:list_id>/", views.column_fragment, name="column_fragment"),
    path("boards/<int:board_id>/counts/", views.column_counts, name="column_counts"),
]

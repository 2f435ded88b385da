"""The board pages. The Kanban page, its cards and a new list are tasks' (tasks/urls.py),
the board's activity activity's (activity/urls.py): the paths are side by side."""

from django.urls import path

from . import list_views, member_views, views

app_name = "boards"
urlpatterns = [
    path("boards/", views.board_index, name="index"),
    path("boards/<int:board_id>/members/", member_views.members, name="members"),
    path("boards/<int:board_id>/members/<int:user_id>/role/", member_views.member_role, name="member_role"),
    path(
        "boards/<int:board_id>/members/<int:user_id>/remove/",
        member_views.member_remove,
        name="member_remove",
    ),
    path(
        "boards/<int:board_id>/invitations/<int:invitation_id>/revoke/",
        member_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("boards/<int:board_id>/settings/", views.board_settings, name="settings"),
    path("boards/<int:board_id>/archive/", views.board_archive, name="archive"),
    path("boards/<int:board_id>/transfer/", views.board_transfer, name="transfer"),
    path("boards/<int:board_id>/delete/", views.board_delete, name="delete"),
    path("boards/<int:board_id>/labels/", views.label_create, name="label_create"),
    path("labels/<int:label_id>/edit/", views.label_update, name="label_update"),
    path("labels/<int:label_id>/delete/", views.label_delete, name="label_delete"),
    path("lists/<int:list_id>/edit/", list_views.list_edit, name="list_edit"),
    path("lists/<int:list_id>/delete/", list_views.list_delete, name="list_delete"),
    path("lists/<int:list_id>/move/", list_views.list_move, name="list_move"),
    path("lists/<int:list_id>/move-to/", list_views.list_move_to, name="list_move_to"),
    # The link mailed by boards.services.invitation_accept_url.
    path("invitations/<str:token>/", member_views.invitation, name="invitation"),
]

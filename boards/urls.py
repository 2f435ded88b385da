from django.urls import path

from . import views

app_name = "boards"
urlpatterns = [
    path("boards/", views.board_index, name="index"),
    path("boards/<int:board_id>/", views.board_detail, name="detail"),
    path("boards/<int:board_id>/lists/", views.list_create, name="list_create"),
    path("boards/<int:board_id>/lists/<int:list_id>/cards/", views.list_cards, name="list_cards"),
    path("boards/<int:board_id>/activity/", views.board_activity, name="activity"),
    path("boards/<int:board_id>/members/", views.members, name="members"),
    path("boards/<int:board_id>/members/<int:user_id>/role/", views.member_role, name="member_role"),
    path("boards/<int:board_id>/members/<int:user_id>/remove/", views.member_remove, name="member_remove"),
    path(
        "boards/<int:board_id>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("boards/<int:board_id>/settings/", views.board_settings, name="settings"),
    path("boards/<int:board_id>/archive/", views.board_archive, name="archive"),
    path("boards/<int:board_id>/transfer/", views.board_transfer, name="transfer"),
    path("boards/<int:board_id>/delete/", views.board_delete, name="delete"),
    path("boards/<int:board_id>/labels/", views.label_create, name="label_create"),
    path("labels/<int:label_id>/edit/", views.label_update, name="label_update"),
    path("labels/<int:label_id>/delete/", views.label_delete, name="label_delete"),
    path("lists/<int:list_id>/edit/", views.list_edit, name="list_edit"),
    path("lists/<int:list_id>/delete/", views.list_delete, name="list_delete"),
    path("lists/<int:list_id>/move/", views.list_move, name="list_move"),
    path("lists/<int:list_id>/move-to/", views.list_move_to, name="list_move_to"),
    # The link mailed by boards.services.invitation_accept_url.
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]

"""Mounted at the root of /api/v1/ (taskboard/api/urls.py). GET and POST boards/ and
boards/{id}/ answer with the board read, which nests the tasks: tasks/api/urls.py routes
them."""

from django.urls import path

from . import list_views, member_views, views

urlpatterns = [
    path("boards/<int:board_id>/transfer/", views.BoardTransferView.as_view(), name="board-transfer"),
    path("boards/<int:board_id>/stats/", views.BoardStatsView.as_view(), name="board-stats"),
    path("boards/<int:board_id>/members/", member_views.MemberListView.as_view(), name="board-members"),
    path(
        "boards/<int:board_id>/members/<int:user_id>/",
        member_views.MemberDetailView.as_view(),
        name="board-member",
    ),
    path(
        "boards/<int:board_id>/invitations/",
        member_views.InvitationListView.as_view(),
        name="board-invitations",
    ),
    path(
        "boards/<int:board_id>/invitations/<int:invitation_id>/",
        member_views.InvitationDetailView.as_view(),
        name="board-invitation",
    ),
    path(
        "invitations/<str:token>/accept/",
        member_views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path("boards/<int:board_id>/lists/", list_views.ListCreateView.as_view(), name="board-lists"),
    path("lists/<int:list_id>/", list_views.ListDetailView.as_view(), name="list"),
    path("lists/<int:list_id>/move/", list_views.ListMoveView.as_view(), name="list-move"),
    path("boards/<int:board_id>/labels/", list_views.LabelListView.as_view(), name="board-labels"),
    path("labels/<int:label_id>/", list_views.LabelDetailView.as_view(), name="label"),
]

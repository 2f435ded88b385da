"""Mounted at the root of /api/v1/ (taskboard/api/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("boards/", views.BoardListView.as_view(), name="boards"),
    path("boards/<int:board_id>/", views.BoardDetailView.as_view(), name="board"),
    path("boards/<int:board_id>/transfer/", views.BoardTransferView.as_view(), name="board-transfer"),
    path("boards/<int:board_id>/stats/", views.BoardStatsView.as_view(), name="board-stats"),
    path("boards/<int:board_id>/members/", views.MemberListView.as_view(), name="board-members"),
    path(
        "boards/<int:board_id>/members/<int:user_id>/",
        views.MemberDetailView.as_view(),
        name="board-member",
    ),
    path("boards/<int:board_id>/invitations/", views.InvitationListView.as_view(), name="board-invitations"),
    path(
        "boards/<int:board_id>/invitations/<int:invitation_id>/",
        views.InvitationDetailView.as_view(),
        name="board-invitation",
    ),
    path("invitations/<str:token>/accept/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("boards/<int:board_id>/lists/", views.ListCreateView.as_view(), name="board-lists"),
    path("lists/<int:list_id>/", views.ListDetailView.as_view(), name="list"),
    path("lists/<int:list_id>/move/", views.ListMoveView.as_view(), name="list-move"),
    path("boards/<int:board_id>/labels/", views.LabelListView.as_view(), name="board-labels"),
    path("labels/<int:label_id>/", views.LabelDetailView.as_view(), name="label"),
]

"""Everything stored about a board, for "nothing changed" assertions after a refusal."""

from typing import Any

from activity.models import Activity, Notification
from boards.models import Board, BoardList, Invitation, Label, Membership
from tasks.models import Comment, Task, TaskAssignee, TaskLabel


def board_snapshot(board_id: int) -> dict[str, list[Any]]:
    return {
        "board": list(Board.objects.filter(pk=board_id).values()),
        "memberships": list(Membership.objects.filter(board_id=board_id).order_by("id").values()),
        "invitations": list(Invitation.objects.filter(board_id=board_id).order_by("id").values()),
        "lists": list(BoardList.objects.filter(board_id=board_id).order_by("id").values()),
        "labels": list(Label.objects.filter(board_id=board_id).order_by("id").values()),
        "tasks": list(Task.objects.filter(board_id=board_id).order_by("id").values()),
        "assignees": list(TaskAssignee.objects.filter(task__board_id=board_id).order_by("id").values()),
        "task_labels": list(TaskLabel.objects.filter(task__board_id=board_id).order_by("id").values()),
        "comments": list(Comment.objects.filter(task__board_id=board_id).order_by("id").values()),
        "activities": list(Activity.objects.filter(board_id=board_id).order_by("id").values()),
        "notifications": list(Notification.objects.filter(board_id=board_id).order_by("id").values()),
    }

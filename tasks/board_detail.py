"""The board read (GET boards/{id}/): the board with its lists, each with its tasks in
order, its labels and its members. It spans boards and tasks, so it lives here, in the
higher app (docs/design.md); tasks.board_cache serves it as cached JSON bytes.
"""

import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from boards.models import Board, BoardList, Label, Membership
from boards.representations import FormattedDateTime, board_representation
from taskboard.db.compiled import CompiledRead
from tasks.models import Task, TaskAssignee, TaskLabel
from tasks.representations import task_row_columns, task_row_representation


@dataclass(frozen=True)
class BoardDetailReads:
    lists: CompiledRead
    labels: CompiledRead
    assignees: CompiledRead
    task_labels: CompiledRead
    tasks: CompiledRead
    members: CompiledRead


@functools.cache
def board_detail_reads() -> BoardDetailReads:
    assignment, labelling = TaskAssignee, TaskLabel
    return BoardDetailReads(
        lists=CompiledRead(
            BoardList,
            lambda board_id: (
                BoardList.objects.filter(board_id=board_id)
                .order_by("position", "id")
                .values_list("id", "board_id", "title", "position", "wip_limit")
            ),
        ),
        labels=CompiledRead(
            Label,
            lambda board_id: (
                Label.objects.filter(board_id=board_id)
                .order_by("name", "id")
                .values_list("id", "name", "color")
            ),
        ),
        assignees=CompiledRead(
            assignment,
            lambda board_id: (
                assignment.objects.filter(board_id=board_id)
                .order_by("user_id")
                .values_list("task_id", "user_id", "user__name")
            ),
        ),
        task_labels=CompiledRead(
            labelling,
            lambda board_id: (
                labelling.objects.filter(board_id=board_id)
                .order_by("label_id")
                .values_list("task_id", "label_id")
            ),
        ),
        tasks=CompiledRead(
            Task,
            lambda board_id: (
                Task.objects.filter(board_id=board_id)
                .order_by("position", "id")
                .values_list(*task_row_columns())
            ),
        ),
        members=CompiledRead(
            Membership,
            lambda board_id: (
                Membership.objects.filter(board_id=board_id)
                .order_by("joined_at", "id")
                .values_list("role", FormattedDateTime("joined_at"), "user_id", "user__email", "user__name")
            ),
        ),
    )


def board_detail(*, board: Board) -> dict[str, Any]:
    """The board as GET boards/{id}/ shows it: its fields, `lists` in order each with its
    `tasks` in order, `labels` and `members`.

    The hot read: six queries whatever the size of the board, compiled once (CompiledRead),
    rows as tuples and no model instances, timestamps formatted by the database, one dict
    per label and per assignee shared by all their tasks, so it stays fast for thousands
    of tasks. The board row is the caller's (read before these), so the content is never
    older than the version it carries, which makes the result safe to cache under that
    version.
    """
    reads = board_detail_reads()
    lists = [
        {"id": pk, "board_id": board_id, "title": title, "position": position, "wip_limit": wip_limit}
        for pk, board_id, title, position, wip_limit in reads.lists.rows(board.pk)
    ]
    labels = [{"id": pk, "name": name, "color": color} for pk, name, color in reads.labels.rows(board.pk)]
    labels_by_id = {label["id"]: label for label in labels}

    people: dict[int, dict[str, Any]] = {}
    assignees_by_task: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for task_id, user_id, name in reads.assignees.rows(board.pk):
        person = people.get(user_id)
        if person is None:
            person = people[user_id] = {"id": user_id, "name": name}
        assignees_by_task[task_id].append(person)
    labels_by_task: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for task_id, label_id in reads.task_labels.rows(board.pk):
        labels_by_task[task_id].append(labels_by_id[label_id])

    tasks_by_list: dict[int, list[dict[str, Any]]] = {board_list["id"]: [] for board_list in lists}
    for row in reads.tasks.rows(board.pk):
        bucket = tasks_by_list.get(row[2])
        if bucket is not None:
            task_id = row[0]
            bucket.append(
                task_row_representation(
                    row,
                    assignees=assignees_by_task.get(task_id, []),
                    labels=labels_by_task.get(task_id, []),
                )
            )

    members = [
        {"user": {"id": user_id, "email": email, "name": name}, "role": role, "joined_at": joined_at}
        for role, joined_at, user_id, email, name in reads.members.rows(board.pk)
    ]
    return {
        **board_representation(board),
        "member_count": len(members),
        "lists": [{**board_list, "tasks": tasks_by_list[board_list["id"]]} for board_list in lists],
        "labels": labels,
        "members": members,
    }

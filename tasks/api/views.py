"""Tasks and comments (docs/api.md "Tasks, comments"), as thin views: authorize (404 for
non-members, then 403 by role) -> preconditions (If-Match: 412) -> validate (400) ->
service -> the representation. The writes to a task and its comments leave authorizing
and If-Match to the service, which checks them as it locks the board: the view reads
nothing before, and runs its own checks only for a body it refuses, so that their answers
still come first (validated_for_write()). Comments too: whether the caller is the
comment's author (who decides which role is needed) is read under the lock."""

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.request_user import request_user
from boards import permissions
from boards.api.views import BOARD_ID, board_for
from boards.permissions import Action, role_of
from taskboard.api.errors import PreconditionFailed
from taskboard.api.requests import IfMatch, validated_for_write
from taskboard.api.schema import (
    BOARD_ERRORS,
    CONFLICT,
    FIELDS_CHANGED,
    INVALID,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    PAGE_NOT_FOUND,
)
from tasks import selectors, services, watches
from tasks.models import Comment, Task
from tasks.representations import comment_representation

from .filters import TASK_FILTER_PARAMETERS, TaskFilterSet
from .serializers import (
    CommentInputSerializer,
    CommentOutputSerializer,
    TaskCreateInputSerializer,
    TaskMoveInputSerializer,
    TaskOutputSerializer,
    TaskUpdateInputSerializer,
    TaskWatchOutputSerializer,
)

TASK_ID = OpenApiParameter("task_id", OpenApiTypes.INT, OpenApiParameter.PATH)
COMMENT_ID = OpenApiParameter("comment_id", OpenApiTypes.INT, OpenApiParameter.PATH)
TASK_ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description='"<task version>", for If-Match on PATCH.',
)


def task_for(request: Request, task_id: int, action: Action) -> Task:
    """The task's row when the caller may do `action` on it. A write's service reads the
    task again under the board's lock; written_response() makes the answer."""
    task = selectors.task_row_get_for_user(user=request_user(request), task_id=task_id)
    permissions.require(role_of(task), action, not_found=Task.DoesNotExist)
    return task


def _authorize_comment(request: Request, task_id: int) -> None:
    task = selectors.task_row_get_for_user(user=request_user(request), task_id=task_id)
    board = selectors.comment_settings(role=role_of(task), task_id=task.pk)
    permissions.require(role_of(task), Action.COMMENT_CREATE, not_found=Task.DoesNotExist, board=board)


def task_response(task: Task, *, status_code: int = 200) -> Response:
    """The task as it is now, with its ETag, read."""
    return _task_answer(selectors.task_detail(task_id=task.pk), status_code=status_code)


def written_response(written: services.WrittenTask, *, status_code: int = 200) -> Response:
    """The task as the request's write recorded it (read when the write changed nothing),
    with its ETag."""
    data = written.representation or selectors.task_detail(task_id=written.task.pk)
    return _task_answer(data, status_code=status_code)


def _task_answer(data: dict[str, Any], *, status_code: int) -> Response:
    response = Response(data, status=status_code)
    response["ETag"] = f'"{data["version"]}"'
    return response


# --- tasks ------------------------------------------------------------------------------


class BoardTaskListView(GenericAPIView):
    @extend_schema(
        tags=["tasks"],
        summary="A board's tasks, filtered",
        description="`q` searches the title and description; a parameter with a bad value is a 400.",
        parameters=[BOARD_ID, *TASK_FILTER_PARAMETERS],
        responses={
            200: TaskOutputSerializer(many=True),
            400: INVALID,
            401: NOT_AUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, board_id: int) -> Response:
        board = board_for(request, board_id, Action.BOARD_VIEW)
        tasks = TaskFilterSet(request.query_params, user=request_user(request), board=board).tasks()
        page = self.paginate_queryset(selectors.task_rows(tasks))
        assert page is not None
        return self.get_paginated_response(selectors.task_row_representations(page))

    @extend_schema(
        tags=["tasks"],
        summary="Add a task (member+)",
        description=(
            "Appended last in its list. Assignees are notified, and so are members mentioned as "
            "`@<email>` in the description. "
            "Business rule: `list_id` must be a list of the task's board, `assignee_ids` its "
            "members and `label_ids` its labels; anything else is a 400 on that field. "
            "*(added: issue 13)* A list at its WIP limit refuses it: 409 `conflict` with "
            '`reason` "wip_limit", as a move into it. '
            "Business rule: `due_at` is from 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z, both "
            "included; outside, a 400 on `due_at` (added: issue 13)."
        ),
        parameters=[BOARD_ID, TASK_ETAG_HEADER],
        request=TaskCreateInputSerializer,
        responses={201: TaskOutputSerializer, 400: INVALID, **BOARD_ERRORS, 409: CONFLICT},
    )
    def post(self, request: Request, board_id: int) -> Response:
        data = validated_for_write(
            TaskCreateInputSerializer,
            request,
            authorize=lambda: board_for(request, board_id, Action.TASK_CHANGE),
        )
        # The service checks the caller's role (404, 403) as it locks the board.
        written = services.task_create_written(board=board_id, actor=request_user(request), **data)
        response = written_response(written, status_code=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:task", kwargs={"task_id": written.task.pk})
        return response


class MyTaskListView(GenericAPIView):
    @extend_schema(
        tags=["tasks"],
        summary="Tasks across all the caller's boards",
        description="The same filters as a board's task list; `assignee=me` gives the caller's own tasks.",
        parameters=TASK_FILTER_PARAMETERS,
        responses={
            200: TaskOutputSerializer(many=True),
            400: INVALID,
            401: NOT_AUTHENTICATED,
            404: PAGE_NOT_FOUND,
        },
    )
    def get(self, request: Request) -> Response:
        tasks = TaskFilterSet(request.query_params, user=request_user(request)).tasks()
        page = self.paginate_queryset(selectors.task_rows(tasks))
        assert page is not None
        return self.get_paginated_response(selectors.task_row_representations(page))


class TaskDetailView(APIView):
    @extend_schema(
        tags=["tasks"],
        summary="A task",
        parameters=[TASK_ID, TASK_ETAG_HEADER],
        responses={200: TaskOutputSerializer, 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, task_id: int) -> Response:
        return task_response(task_for(request, task_id, Action.BOARD_VIEW))

    @extend_schema(
        tags=["tasks"],
        summary="Change a task (member+)",
        description=(
            "Any of the fields; absent ones stay. A new `list_id` appends the task to that list "
            "(409 when it is at its WIP limit); `completed` completes or reopens it; "
            "`assignee_ids` and `label_ids` replace the task's. With "
            '`If-Match: "<version>"` the change is made only if the task is still at that '
            "version, else 412 (checked before the body: a stale version is a 412 whatever "
            "was sent). *(added: issue 13)* With `base` (the values the edit is based "
            "on, by field) the edit is merged by field: fields sent with their base value are "
            "left as they are now; a field changed here whose current value is neither its "
            "base nor the value sent is a 412 whose `fields` name the conflicting fields and "
            "whose `current` holds their current values; nothing is written then. "
            "Business rule: `list_id` must be a list of the task's board, `assignee_ids` its "
            "members and `label_ids` its labels; anything else is a 400 on that field. "
            "Business rule: `due_at` is from 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z, both "
            "included; outside, a 400 on `due_at` (added: issue 13)."
        ),
        parameters=[
            TASK_ID,
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description='"<task version>" as last read: 412 when the task has changed since.',
            ),
            TASK_ETAG_HEADER,
        ],
        request=TaskUpdateInputSerializer,
        responses={
            200: TaskOutputSerializer,
            400: INVALID,
            **BOARD_ERRORS,
            409: CONFLICT,
            412: FIELDS_CHANGED,
        },
    )
    def patch(self, request: Request, task_id: int) -> Response:
        if_match = IfMatch(request.headers)

        def authorize() -> None:
            task = task_for(request, task_id, Action.TASK_CHANGE)
            # Before the body: a stale client learns that first, whatever it sent.
            if not if_match.matches(task.version):
                raise PreconditionFailed(services.stale_task_message(task.version))

        data = validated_for_write(TaskUpdateInputSerializer, request, authorize=authorize)
        base = data.pop("base", None)
        # The service checks the role (404, 403), then If-Match and `base` (412), as it
        # locks the board.
        written = services.task_update_written(
            task=task_id,
            actor=request_user(request),
            expected_versions=if_match.versions,
            base=None if base is None else dict(base),
            **data,
        )
        return written_response(written)

    @extend_schema(
        tags=["tasks"],
        summary="Delete a task with its comments (member+)",
        parameters=[TASK_ID],
        responses={204: None, **BOARD_ERRORS},
    )
    def delete(self, request: Request, task_id: int) -> Response:
        # The service checks the caller's role (404, 403) as it locks the task's board.
        services.task_delete(task=task_id, actor=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskMoveView(APIView):
    @extend_schema(
        tags=["tasks"],
        summary="Move a task (member+)",
        description=(
            "To 0-based `index` in the list `list_id` of the same board; the other tasks keep "
            "their order. Moving into another list that is at its WIP limit is a 409. Business "
            "rule: a `list_id` of another board (or none) is a 400 on `list_id`."
        ),
        parameters=[TASK_ID, TASK_ETAG_HEADER],
        request=TaskMoveInputSerializer,
        responses={200: TaskOutputSerializer, 400: INVALID, **BOARD_ERRORS, 409: CONFLICT},
    )
    def post(self, request: Request, task_id: int) -> Response:
        data = validated_for_write(
            TaskMoveInputSerializer,
            request,
            authorize=lambda: task_for(request, task_id, Action.TASK_CHANGE),
        )
        # The service checks the caller's role (404, 403) as it locks the task's board.
        written = services.task_move_written(
            task=task_id, actor=request_user(request), to_list_id=data["list_id"], index=data["index"]
        )
        return written_response(written)


class TaskWatchView(APIView):
    """The caller's watch on a task (tasks.watches): per user, so not in the task's
    representation, which is shared by everybody who reads the board."""

    @extend_schema(
        tags=["tasks"],
        summary="Whether the caller watches a task",
        description="Any member, viewers included. *(added: issue 13)*",
        parameters=[TASK_ID],
        responses={200: TaskWatchOutputSerializer, 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, task_id: int) -> Response:
        task = task_for(request, task_id, Action.BOARD_VIEW)
        return Response({"watching": watches.task_watching(task=task, user=request_user(request))})

    @extend_schema(
        tags=["tasks"],
        summary="Watch a task",
        description=(
            "Any member, viewers included: the caller is notified (`watched_comment`, "
            "`watched_move`, `watched_due`) of others' comments on the task, its moves to "
            "another list and changes of its due date. Idempotent. *(added: issue 13)*"
        ),
        parameters=[TASK_ID],
        request=None,
        responses={204: None, 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def put(self, request: Request, task_id: int) -> Response:
        watches.task_watch(task=task_id, user=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=["tasks"],
        summary="Stop watching a task",
        description="Idempotent. *(added: issue 13)*",
        parameters=[TASK_ID],
        responses={204: None, 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def delete(self, request: Request, task_id: int) -> Response:
        watches.task_unwatch(task=task_id, user=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- comments ---------------------------------------------------------------------------


class CommentListView(GenericAPIView):
    @extend_schema(
        tags=["comments"],
        summary="A task's comments",
        description="Oldest first.",
        parameters=[TASK_ID],
        responses={200: CommentOutputSerializer(many=True), 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, task_id: int) -> Response:
        task = task_for(request, task_id, Action.BOARD_VIEW)
        page = self.paginate_queryset(selectors.comment_list(task=task))
        assert page is not None
        return self.get_paginated_response([comment_representation(comment) for comment in page])

    @extend_schema(
        tags=["comments"],
        summary="Comment on a task (member+; viewers too where the board lets them)",
        description=(
            "Markdown; `body_html` is its sanitized HTML. Members mentioned as `@<email>` (in any "
            'case) are notified, and read as `<span class="mention">@Their Name</span>` in `body_html`; '
            "any other `@…` is plain text."
        ),
        parameters=[TASK_ID],
        request=CommentInputSerializer,
        responses={201: CommentOutputSerializer, 400: INVALID, **BOARD_ERRORS},
    )
    def post(self, request: Request, task_id: int) -> Response:
        data = validated_for_write(
            CommentInputSerializer,
            request,
            authorize=lambda: _authorize_comment(request, task_id),
        )
        # The service checks the caller's role (404, 403) as it locks the task's board.
        comment = services.comment_create(task=task_id, actor=request_user(request), body=data["body"])
        return Response(comment_representation(comment), status=status.HTTP_201_CREATED)


def comment_for_change(request: Request, comment_id: int) -> Comment:
    """The comment when the caller may edit or delete it: its author (member+, or a
    viewer where viewers may comment) or admin+."""
    user = request_user(request)
    comment = selectors.comment_get_for_user(user=user, comment_id=comment_id)
    own = comment.author_id is not None and comment.author_id == user.pk
    permissions.require(
        role_of(comment),
        Action.COMMENT_CHANGE_OWN if own else Action.COMMENT_MODERATE,
        not_found=Comment.DoesNotExist,
        board=selectors.comment_settings(role=role_of(comment), task_id=comment.task_id) if own else None,
    )
    return comment


class CommentDetailView(APIView):
    @extend_schema(
        tags=["comments"],
        summary="Edit a comment (its author, or admin+)",
        description="Members newly mentioned are notified.",
        parameters=[COMMENT_ID],
        request=CommentInputSerializer,
        responses={200: CommentOutputSerializer, 400: INVALID, **BOARD_ERRORS},
    )
    def patch(self, request: Request, comment_id: int) -> Response:
        data = validated_for_write(
            CommentInputSerializer, request, authorize=lambda: comment_for_change(request, comment_id)
        )
        # The service checks the caller's right to change it as it locks the board.
        comment = services.comment_update(comment=comment_id, actor=request_user(request), body=data["body"])
        return Response(comment_representation(comment))

    @extend_schema(
        tags=["comments"],
        summary="Delete a comment (its author, or admin+)",
        parameters=[COMMENT_ID],
        responses={204: None, **BOARD_ERRORS},
    )
    def delete(self, request: Request, comment_id: int) -> Response:
        services.comment_delete(comment=comment_id, actor=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

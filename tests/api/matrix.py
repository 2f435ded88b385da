"""The permission matrix (docs/design.md rule 8): every endpoint x {anonymous, non-member,
viewer, member, admin, owner}, with the status each must get and, after every refusal,
nothing changed.

Each app's test_permissions.py lists its endpoints as `Endpoint`s; `check()` runs one
endpoint for one caller on a fresh `World`.
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accounts.models import User
from accounts.tests.factories import UserFactory
from activity.models import Notification
from activity.tests.factories import NotificationFactory
from boards.models import Board, BoardList, Invitation, Label, Role
from boards.tests.factories import (
    BoardListFactory,
    BoardWithRoles,
    InvitationFactory,
    LabelFactory,
    MembershipFactory,
    board_with_roles,
)
from boards.tests.snapshots import board_snapshot
from tasks.models import Comment, Task, Watch
from tasks.tests.factories import CommentFactory, TaskFactory

from .http import Api

CALLERS = ["anonymous", "outsider", "viewer", "member", "admin", "owner"]
ROLES = ["viewer", "member", "admin", "owner"]


@dataclass
class World:
    """A board with one user per role and one of everything on it."""

    roles: BoardWithRoles
    board_list: BoardList
    other_list: BoardList
    label: Label
    task: Task
    member_comment: Comment
    admin_comment: Comment
    invitation: Invitation
    # The secret of the invitation's link (the database keeps only its hash).
    invitation_token: str
    # A plain member that admin actions (role change, removal) are aimed at.
    target: User
    # A user with an account who is not on the board (to be added).
    newcomer: User

    @property
    def board_id(self) -> int:
        return self.roles.board.pk

    def caller(self, name: str) -> User | None:
        return None if name == "anonymous" else self.roles.user(name)


def make_world() -> World:
    roles = board_with_roles()
    token = secrets.token_urlsafe(16)
    board = roles.board
    board_list = BoardListFactory.create(board=board, title="Doing")
    task = TaskFactory.create(list=board_list, created_by=roles.member)
    world = World(
        roles=roles,
        board_list=board_list,
        other_list=BoardListFactory.create(board=board, title="Done"),
        label=LabelFactory.create(board=board, name="bug"),
        task=task,
        member_comment=CommentFactory.create(task=task, author=roles.member),
        admin_comment=CommentFactory.create(task=task, author=roles.admin),
        invitation=InvitationFactory.create(
            board=board,
            invited_by=roles.owner,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
        ),
        invitation_token=token,
        target=MembershipFactory.create(board=board, role=Role.MEMBER).user,
        newcomer=UserFactory.create(),
    )
    # The factories write rows directly: keep the task's counter true to its comments.
    Task.objects.filter(pk=task.pk).update(comment_count=2)
    # Every caller has a notification of their own on the board.
    for user in (roles.outsider, roles.viewer, roles.member, roles.admin, roles.owner):
        NotificationFactory.create(user=user, board=board)
    return world


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[World], str]
    # The callers who may do it ("outsider" included for endpoints any user may call).
    allowed: frozenset[str]
    success: int
    body: Callable[[World], Any] | None = None
    name: str = field(default="")
    # Run on the fresh World before the request (e.g. a board setting the case needs).
    prepare: Callable[[World], None] | None = None

    def __str__(self) -> str:
        return self.name


def endpoint(
    method: str,
    path: str,
    *,
    minimum: str | None = None,
    allowed: set[str] | None = None,
    success: int = 200,
    body: Callable[[World], Any] | None = None,
    prepare: Callable[[World], None] | None = None,
    case: str = "",
) -> Endpoint:
    """`path` is formatted with the World (`{w.board_id}`); `minimum` is the lowest role
    allowed, or "outsider" for any authenticated caller. `prepare` sets the World up for
    the case `case` names (shown in the test id)."""
    if minimum == "outsider":
        who = {"outsider", *ROLES}
    elif minimum is not None:
        who = set(ROLES[ROLES.index(minimum) :])
    else:
        assert allowed is not None
        who = allowed
    return Endpoint(
        method=method,
        path=lambda w, path=path: path.format(w=w),  # type: ignore[misc]
        allowed=frozenset(who),
        success=success,
        body=body,
        name=f"{method} {path}" + (f" ({case})" if case else ""),
        prepare=prepare,
    )


def expected_status(endpoint: Endpoint, caller: str) -> int:
    if caller == "anonymous":
        return 401
    if caller in endpoint.allowed:
        return endpoint.success
    # A non-member must not learn that the board (or anything on it) exists.
    return 404 if caller == "outsider" else 403


ERROR_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}


def everything(world: World) -> dict[str, Any]:
    return {
        "board": board_snapshot(world.board_id),
        "notifications": list(Notification.objects.order_by("id").values()),
        "watches": list(Watch.objects.order_by("id").values("task_id", "user_id")),
        "users": sorted(User.objects.values_list("id", flat=True)),
    }


def viewers_may_comment(world: World) -> None:
    """The board setting that lets viewers comment (off by default)."""
    Board.objects.filter(pk=world.board_id).update(viewers_can_comment=True)


def check(endpoint: Endpoint, caller: str) -> None:
    world = make_world()
    if endpoint.prepare is not None:
        endpoint.prepare(world)
    api = Api(world.caller(caller))
    before = everything(world)

    response = api.request(
        endpoint.method, endpoint.path(world), endpoint.body(world) if endpoint.body else None
    )

    expected = expected_status(endpoint, caller)
    assert response.status_code == expected, (caller, response.status_code, response.content[:300])
    if expected >= 400:
        assert response.json()["error"]["code"] == ERROR_CODES[expected]
        assert everything(world) == before
    elif endpoint.method == "GET":
        # Reads never write.
        assert everything(world) == before

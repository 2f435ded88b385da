"""Boards and what is on them, for tests of every app.

Factories write rows directly (for the "given" part of a test); what a test exercises goes
through the services. `board_with_roles()` gives a board with one user per role.
"""

from dataclasses import dataclass

import factory

from accounts.models import User
from accounts.tests.factories import UserFactory
from boards.models import Board, BoardList, Invitation, Label, Membership, Role
from writes.ordering import POSITION_STEP


class BoardFactory(factory.django.DjangoModelFactory[Board]):
    """A board; its `created_by` is made its owner."""

    class Meta:
        model = Board
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Board {n}")
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def owner_membership(board: Board, create: bool, extracted: object, **kwargs: object) -> None:
        if create and board.created_by is not None:
            Membership.objects.create(board=board, user=board.created_by, role=Role.OWNER)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    board = factory.SubFactory(BoardFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class BoardListFactory(factory.django.DjangoModelFactory[BoardList]):
    class Meta:
        model = BoardList

    board = factory.SubFactory(BoardFactory)
    title = factory.Sequence(lambda n: f"List {n}")
    position = factory.Sequence(lambda n: (n + 1) * POSITION_STEP)


class LabelFactory(factory.django.DjangoModelFactory[Label]):
    class Meta:
        model = Label

    board = factory.SubFactory(BoardFactory)
    name = factory.Sequence(lambda n: f"label-{n}")
    color = "#3366ff"


class InvitationFactory(factory.django.DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    board = factory.SubFactory(BoardFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.MEMBER
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


@dataclass
class BoardWithRoles:
    board: Board
    owner: User
    admin: User
    member: User
    viewer: User
    outsider: User

    def user(self, role: str) -> User:
        """The user for a role name, or the outsider for "outsider"."""
        return getattr(self, role)


def board_with_roles(**board_fields: object) -> BoardWithRoles:
    board = BoardFactory.create(**board_fields)
    users = {
        role: MembershipFactory.create(board=board, role=role).user for role in ("admin", "member", "viewer")
    }
    assert board.created_by is not None
    return BoardWithRoles(board=board, owner=board.created_by, outsider=UserFactory.create(), **users)

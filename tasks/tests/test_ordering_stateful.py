"""Positions stay consistent under any sequence of creates, moves and deletes.

A hypothesis state machine applies random operations through the services and compares the
order the board read shows with a plain Python model of lists of ids. It runs three times:
with the real position step; with a step of 1, where there are no gaps at all and every
move into the middle renumbers (the rare path, made the usual one); and with a step of 2
and renumbering windows of one row each side, so that renumbering spreads windows between
neighbours that stay (the lists here are too short for the real window to be less than the
whole list).
"""

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.tests.factories import UserFactory
from boards import services as board_services
from tasks import services as task_services
from tasks.board_detail import board_detail
from tasks.models import Task
from writes import ordering

INDEXES = st.integers(min_value=0, max_value=8)


class BoardOrdering(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.actor = UserFactory.create()
        self.board = board_services.board_create(actor=self.actor, title="Ordering", list_titles=[])
        # The model: list ids in board order, and each list's task ids in order.
        self.lists: list[int] = []
        self.tasks: dict[int, list[int]] = {}
        self.counter = 0

    def _title(self) -> str:
        self.counter += 1
        return f"#{self.counter}"

    def _all_tasks(self) -> list[int]:
        return [task for tasks in self.tasks.values() for task in tasks]

    @rule()
    def create_list(self) -> None:
        board_list = board_services.list_create(board_id=self.board.pk, actor=self.actor, title=self._title())
        self.lists.append(board_list.pk)
        self.tasks[board_list.pk] = []

    @precondition(lambda self: self.lists)
    @rule(data=st.data(), index=INDEXES)
    def move_list(self, data: Any, index: int) -> None:
        list_id = data.draw(st.sampled_from(self.lists))
        board_services.list_move(list_id=list_id, actor=self.actor, index=index)
        self.lists.remove(list_id)
        self.lists.insert(min(index, len(self.lists)), list_id)

    @precondition(lambda self: self.lists)
    @rule(data=st.data())
    def delete_list(self, data: Any) -> None:
        list_id = data.draw(st.sampled_from(self.lists))
        board_services.list_delete(list_id=list_id, actor=self.actor)
        self.lists.remove(list_id)
        del self.tasks[list_id]

    @precondition(lambda self: self.lists)
    @rule(data=st.data())
    def create_task(self, data: Any) -> None:
        list_id = data.draw(st.sampled_from(self.lists))
        task = task_services.task_create(
            board=self.board, actor=self.actor, list_id=list_id, title=self._title()
        )
        self.tasks[list_id].append(task.pk)

    @precondition(lambda self: any(self.tasks.values()))
    @rule(data=st.data(), index=INDEXES)
    def move_task(self, data: Any, index: int) -> None:
        task_id = data.draw(st.sampled_from(self._all_tasks()))
        to_list = data.draw(st.sampled_from(self.lists))
        task_services.task_move(
            task=Task.objects.get(pk=task_id), actor=self.actor, to_list_id=to_list, index=index
        )
        for tasks in self.tasks.values():
            if task_id in tasks:
                tasks.remove(task_id)
        target = self.tasks[to_list]
        target.insert(min(index, len(target)), task_id)

    @precondition(lambda self: any(self.tasks.values()))
    @rule(data=st.data())
    def delete_task(self, data: Any) -> None:
        task_id = data.draw(st.sampled_from(self._all_tasks()))
        task_services.task_delete(task=Task.objects.get(pk=task_id), actor=self.actor)
        for tasks in self.tasks.values():
            if task_id in tasks:
                tasks.remove(task_id)

    @invariant()
    def the_board_shows_the_models_order(self) -> None:
        self.board.refresh_from_db()
        detail = board_detail(board=self.board)
        assert [board_list["id"] for board_list in detail["lists"]] == self.lists
        for board_list in detail["lists"]:
            assert [task["id"] for task in board_list["tasks"]] == self.tasks[board_list["id"]]
            positions = [task["position"] for task in board_list["tasks"]]
            assert positions == sorted(set(positions))
        list_positions = [board_list["position"] for board_list in detail["lists"]]
        assert list_positions == sorted(set(list_positions))


@pytest.mark.django_db
@pytest.mark.parametrize(("step", "window"), [(None, None), (1, None), (2, 1)])
def test_positions_follow_a_plain_list_model(
    step: int | None, window: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    renumbered: list[int] = []
    real_renumber = ordering._renumber

    def counting_renumber(siblings: Any, index: int) -> ordering.Placement:
        renumbered.append(index)
        return real_renumber(siblings, index)

    monkeypatch.setattr(ordering, "_renumber", counting_renumber)
    if step is not None:
        monkeypatch.setattr(ordering, "POSITION_STEP", step)
    if window is not None:
        monkeypatch.setattr(ordering, "RENUMBER_WINDOW", window)

    run_state_machine_as_test(
        BoardOrdering,
        settings=settings(
            max_examples=40 if window is None else 120,
            stateful_step_count=30,
            deadline=None,
            # A step of 2 leaves one midpoint per gap: whether 40 random examples ever use
            # one up is chance (in one run of three they didn't). The same 120 examples
            # every run (they renumber windows between neighbours, at the top and at the
            # end of a list) make the assertion below hold or fail for good.
            derandomize=window is not None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )

    if step is not None:
        assert renumbered, "the renumbering path was never taken"

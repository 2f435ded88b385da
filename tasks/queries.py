"""The task queries' one instance, over the tasks app's models (taskboard/db/task_queries.py
is generic: taskboard imports no app)."""

from typing import TypeAlias

from accounts.models import User
from boards.models import BoardList, Label, Membership
from taskboard.db import task_queries
from taskboard.db.task_queries import Rows, SiblingsWindow, TaskQueries

from .models import SEARCH_CONFIG, Task, TaskAssignee, TaskLabel, task_search_vector

__all__ = ["TASK_QUERIES", "FreshTask", "ListForWrite", "Rows", "SiblingsWindow"]

# What the queries return, for these models.
FreshTask: TypeAlias = task_queries.FreshTask[Task]
ListForWrite: TypeAlias = task_queries.ListForWrite[BoardList]

TASK_QUERIES: TaskQueries[Task, BoardList] = TaskQueries(
    task=Task,
    board_list=BoardList,
    label=Label,
    membership=Membership,
    user=User,
    assignment=TaskAssignee,
    labelling=TaskLabel,
    search_config=SEARCH_CONFIG,
    search_vector=task_search_vector,
)

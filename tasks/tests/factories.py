"""Tasks and comments for tests of every app."""

import factory

from accounts.tests.factories import UserFactory
from boards.ordering import POSITION_STEP
from boards.tests.factories import BoardListFactory
from tasks.markdown_rendering import render_markdown
from tasks.models import Comment, Task


class TaskFactory(factory.django.DjangoModelFactory[Task]):
    class Meta:
        model = Task

    list = factory.SubFactory(BoardListFactory)
    board = factory.SelfAttribute("list.board")
    title = factory.Sequence(lambda n: f"Task {n}")
    position = factory.Sequence(lambda n: (n + 1) * POSITION_STEP)
    created_by = factory.SubFactory(UserFactory)


class CommentFactory(factory.django.DjangoModelFactory[Comment]):
    class Meta:
        model = Comment

    task = factory.SubFactory(TaskFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment {n}")
    body_html = factory.LazyAttribute(lambda comment: render_markdown(comment.body))

"""Mentions in descriptions and comments: `@<email>` of a board member notifies that member.

The stored text keeps the email form (`@erin@example.com`), the reference the API has always
accepted: it needs no migration, survives a change of name, and shows no member anything they
can't already see (every member, viewers included, sees the members' addresses on the
members page and in GET boards/{id}/members/). The pages help write it (static/js/mentions.js
offers the members as `@` is typed) and the rendered HTML shows the member's name
(tasks.mention_highlighting). An address of someone who isn't a member is just text.
"""

import re

from accounts.models import User
from boards.models import Board

# "@" right after a word character is part of an address (bob@example.com), not a mention.
MENTION_RE = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")


def mentioned_emails(text: str) -> set[str]:
    """The lower-cased addresses mentioned in `text`."""
    return {match.lower().rstrip(".") for match in MENTION_RE.findall(text)}


def mentioned_members(*, board: Board, text: str) -> dict[str, User]:
    """The members of `board` mentioned in `text`, by lower-cased address: one query, none
    when the text mentions nobody. Addresses are stored lower-cased (accounts.models), so
    `@Erin@Example.com` is Erin."""
    emails = mentioned_emails(text)
    if not emails:
        return {}
    members = User.objects.filter(memberships__board=board, email__in=emails).only("id", "email", "name")
    return {user.email: user for user in members}

"""Mentions in comments: `@<email>` of a board member notifies that member."""

import re

# "@" right after a word character is part of an address (bob@example.com), not a mention.
MENTION_RE = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")


def mentioned_emails(text: str) -> set[str]:
    """The lower-cased addresses mentioned in `text`."""
    return {match.lower().rstrip(".") for match in MENTION_RE.findall(text)}

"""Members' names in place of the `@<email>` mentions of rendered Markdown.

A step after the Markdown renderer, on its sanitized output, so the renderer's allow-list
stays as it is: the `<span class="mention">` added here is built from escaped text only.
nh3's output is well-formed HTML whose attribute values are always double-quoted, with `"`
escaped, so a tag is `<` up to the first `>` outside quotes; everything between tags is text.
Mentions inside code, preformatted text and links stay as written.
"""

import re
from collections.abc import Mapping
from html import escape

from accounts.models import User

from .mentions import MENTION_RE

_TAG = re.compile(r'<(/?)([A-Za-z0-9]+)(?:[^>"]|"[^"]*")*>')
_LEFT_AS_WRITTEN = frozenset({"code", "pre", "a"})


def mention_html(user: User) -> str:
    """How a mention of `user` reads: their name, the address on hover."""
    return f'<span class="mention" title="{escape(user.email)}">@{escape(user.name or user.email)}</span>'


def highlight_mentions(html: str, members: Mapping[str, User]) -> str:
    """`html` (sanitized) with each mention of one of `members` (by lower-cased address)
    replaced by `mention_html`; any other `@<email>` stays text."""
    if not members:
        return html

    def replace(match: "re.Match[str]") -> str:
        user = members.get(match[1].lower().rstrip("."))
        return match[0] if user is None else mention_html(user)

    parts: list[str] = []
    position = 0
    inside = 0  # how many code, pre or a elements are open here
    for tag in _TAG.finditer(html):
        text = html[position : tag.start()]
        parts.append(text if inside else MENTION_RE.sub(replace, text))
        parts.append(tag[0])
        if tag[2].lower() in _LEFT_AS_WRITTEN:
            inside = max(inside - 1, 0) if tag[1] else inside + 1
        position = tag.end()
    tail = html[position:]
    parts.append(tail if inside else MENTION_RE.sub(replace, tail))
    return "".join(parts)

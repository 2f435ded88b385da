"""The members a mention box offers (static/js/mentions.js), as the card's fragment embeds
them: JSON in an attribute (htmx drops the <script> elements it swaps in, data blocks
included), from the member list the card's page has already read."""

import json
from typing import Any

from tasks.templatetags.task_cards import avatar_tone, initials

# Filtered in the browser. Past this many the rest can't be picked from the list (an address
# typed in full still works) and the page stops warning about addresses it doesn't know.
MENTION_MEMBERS_LIMIT = 1000


def mention_members(members: list[dict[str, Any]]) -> str:
    """`members` as boards.selectors.member_list gives them, as the JSON mentions.js reads
    (the template escapes it into the attribute)."""
    return json.dumps(
        {
            "complete": len(members) <= MENTION_MEMBERS_LIMIT,
            "members": [
                {
                    "id": member["user"]["id"],
                    "name": member["user"]["name"],
                    "email": member["user"]["email"],
                    "initials": initials(member["user"]["name"] or member["user"]["email"]),
                    "tone": avatar_tone(member["user"]["id"]),
                }
                for member in members[:MENTION_MEMBERS_LIMIT]
            ],
        }
    )

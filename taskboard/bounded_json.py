"""JSON from clients, with its nesting bounded.

Python's json module recurses once per level of nesting: a body of 100,000 `[` raises
RecursionError (a 500) in the parser, and a document just under the interpreter's limit
parses but then breaks whatever walks it next (validation, the error envelope, a
renderer). No request of this API nests deeper than a few levels, so anything deeper than
MAX_JSON_DEPTH is refused before it is parsed, by a scan that doesn't recurse.
"""

import json
import re
from typing import Any

MAX_JSON_DEPTH = 32

# A string (its brackets don't count) or a bracket.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class TooDeep(ValueError):
    pass


def nesting_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects in `text` nest deeper than `limit` (`text` need not be
    valid JSON: the parser reports what else is wrong with it)."""
    if text.count("[") + text.count("{") <= limit:
        # Too few brackets to nest that deep: most bodies stop here.
        return False
    depth = 0
    for token in _TOKENS.finditer(text):
        char = token.group()[0]
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def loads(text: str, *, max_depth: int = MAX_JSON_DEPTH, **kwargs: Any) -> Any:
    """json.loads() that raises TooDeep (a ValueError) for nesting deeper than `max_depth`."""
    if nesting_exceeds(text, max_depth):
        raise TooDeep(f"JSON nested deeper than {max_depth} levels.")
    return json.loads(text, **kwargs)

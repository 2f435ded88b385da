"""Markdown to safe HTML, for task descriptions and comments.

Rendered once, when the text is written, and before the write locks the board
(tasks/services.py). markdown-it-py parses CommonMark (plus tables and ~~strikethrough~~)
in time linear in the text: the parser Python-Markdown was replaced because `"[" * 20000`
took it close to a minute and `"1. " * 1000` overflowed its recursion (docs/benchmarks.md).
Nesting deeper than MAX_NESTING levels (lists, quotes, emphasis, link labels) is not
parsed further: a deeper list or quote is left out of the HTML (the text keeps it), deeper
inline markup stays plain text.

Raw HTML is passed through the parser, so its output is untrusted: nh3 (ammonia) keeps
only the tags and attributes below, drops scripts, styles and every event handler, allows
only http, https and mailto links, and gives every link rel="noopener noreferrer
nofollow". Images are left out on purpose: a remote image in a comment would tell a third
party who read it, and when.
"""

import logging
from html import escape

import nh3
from markdown_it import MarkdownIt

logger = logging.getLogger(__name__)

# markdown-it's own guard ("Internal protection, recursion limit"; its CommonMark preset's
# value): a list item is two levels, its paragraph one, so lists nest about 9 deep. It also
# bounds the work per "[" (a link label is looked for through up to this many levels).
MAX_NESTING = 20

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "s",
    "code", "pre", "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Removed together with their content, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
LINK_REL = "noopener noreferrer nofollow"


class _Parser(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        # Every link is made, and nh3 alone decides which URLs stay: a javascript: link
        # becomes a link without href, as it did before, not literal Markdown.
        return True


def markdown_parser() -> MarkdownIt:
    """A parser configured as render_markdown's (tests add rules to a copy to count its work)."""
    return _Parser(
        "commonmark",
        # breaks: a single newline is a line break, as the nl2br extension made it before.
        # xhtmlOut off: <br>, not <br />, as before (nh3 writes HTML either way).
        {"breaks": True, "xhtmlOut": False, "maxNesting": MAX_NESTING},
    ).enable(["table", "strikethrough"])


_parser = markdown_parser()


def render_markdown(text: str) -> str:
    """Safe HTML for Markdown `text` (an empty string for an empty text). Never raises: a
    text the parser fails on comes back as its escaped lines."""
    if not text.strip():
        return ""
    try:
        html = _parser.render(text)
    except Exception as error:  # a parser bug must not turn a user's text into a 500
        # No traceback: formatting one after a RecursionError could overflow again.
        logger.warning(
            "Markdown rendering failed (%s); the text (%d characters) is shown escaped",
            type(error).__name__,
            len(text),
        )
        html = "<p>" + escape(text).replace("\n", "<br>\n") + "</p>"
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()

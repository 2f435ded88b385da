"""Markdown to safe HTML, for task descriptions and comments.

Rendered once, when the text is written, and before the write locks the board
(tasks/services.py). cmark-gfm (GitHub's CommonMark parser, in C, through cmarkgfm) parses
CommonMark plus tables and ~~strikethrough~~ in time linear in the text: Python-Markdown
took close to a minute on `"[" * 20000` and overflowed its recursion on `"1. " * 1000`, and
markdown-it-py, linear but in pure Python, took up to 0.9 s on 20,000 characters
(docs/benchmarks.md).

Raw HTML is passed through the parser, so its output is untrusted: nh3 (ammonia) keeps
only the tags and attributes below, drops scripts, styles and every event handler, allows
only http, https and mailto links, and gives every link rel="noopener noreferrer
nofollow". Images are left out on purpose: a remote image in a comment would tell a third
party who read it, and when.

Rendering costs time linear in the text: html5ever (nh3's HTML parser) takes time
quadratic in how deeply elements nest and re-opens, in every block, each formatting
element left open in a block closed before; cmark-gfm pads every table row with empty
cells to its header's width. So: a line opens at most MAX_NESTING quotes and lists (a
marker past those is escaped, and stays text; a list nested by indentation costs every
line two more spaces a level, 139 levels in 20,000 characters); a text with more than
MAX_RAW_HTML_TAGS tags of raw HTML has its raw HTML left out (an HTML block with the text
in it, an inline tag alone); a text whose tables would hold more than MAX_TABLE_CELLS
cells is rendered without tables (its pipes stay text).
"""

import logging
import re
from html import escape
from itertools import islice

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

logger = logging.getLogger(__name__)

MAX_NESTING = 20
MAX_RAW_HTML_TAGS = 200
MAX_TABLE_CELLS = 10000

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "s",
    "code", "pre", "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Removed together with their content, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
LINK_REL = "noopener noreferrer nofollow"

# A single newline is a line break (as the nl2br extension made it before); ~~two~~
# strikes through, ~one~ stays text ("~5 min" is no strikethrough).
OPTIONS = Options.CMARK_OPT_HARDBREAKS | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
EXTENSIONS = ["table", "strikethrough"]

# A quote or list marker at the start of a line, after those before it.
_MARKER = r"[ \t]*(?:>|(?:[-+*]|[0-9]{1,9}[.)])(?=[ \t\n]|$))"
_TOO_DEEP = re.compile(
    # A thematic break ("- - - -", "* * *") is no list, however long.
    rf"^(?![ \t]*([-*_])(?:[ \t]*\1){{2,}}[ \t]*$)"
    rf"(?P<kept>(?:{_MARKER}){{{MAX_NESTING}}}[ \t]*)"
    r"(?:(?P<sign>>|[-+*](?=[ \t\n]|$))|(?P<number>[0-9]{1,9})(?P<delimiter>[.)])(?=[ \t\n]|$))",
    re.MULTILINE,
)
# Whatever cmark-gfm may take for raw HTML starts so (a tag, a closing tag, a comment, a
# declaration, a processing instruction); counted in the text, code included.
_RAW_HTML_START = re.compile(r"<[A-Za-z/!?]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Might be a table's delimiter row ("|---|:-:|"), in a quote or list item or not.
_DELIMITER_ROW = re.compile(r"[-|:> \t]*")
_DASHES = re.compile("-+")


def _escape_marker(match: "re.Match[str]") -> str:
    if match["sign"] is not None:
        return match["kept"] + "\\" + match["sign"]
    return match["kept"] + match["number"] + "\\" + match["delimiter"]


def _table_cells(text: str) -> int:
    """About as many cells as the rows of cmark-gfm's tables in `text` would hold, or more:
    a row shorter than its table's header is padded with empty cells, so a table's rows
    hold up to its delimiter row's columns times the lines after it, up to a blank line
    (where a table ends at the latest)."""
    cells = 0
    for chunk in _BLANK_LINE.split(text):
        if "|" not in chunk or "-" not in chunk:
            continue
        lines = chunk.rstrip("\n").split("\n")
        for number, line in enumerate(lines, start=1):
            if "|" in line and "-" in line and _DELIMITER_ROW.fullmatch(line):
                cells += len(_DASHES.findall(line)) * (len(lines) - number)
    return cells


def _parse(text: str) -> str:
    # Lines end as cmark-gfm ends them (\r, \n or both), so that _TOO_DEEP sees every line.
    text = _TOO_DEEP.sub(_escape_marker, text.replace("\r\n", "\n").replace("\r", "\n"))
    # A header row 1,000 columns wide over 5,000 one-character rows is 5,000,000 cells.
    extensions = EXTENSIONS if _table_cells(text) <= MAX_TABLE_CELLS else ["strikethrough"]
    # Counted up to one past the budget: no list of a million matches for "<div>" * 10**6.
    if len(list(islice(_RAW_HTML_START.finditer(text), MAX_RAW_HTML_TAGS + 1))) <= MAX_RAW_HTML_TAGS:
        # Raw HTML kept for nh3 to clean, and every link kept with its URL: nh3 alone
        # decides which URLs stay (a javascript: link becomes a link without href).
        return cmarkgfm.markdown_to_html_with_extensions(
            text, options=OPTIONS | Options.CMARK_OPT_UNSAFE, extensions=extensions
        )
    # Raw HTML becomes "<!-- raw HTML omitted -->" (comments nh3 strips), and a link to an
    # unsafe URL gets href="", the only empty href cmark writes without raw HTML: dropped,
    # so that the link comes out as with raw HTML kept.
    html = cmarkgfm.markdown_to_html_with_extensions(text, options=OPTIONS, extensions=extensions)
    return html.replace(' href=""', "")


def render_markdown(text: str) -> str:
    """Safe HTML for Markdown `text` (an empty string for an empty text). Never raises: a
    text the parser fails on comes back as its escaped lines."""
    if not text.strip():
        return ""
    # A lone surrogate (JSON may carry one) is no UTF-8: neither parser encodes it.
    text = _LONE_SURROGATE.sub("\ufffd", text)
    try:
        html = _parse(text)
    except Exception as error:  # a parser bug must not turn a user's text into a 500
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

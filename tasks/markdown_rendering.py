"""Markdown to safe HTML, for task descriptions and comments.

Rendered once, when the text is written. The Markdown library passes raw HTML through, so
its output is untrusted: nh3 (ammonia) keeps only the tags and attributes below, drops
scripts, styles and every event handler, allows only http, https and mailto links, and
gives every link rel="noopener noreferrer nofollow". Images are left out on purpose: a
remote image in a comment would tell a third party who read it, and when.
"""

import markdown
import nh3

MARKDOWN_EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br"]

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "s",
    "code", "pre", "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Removed together with their content, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
LINK_REL = "noopener noreferrer nofollow"


def render_markdown(text: str) -> str:
    """Safe HTML for Markdown `text` (an empty string for an empty text)."""
    if not text.strip():
        return ""
    html = markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()

"""Markdown rendering keeps formatting, drops anything that could run, and costs time
linear in the text whatever the text (issue 12)."""

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskboard import markdown_rendering
from taskboard.markdown_rendering import MAX_NESTING, MAX_RAW_HTML_TAGS, MAX_TABLE_CELLS, render_markdown
from tasks.mentions import mentioned_emails
from tasks.services import DESCRIPTION_MAX_LENGTH
from tasks.tests.test_services import XSS_PAYLOADS


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("", ""),
        ("   ", ""),
        ("*a* **b** `c`", "<p><em>a</em> <strong>b</strong> <code>c</code></p>"),
        ("line 1\nline 2", "<p>line 1<br>\nline 2</p>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("```\n<b>x</b>\n```", "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>"),
        (
            "[m](mailto:a@example.com)",
            '<p><a href="mailto:a@example.com" rel="noopener noreferrer nofollow">m</a></p>',
        ),
        ("![img](https://example.com/x.png)", "<p></p>"),
        ("~~gone~~ ~5 min~", "<p><del>gone</del> ~5 min~</p>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("# Title\n\n---", "<h1>Title</h1>\n<hr>"),
        (
            "| a | b |\n|:--|--:|\n| 1 | 2 |",
            "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n"
            "<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>",
        ),
        ("```python\nx = 1\n```", "<pre><code>x = 1\n</code></pre>"),
    ],
)
def test_render_markdown(text: str, html: str) -> None:
    assert render_markdown(text) == html


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_nothing_executable_survives(payload: str) -> None:
    html = render_markdown(f"Title\n\n{payload}\n\n*after*").lower()

    for needle in (
        "<script",
        "javascript:",
        "onerror",
        "onload",
        "onclick",
        "<iframe",
        "<svg",
        "style=",
        "data:",
    ):
        assert needle not in html
    assert "<em>after</em>" in html


@pytest.mark.parametrize(
    ("text", "emails"),
    [
        ("hi @Ada@Example.com!", {"ada@example.com"}),
        ("@a@example.com, @b@example.org.", {"a@example.com", "b@example.org"}),
        ("mail ada@example.com directly", set()),
        ("x@@ada@example.com", set()),
        ("@nobody", set()),
    ],
)
def test_mentioned_emails(text: str, emails: set[str]) -> None:
    assert mentioned_emails(text) == emails


# Hostile input: nothing raises, nothing costs more than its length. The time is measured
# by bench/markdown_rendering.py (docs/benchmarks.md); here what it is made of: the HTML nh3's parser
# reads (html5ever's time grows with its size times how deeply its elements nest).


def nested_list(depth: int) -> str:
    return "".join("  " * level + "- x\n" for level in range(depth))


def repeated(piece: str, length: int) -> str:
    return (piece * (length // len(piece) + 1))[:length]


def repeating(piece: str) -> Callable[[int], str]:
    return lambda length: repeated(piece, length)


def reopened(length: int) -> str:
    """Formatting elements left open (length / 50 of them), closed around by a block: html5ever
    re-opens each of them in every block after."""
    opened = "<div>" + "".join(f"<b id={i}>" for i in range(length // 50)) + "</div>"
    return opened + repeated("<div>x</div>", length - len(opened))


# The same within MAX_RAW_HTML_TAGS: 66 elements re-opened in 66 blocks (4,356 elements from
# 1,400 characters), then paragraphs.
REOPENED = "<div>" + "".join(f"<b id={i}>" for i in range(66)) + "</div>" + "<div>x</div>" * 66 + "\n\n"


def wide_table(length: int) -> str:
    """A header row length / 20 columns wide, then one-character rows: each row is padded
    with empty cells to the header's width."""
    columns = length // 20
    return repeated("|" + "a|" * columns + "\n|" + "-|" * columns + "\n" + "x\n" * length, length)


# Before issue 12 "1. " overflowed the recursion of Python-Markdown and "[" took it 54 s at
# 20,000 characters; ">" nested 20,000 quotes (1 s in nh3), "<ol>" 5,000 lists (0.15 s),
# the wide table made 5,000,000 cells and the reopened formatting 2,000,000 elements.
ADVERSARIAL = [
    "[", "![", "*", "_", "`", ">", "1. ", "> ", "- ", "- > ", "[a](", "**a", "a*", "`a", "[a](b",
    "\n", "a\n", "| a |\n", "<b>", "<a>", "<ol>", "<ul>", "<div>", "<ol><li>", "<blockquote>",
]  # fmt: skip
HOSTILE: dict[str, Callable[[int], str]] = {
    **{repr(piece): repeating(piece) for piece in ADVERSARIAL},
    "'[' ... ']'": lambda length: "[" * (length - 1) + "]",
    "nested lists": repeating(nested_list(40)),
    "nested by indentation": repeating(nested_list(1000)),
    "reopened formatting": reopened,
    "reopened within the budget": lambda length: REOPENED + repeated("x\n\n", length - len(REOPENED)),
    "wide table": wide_table,
}


class _Depth(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = self.deepest = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in {"br", "hr"}:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag: str) -> None:
        self.depth -= 1


def nesting_depth(html: str) -> int:
    parser = _Depth()
    parser.feed(html)
    return parser.deepest


@pytest.mark.parametrize("text_of", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_renders_to_html_linear_in_its_length(text_of: Callable[[int], str]) -> None:
    short, long = text_of(DESCRIPTION_MAX_LENGTH // 10), text_of(DESCRIPTION_MAX_LENGTH)

    html = render_markdown(long)

    # Ten times the text, at most about ten times the HTML (a link with its rel is the
    # largest HTML a character makes, about 10 times)...
    assert len(html) <= 11 * len(render_markdown(short)) + 1000
    assert len(html) <= 10 * len(long)
    # ... nested no deeper than a line's MAX_NESTING quotes and lists, within lists nested by
    # indentation (a level costs every line 2 more spaces: 139 levels at 20,000 characters).
    assert nesting_depth(html) <= 2 * 139 + 2


def test_deeply_nested_lists_and_quotes_render_up_to_the_bound() -> None:
    assert render_markdown(nested_list(2)) == "<ul>\n<li>x\n<ul>\n<li>x</li>\n</ul>\n</li>\n</ul>"
    # A marker past the bound is text (nor is there a RecursionError).
    assert render_markdown("> " * 5000 + "x").count("<blockquote>") == MAX_NESTING
    assert render_markdown("1. " * 6000).count("<ol>") == MAX_NESTING
    assert render_markdown(">" * 30).endswith(
        "<p>" + "&gt;" * 10 + "</p>\n" + "</blockquote>\n" * 19 + "</blockquote>"
    )
    # A quote goes on only on lines that repeat its marker: lines can't nest them deeper.
    quotes = "\n".join("> " * depth + "x" for depth in range(1, 31))
    assert render_markdown(quotes).count("<blockquote>") == MAX_NESTING
    # A thematic break is no list, however long.
    assert render_markdown("- " * 30) == "<hr>"


def test_raw_html_past_the_budget_is_left_out() -> None:
    within = "<b>x</b> " * (MAX_RAW_HTML_TAGS // 2)
    past = within + "<i>y</i> [a](javascript:alert(1))"

    assert render_markdown(within) == "<p>" + "<b>x</b> " * (MAX_RAW_HTML_TAGS // 2 - 1) + "<b>x</b></p>"
    # The text between the tags stays; a link to a scheme nh3 refuses has no href, as
    # with raw HTML kept.
    assert render_markdown(past) == (
        "<p>" + "x " * (MAX_RAW_HTML_TAGS // 2) + 'y <a rel="noopener noreferrer nofollow">a</a></p>'
    )
    assert render_markdown("<ol>" * 5000) == ""


def test_a_text_whose_tables_would_be_too_large_has_no_tables() -> None:
    # Rows shorter than the header are padded with empty cells.
    table = "| a | b |\n|---|---|\n" + "| 1 |\n" * (MAX_TABLE_CELLS // 2)

    assert render_markdown(table).count("<td></td>") == MAX_TABLE_CELLS // 2
    assert render_markdown(table + "| 1 |").startswith("<p>| a | b |<br>\n|---|---|<br>\n| 1 |<br>")


def test_a_lone_surrogate_is_replaced() -> None:
    # JSON can carry one ("\\ud800"); UTF-8 cannot.
    assert render_markdown("a\ud800b") == "<p>a\ufffdb</p>"


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_any_text_renders(text: str) -> None:
    assert isinstance(render_markdown(text), str)


@given(st.text(alphabet="[]()!*_`~>-+1.:#|\\<>&/ \n\r\tax", max_size=400))
@settings(max_examples=500, deadline=None)
def test_any_markdown_punctuation_renders(text: str) -> None:
    assert isinstance(render_markdown(text), str)


def test_a_parser_failure_shows_the_text_escaped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # cmark-gfm has not failed on any text tried; should it, a bug in it is no 500.
    def failing(text: str, options: int = 0, extensions: object = None) -> str:
        raise ValueError("Error parsing markdown!")

    monkeypatch.setattr(markdown_rendering.cmarkgfm, "markdown_to_html_with_extensions", failing)

    html = render_markdown("> " * 15 + "<b>x</b>\nnext")

    assert html == "<p>" + "&gt; " * 15 + "&lt;b&gt;x&lt;/b&gt;<br>\nnext</p>"
    assert "Markdown rendering failed (ValueError)" in caplog.text

"""Markdown rendering keeps formatting, drops anything that could run, and costs time
linear in the text whatever the text (issue 12)."""

import sys
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from tasks.markdown_rendering import MAX_NESTING, markdown_parser, render_markdown
from tasks.mentions import mentioned_emails
from tasks.services import COMMENT_MAX_LENGTH, DESCRIPTION_MAX_LENGTH
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
        ("~~gone~~", "<p><s>gone</s></p>"),
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


# Hostile input: nothing raises, nothing costs more than its length


def nested_list(depth: int) -> str:
    return "".join("  " * level + "- x\n" for level in range(depth))


# Each repeated to the length limit; before issue 12 "1. " overflowed the recursion of
# Python-Markdown and "[" took it 54 s at 20,000 characters.
ADVERSARIAL = ["[", "![", "*", "_", "`", ">", "1. ", "> ", "- ", "[a](", "**a", "<b>", "[" + "a](b", "\n"]


def repeated(piece: str, length: int) -> str:
    return (piece * (length // len(piece) + 1))[:length]


@pytest.mark.parametrize("piece", ADVERSARIAL)
@pytest.mark.parametrize("length", [DESCRIPTION_MAX_LENGTH, COMMENT_MAX_LENGTH])
def test_adversarial_input_renders(piece: str, length: int) -> None:
    text = repeated(piece, length)

    html = render_markdown(text)

    # Sanitized HTML of a text is never much larger than the text (at most <br>\n per
    # character, plus the paragraph around it).
    assert len(html) <= 6 * len(text)


def test_deeply_nested_lists_and_quotes_render_up_to_the_bound() -> None:
    assert render_markdown(nested_list(2)) == "<ul>\n<li>x\n<ul>\n<li>x</li>\n</ul>\n</li>\n</ul>"
    # Nesting past the bound is left out, not parsed deeper (nor a RecursionError).
    assert render_markdown(nested_list(1000)).count("<ul>") == 10
    assert render_markdown("> " * 5000 + "x").count("<blockquote>") == 20
    assert render_markdown("1. " * 6000).count("<ol>") == 10


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_any_text_renders(text: str) -> None:
    assert isinstance(render_markdown(text), str)


@given(st.text(alphabet="[]()!*_`~>-+1.:#|\\<>&/ \n\tax", max_size=400))
@settings(max_examples=500, deadline=None)
def test_any_markdown_punctuation_renders(text: str) -> None:
    assert isinstance(render_markdown(text), str)


def test_a_parser_failure_shows_the_text_escaped(caplog: pytest.LogCaptureFixture) -> None:
    # A real RecursionError (the way Python-Markdown failed): the stack is nearly used up
    # when rendering starts.
    text = "> " * 15 + "<b>x</b>\nnext"
    depth = _stack_depth()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 40)
    try:
        html = render_markdown(text)
    finally:
        sys.setrecursionlimit(limit)

    assert html == "<p>" + "&gt; " * 15 + "&lt;b&gt;x&lt;/b&gt;<br>\nnext</p>"
    assert "Markdown rendering failed (RecursionError)" in caplog.text


def _stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1  # type: ignore[assignment]
    return depth


# Linear work, counted: a rule put first in every block and inline ruler of a parser
# configured as render_markdown's runs once per rule attempt the parser makes, and the
# inline parser's skipToken (how a link label is looked for: once per character and
# nesting level, mostly answered from its cache) is counted on that parser alone.


def counting_parser() -> tuple[MarkdownIt, Callable[[], int]]:
    parser = markdown_parser()
    steps = 0

    def count_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        nonlocal steps
        steps += 1
        return False

    def count_inline(state: StateInline, silent: bool) -> bool:
        nonlocal steps
        steps += 1
        return False

    skip_token = parser.inline.skipToken

    def counted_skip_token(state: StateInline) -> None:
        nonlocal steps
        steps += 1
        skip_token(state)

    parser.block.ruler.before(
        "table", "count", count_block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    parser.inline.ruler.before("text", "count", count_inline)
    parser.inline.skipToken = counted_skip_token  # type: ignore[method-assign]
    return parser, lambda: steps


def repeating(piece: str) -> Callable[[int], str]:
    return lambda n: repeated(piece, n)


LINEAR_CASES: dict[str, Callable[[int], str]] = {
    **{repr(piece): repeating(piece) for piece in ADVERSARIAL},
    "'[' ... ']'": lambda n: "[" * (n - 1) + "]",
    "nested lists": lambda n: repeated(nested_list(40), n),
}


@pytest.mark.parametrize("text_of", LINEAR_CASES.values(), ids=LINEAR_CASES.keys())
def test_parsing_work_grows_linearly(text_of: Callable[[int], str]) -> None:
    work = {}
    for n in (1000, 10000):
        parser, steps = counting_parser()
        parser.render(text_of(n))
        work[n] = steps()

    # Ten times the text, ten times the work (quadratic work would be a hundred times), and
    # a character costs at most two steps per nesting level allowed ("![": the image and
    # the link rule each look for the label), plus a few.
    assert work[10000] <= 11 * work[1000] + 100
    assert work[10000] <= (2 * MAX_NESTING + 5) * 10000

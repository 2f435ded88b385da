"""Markdown rendering keeps formatting and drops anything that could run."""

import pytest

from tasks.markdown_rendering import render_markdown
from tasks.mentions import mentioned_emails
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

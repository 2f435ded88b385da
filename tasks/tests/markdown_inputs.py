"""A Markdown text that overflowed Python-Markdown's recursion (a 500 on every write and
preview that rendered it, issue 12), and its HTML now: lists nested to the bound
(tasks/markdown_rendering.MAX_NESTING, 20 markers on a line), the rest of the line text."""

DEEPLY_NESTED = "1. " * 1000
DEEPLY_NESTED_HTML = (
    "<ol>\n<li>\n" * 19 + "<ol>\n<li>" + " ".join(["1."] * 980) + "</li>\n</ol>" + "\n</li>\n</ol>" * 19
)
